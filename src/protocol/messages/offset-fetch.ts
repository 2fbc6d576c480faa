/** OffsetFetch (key 9): a group's committed offsets (-1 where none was committed). */
import type { ByTopic } from './common';

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has committed for. */
  topics: ByTopic<number>[] | null;
}

export interface OffsetFetchResponsePartition {
  partition: number;
  /** -1 when the group has no committed offset here. */
  committedOffset: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponse {
  /** COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR, ... for the whole request. */
  errorCode: number;
  topics: ByTopic<OffsetFetchResponsePartition>[];
}
