/** Fetch (key 1): consumers (replicaId -1) and followers (their broker id) read raw batches. */
import type { ByTopic } from './common';

export interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
  /** The leader epoch the fetcher believes current, or -1 to skip the check. */
  currentLeaderEpoch: number;
  /** A follower's log start offset; -1 from consumers. */
  logStartOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  /** -1 for consumers, the follower's broker id for replicas. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  topics: ByTopic<FetchPartitionRequest>[];
}

export interface FetchPartitionResponse {
  partition: number;
  errorCode: number;
  errorMessage?: string | null;
  highWatermark: number;
  logStartOffset: number;
  /** The leader's log end offset (lets a follower see how far behind it is). */
  logEndOffset: number;
  /** Whole record batches straight from the segment files, or null when none. */
  records: Buffer | null;
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  topics: ByTopic<FetchPartitionResponse>[];
}
