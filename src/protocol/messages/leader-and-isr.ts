/**
 * LeaderAndIsr (key 4), controller -> broker: become leader or follower of these partitions.
 * A broker ignores it when controllerEpoch is older than the newest it has seen, and ignores a
 * partition's state whose leaderEpoch is not newer than the one it holds.
 */
import type { BrokerEndpoint } from './common';

export interface LeaderAndIsrPartitionState {
  topic: string;
  partition: number;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** zkVersion of the partition's state znode; the leader's conditional ISR writes use it. */
  zkVersion: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  isNew: boolean;
}

export interface LeaderAndIsrRequest {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
  partitionStates: LeaderAndIsrPartitionState[];
  /** Endpoints of the leaders named above, so followers know where to fetch from. */
  liveLeaders: BrokerEndpoint[];
}

export interface LeaderAndIsrResponse {
  errorCode: number;
  partitions: { topic: string; partition: number; errorCode: number }[];
}
