/** OffsetsForLeaderEpoch (key 23): where a leader epoch ends on the leader (KIP-101 truncation). */
import type { ByTopic } from './common';

export interface OffsetsForLeaderEpochPartitionRequest {
  partition: number;
  currentLeaderEpoch: number;
  leaderEpoch: number;
}

export interface OffsetsForLeaderEpochRequest {
  replicaId: number;
  topics: ByTopic<OffsetsForLeaderEpochPartitionRequest>[];
}

export interface OffsetsForLeaderEpochPartitionResponse {
  partition: number;
  errorCode: number;
  leaderEpoch: number;
  endOffset: number;
}

export interface OffsetsForLeaderEpochResponse {
  topics: ByTopic<OffsetsForLeaderEpochPartitionResponse>[];
}
