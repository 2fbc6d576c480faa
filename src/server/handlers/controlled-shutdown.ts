/**
 * ControlledShutdown (key 7), broker -> controller: move the asking broker's leaderships away
 * before it stops. Answered only by the active controller; any other broker says NOT_CONTROLLER.
 */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { ControlledShutdownRequest, ControlledShutdownResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ControllerPort } from './ports';

export function controlledShutdownHandler(controller: () => ControllerPort | undefined): Handler<typeof ApiKey.ControlledShutdown> {
  return async (body: ControlledShutdownRequest): Promise<ControlledShutdownResponse> => {
    const active = controller();
    if (!active?.isActive) return { errorCode: ErrorCode.NOT_CONTROLLER.code, remainingPartitions: [] };
    const remainingPartitions = await active.controlledShutdown(body.brokerId, body.brokerEpoch);
    return { errorCode: ErrorCode.NONE.code, remainingPartitions };
  };
}
