/**
 * UpdateMetadata (key 6), from the controller: replaces this broker's view of the cluster. A
 * request from a controller older than one already heard is refused (STALE_CONTROLLER_EPOCH).
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { UpdateMetadataRequest, UpdateMetadataResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { MetadataCache } from '../metadata-cache';
import type { ReplicaManager } from '../replica-manager';
import { requireArray } from './by-topic';

export function updateMetadataHandler(replicaManager: ReplicaManager, metadataCache: MetadataCache, logger: Logger): Handler<typeof ApiKey.UpdateMetadata> {
  return (body: UpdateMetadataRequest): UpdateMetadataResponse => {
    requireArray(body.partitionStates, 'UpdateMetadata.partitionStates');
    for (const broker of requireArray(body.liveBrokers, 'UpdateMetadata.liveBrokers')) requireArray(broker?.endpoints, `UpdateMetadata.liveBrokers[${broker?.id}].endpoints`);
    requireArray(body.deletedTopics, 'UpdateMetadata.deletedTopics');
    if (!replicaManager.acceptControllerEpoch(body.controllerEpoch)) {
      logger.warn(`ignoring UpdateMetadata from controller ${body.controllerId} with epoch ${body.controllerEpoch}: epoch ${replicaManager.controllerEpoch} is newer`);
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code };
    }
    metadataCache.update(body);
    return { errorCode: ErrorCode.NONE.code };
  };
}
