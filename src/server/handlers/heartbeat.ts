/** Heartbeat (key 12): keeps a member's session; REBALANCE_IN_PROGRESS asks it to rejoin. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { refuseStaticMember } from './static-membership';

export function heartbeatHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.Heartbeat> {
  return (body: HeartbeatRequest): HeartbeatResponse => {
    refuseStaticMember(body.groupInstanceId, 'Heartbeat');
    return { throttleTimeMs: 0, errorCode: coordinator.heartbeat(body.groupId, body.generationId, body.memberId) };
  };
}
