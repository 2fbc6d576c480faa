/** UpdateMetadata (key 6), controller -> every broker: the cluster view its metadata cache serves. */
import type { BrokerEndpoint } from './common';

export interface UpdateMetadataPartitionState {
  topic: string;
  partition: number;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  zkVersion: number;
  replicas: number[];
  offlineReplicas: number[];
}

export interface UpdateMetadataRequest {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
  partitionStates: UpdateMetadataPartitionState[];
  liveBrokers: BrokerEndpoint[];
  /** Topics removed since the last update (deleted topics leave the cache). */
  deletedTopics: string[];
}

export interface UpdateMetadataResponse {
  errorCode: number;
}
