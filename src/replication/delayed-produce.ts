/**
 * An acks=all Produce waiting for its partitions' high watermarks to pass what it appended
 * (Kafka's DelayedProduce). Partitions still waiting when the request's timeout passes answer
 * REQUEST_TIMED_OUT: the records are in the leader's log but not known to be on the whole ISR.
 */
import { ErrorCode } from '../common/errors';
import type { Partition } from './partition';
import { DelayedOperation } from './purgatory';

export interface ProducePartitionStatus {
  topic: string;
  partition: number;
  /** The high watermark must reach this (last appended offset + 1). */
  requiredOffset: number;
  acksPending: boolean;
  /** Filled at append time; errorCode changes when the partition's wait ends. */
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export class DelayedProduce extends DelayedOperation {
  constructor(
    delayMs: number,
    private readonly statuses: ProducePartitionStatus[],
    private readonly lookup: (topic: string, partition: number) => Partition | undefined,
    private readonly respond: (statuses: ProducePartitionStatus[]) => void,
  ) {
    super(delayMs);
    for (const status of statuses) {
      if (status.acksPending) {
        status.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
        status.errorMessage = `${status.topic}-${status.partition}: not replicated to the ISR within ${delayMs} ms`;
      }
    }
  }

  tryComplete(): boolean {
    for (const status of this.statuses) {
      if (!status.acksPending) continue;
      const partition = this.lookup(status.topic, status.partition);
      const { done, errorCode } = partition === undefined
        ? { done: true, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code }
        : partition.checkEnoughReplicasReachOffset(status.requiredOffset);
      if (!done) continue;
      status.acksPending = false;
      status.errorCode = errorCode;
      status.errorMessage = null;
    }
    return this.statuses.every((s) => !s.acksPending) && this.forceComplete();
  }

  protected onComplete(): void {
    this.respond(this.statuses);
  }
}
