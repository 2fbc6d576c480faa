/** DeleteRecords (key 21): each partition's leader deletes the records before an offset (its log start offset moves up to it). */
import type { ByTopic } from './common';

/** The offset meaning "before the high watermark" (Kafka's DeleteRecordsRequest.HIGH_WATERMARK). */
export const DELETE_UP_TO_HIGH_WATERMARK = -1;

/** The low watermark an error answer carries (Kafka's DeleteRecordsResponse.INVALID_LOW_WATERMARK). */
export const INVALID_LOW_WATERMARK = -1;

export interface DeleteRecordsPartitionRequest {
  partition: number;
  /** Records before this offset are deleted; -1: before the high watermark (all that consumers can see). */
  offset: number;
}

export interface DeleteRecordsRequest {
  topics: ByTopic<DeleteRecordsPartitionRequest>[];
  /** How long to wait for every live replica to delete them too. */
  timeoutMs: number;
}

export interface DeleteRecordsPartitionResponse {
  partition: number;
  /** The partition's low watermark: the lowest log start offset of its live replicas; -1 with an error. */
  lowWatermark: number;
  errorCode: number;
  errorMessage?: string | null;
}

export interface DeleteRecordsResponse {
  topics: ByTopic<DeleteRecordsPartitionResponse>[];
}
