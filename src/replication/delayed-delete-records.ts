/**
 * A DeleteRecords waiting for its partitions' low watermarks to reach the offsets it asked for
 * (Kafka's DelayedDeleteRecords): the leader has deleted, and each live follower deletes too once
 * a fetch answer tells it the leader's new log start offset and its next fetch says so. A
 * partition still waiting when the request's timeout passes answers REQUEST_TIMED_OUT with the
 * low watermark it had when the request arrived.
 */
import { ErrorCode } from '../common/errors';
import { DelayedPartitionWait, type WaitingPartitionStatus } from './delayed-partition-wait';
import { INVALID_LOW_WATERMARK } from '../protocol/messages';
import type { Partition } from './partition';

export interface DeleteRecordsPartitionStatus extends WaitingPartitionStatus {
  /** The low watermark must reach this (the new log start offset). */
  requiredOffset: number;
  lowWatermark: number;
}

export class DelayedDeleteRecords extends DelayedPartitionWait<DeleteRecordsPartitionStatus> {
  constructor(
    delayMs: number,
    statuses: DeleteRecordsPartitionStatus[],
    private readonly lookup: (topic: string, partition: number) => Partition | undefined,
    private readonly isAlive: (brokerId: number) => boolean,
    respond: (statuses: DeleteRecordsPartitionStatus[]) => void,
  ) {
    super(delayMs, statuses, 'not deleted on every live replica', respond);
  }

  protected trySettle(status: DeleteRecordsPartitionStatus): void {
    const partition = this.lookup(status.topic, status.partition);
    if (partition === undefined || !partition.isLeader) {
      const code = partition === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NOT_LEADER_OR_FOLLOWER;
      Object.assign(status, { acksPending: false, errorCode: code.code, errorMessage: null, lowWatermark: INVALID_LOW_WATERMARK });
      return;
    }
    const lowWatermark = partition.lowWatermarkIfLeader(this.isAlive);
    if (lowWatermark < status.requiredOffset) return;
    Object.assign(status, { acksPending: false, errorCode: ErrorCode.NONE.code, errorMessage: null, lowWatermark });
  }
}
