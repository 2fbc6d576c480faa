/** StopReplica (key 5), from the controller: stop serving partitions, deleting their files when asked. */
import { ApiKey } from '../../protocol/api-keys';
import type { StopReplicaRequest, StopReplicaResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { requireArray } from './by-topic';

export function stopReplicaHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.StopReplica> {
  return (body: StopReplicaRequest): Promise<StopReplicaResponse> => {
    requireArray(body.partitions, 'StopReplica.partitions');
    return replicaManager.stopReplicas(body);
  };
}
