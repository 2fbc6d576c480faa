/** OffsetCommit (key 8): a group's consumed positions, stored in __consumer_offsets with acks=all. */
import type { ByTopic } from './common';

/** generationId of a commit from outside group management (a consumer using assign()). */
export const NO_GENERATION_ID = -1;

export interface OffsetCommitRequestPartition {
  partition: number;
  /** The next offset to read (one past the last processed record). */
  committedOffset: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  /** "" outside group management. */
  memberId: string;
  /** Kafka's group.instance.id (OffsetCommit v7+): null or absent, as only dynamic members are served. */
  groupInstanceId?: string | null;
  topics: ByTopic<OffsetCommitRequestPartition>[];
}

export interface OffsetCommitResponsePartition {
  partition: number;
  errorCode: number;
}

export interface OffsetCommitResponse {
  topics: ByTopic<OffsetCommitResponsePartition>[];
}
