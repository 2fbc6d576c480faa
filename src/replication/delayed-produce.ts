/**
 * An acks=all Produce waiting for its partitions' high watermarks to pass what it appended
 * (Kafka's DelayedProduce). Partitions still waiting when the request's timeout passes answer
 * REQUEST_TIMED_OUT: the records are in the leader's log but not known to be on the whole ISR.
 */
import { ErrorCode } from '../common/errors';
import { DelayedPartitionWait, type WaitingPartitionStatus } from './delayed-partition-wait';
import type { Partition } from './partition';

export interface ProducePartitionStatus extends WaitingPartitionStatus {
  /** The high watermark must reach this (last appended offset + 1). */
  requiredOffset: number;
  /** Filled at append time; errorCode changes when the partition's wait ends. */
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export class DelayedProduce extends DelayedPartitionWait<ProducePartitionStatus> {
  constructor(
    delayMs: number,
    statuses: ProducePartitionStatus[],
    private readonly lookup: (topic: string, partition: number) => Partition | undefined,
    respond: (statuses: ProducePartitionStatus[]) => void,
  ) {
    super(delayMs, statuses, 'not replicated to the ISR', respond);
  }

  protected trySettle(status: ProducePartitionStatus): void {
    const partition = this.lookup(status.topic, status.partition);
    const { done, errorCode } = partition === undefined
      ? { done: true, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code }
      : partition.checkEnoughReplicasReachOffset(status.requiredOffset);
    if (!done) return;
    status.acksPending = false;
    status.errorCode = errorCode;
    status.errorMessage = null;
  }
}
