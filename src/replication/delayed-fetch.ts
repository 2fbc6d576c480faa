/**
 * A Fetch waiting for data (Kafka's DelayedFetch, the long-poll): it completes once the bytes
 * readable from its fetch offsets reach minBytes, when one of its partitions changes in a way that
 * needs an answer (leadership moved, offset now out of range), or when maxWaitMs passes. On
 * completion it reads again and answers with whatever is there.
 */
import { DelayedOperation } from './purgatory';

export class DelayedFetch extends DelayedOperation {
  constructor(
    maxWaitMs: number,
    private readonly minBytes: number,
    /** Bytes readable now, counting up to at least minBytes; Infinity when a partition needs an answer now. */
    private readonly bytesReadable: (minBytes: number) => number,
    private readonly respond: () => void,
  ) {
    super(maxWaitMs);
  }

  tryComplete(): boolean {
    return this.bytesReadable(this.minBytes) >= this.minBytes && this.forceComplete();
  }

  protected onComplete(): void {
    this.respond();
  }
}
