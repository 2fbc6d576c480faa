/**
 * A request waiting until each of its partitions reaches a point only the followers' fetches can
 * bring about: an acks=all Produce (the high watermark passes what it appended) or a
 * DeleteRecords (the low watermark reaches its offset). Kafka's DelayedProduce and
 * DelayedDeleteRecords share this shape: a partition still waiting when the timeout passes
 * answers REQUEST_TIMED_OUT; the others answer as their wait ended.
 */
import { ErrorCode } from '../common/errors';
import { DelayedOperation } from './purgatory';

export interface WaitingPartitionStatus {
  topic: string;
  partition: number;
  /** Still waiting; a settled partition's errorCode is its answer. */
  acksPending: boolean;
  errorCode: number;
  errorMessage: string | null;
}

export abstract class DelayedPartitionWait<S extends WaitingPartitionStatus> extends DelayedOperation {
  /** @param timeoutReason what a partition that times out did not reach, e.g. "not replicated to the ISR" */
  constructor(delayMs: number, private readonly statuses: S[], timeoutReason: string, private readonly respond: (statuses: S[]) => void) {
    super(delayMs);
    for (const status of statuses) {
      if (!status.acksPending) continue;
      status.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
      status.errorMessage = `${status.topic}-${status.partition}: ${timeoutReason} within ${delayMs} ms`;
    }
  }

  /** Settles a waiting partition whose wait is over: acksPending false, its answer filled in. */
  protected abstract trySettle(status: S): void;

  tryComplete(): boolean {
    for (const status of this.statuses) if (status.acksPending) this.trySettle(status);
    return this.statuses.every((s) => !s.acksPending) && this.forceComplete();
  }

  protected onComplete(): void {
    this.respond(this.statuses);
  }
}
