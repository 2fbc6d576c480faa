/** LeaderAndIsr (key 4), from the controller: become leader or follower of partitions. */
import { ApiKey } from '../../protocol/api-keys';
import type { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { requireArray } from './by-topic';

export function leaderAndIsrHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.LeaderAndIsr> {
  return (body: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse> => {
    requireArray(body.partitionStates, 'LeaderAndIsr.partitionStates');
    return replicaManager.becomeLeaderOrFollower(body);
  };
}
