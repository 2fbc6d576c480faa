/** Metadata (key 3): brokers and partition leadership, answered from the broker's metadata cache. */
import type { BrokerEndpoint } from './common';

export interface MetadataRequest {
  /** null: all topics. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export interface PartitionMetadata {
  errorCode: number;
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicMetadata {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: PartitionMetadata[];
}

export interface MetadataResponse {
  brokers: BrokerEndpoint[];
  clusterId: string | null;
  controllerId: number;
  topics: TopicMetadata[];
}
