/** ListOffsets (key 2): earliest (-2), latest (-1) or first offset at/after a timestamp. */
import type { ByTopic } from './common';

export interface ListOffsetsPartitionRequest {
  partition: number;
  /** LATEST_TIMESTAMP (-1), EARLIEST_TIMESTAMP (-2) or ms since the epoch. */
  timestamp: number;
}

export interface ListOffsetsRequest {
  replicaId: number;
  topics: ByTopic<ListOffsetsPartitionRequest>[];
}

export interface ListOffsetsPartitionResponse {
  partition: number;
  errorCode: number;
  errorMessage?: string | null;
  /** The found record's timestamp, or -1. */
  timestamp: number;
  /** -1 when no record has a timestamp at or after the one asked for. */
  offset: number;
}

export interface ListOffsetsResponse {
  topics: ByTopic<ListOffsetsPartitionResponse>[];
}
