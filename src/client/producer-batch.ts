/**
 * One partition's batch of records on its way to the leader (Kafka's ProducerBatch), the shared
 * outcome of its send (ProduceRequestResult) and the per-record handle on it
 * (FutureRecordMetadata). Records are written into the batch's buffer as they are appended; the
 * batch is sealed once, when first drained, and resent as the same bytes on retry. Outcomes
 * settle exactly once.
 */
import { assert } from '../common/assert';
import type { RecordInput } from '../protocol/record-batch';
import { RecordBatchBuilder } from '../protocol/record-batch-builder';
import type { RecordMetadata } from './records';

/**
 * The outcome of producing one batch. Its promise is created only when someone awaits a record
 * of the batch, so a producer whose callers never look allocates none.
 */
export class ProduceRequestResult {
  baseOffset = -1;
  logAppendTimeMs = -1;
  error: Error | undefined = undefined;
  done = false;
  private promise: Promise<void> | undefined;
  private resolvePromise: (() => void) | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Resolves (never rejects) once the outcome is known; read it from the fields. */
  settled(): Promise<void> {
    if (this.promise === undefined) {
      this.promise = this.done ? Promise.resolve() : new Promise((resolve) => (this.resolvePromise = resolve));
    }
    return this.promise;
  }

  complete(baseOffset: number, logAppendTimeMs: number): void {
    this.baseOffset = baseOffset;
    this.logAppendTimeMs = logAppendTimeMs;
    this.finish();
  }

  fail(error: Error): void {
    this.error = error;
    this.finish();
  }

  private finish(): void {
    assert(!this.done, () => `the outcome of a batch for ${this.topic}-${this.partition} was settled twice`);
    this.done = true;
    this.resolvePromise?.();
  }
}

/**
 * What `Producer.send` returns: a Promise of the record's metadata that is built only when first
 * awaited (a fire-and-forget send costs one small object, and an unobserved failure does not
 * become an unhandled rejection; the producer logs failed batches instead). A send that waited
 * for buffer room or metadata is bound to its batch later, or failed before it got one.
 */
export class FutureRecordMetadata implements Promise<RecordMetadata> {
  private result: ProduceRequestResult | undefined;
  private relativeOffset = -1;
  private timestamp = -1;
  private earlyError: Error | undefined;
  private promise: Promise<RecordMetadata> | undefined;
  private waiter: { resolve: (m: RecordMetadata) => void; reject: (e: Error) => void } | undefined;

  get [Symbol.toStringTag](): string {
    return 'FutureRecordMetadata';
  }

  /** Ties the record to its place in a batch. */
  bind(result: ProduceRequestResult, relativeOffset: number, timestamp: number): void {
    this.result = result;
    this.relativeOffset = relativeOffset;
    this.timestamp = timestamp;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      result.settled().then(() => this.settle(waiter.resolve, waiter.reject));
    }
  }

  /** Fails a record that never reached a batch (too large, no metadata or room in time). */
  fail(error: Error): void {
    this.earlyError = error;
    this.waiter?.reject(error);
    this.waiter = undefined;
  }

  then<T1 = RecordMetadata, T2 = never>(
    onFulfilled?: ((value: RecordMetadata) => T1 | PromiseLike<T1>) | null,
    onRejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.get().then(onFulfilled, onRejected);
  }

  catch<T = never>(onRejected?: ((reason: unknown) => T | PromiseLike<T>) | null): Promise<RecordMetadata | T> {
    return this.get().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<RecordMetadata> {
    return this.get().finally(onFinally);
  }

  private get(): Promise<RecordMetadata> {
    if (this.promise === undefined) {
      const result = this.result;
      if (this.earlyError !== undefined) this.promise = Promise.reject(this.earlyError);
      else if (result === undefined) this.promise = new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      else this.promise = result.settled().then(() => new Promise((resolve, reject) => this.settle(resolve, reject)));
    }
    return this.promise;
  }

  private settle(resolve: (m: RecordMetadata) => void, reject: (e: Error) => void): void {
    const result = this.result!;
    if (result.error !== undefined) {
      reject(result.error);
      return;
    }
    resolve({
      topic: result.topic,
      partition: result.partition,
      // acks=0 learns no offset: Kafka reports -1 then.
      offset: result.baseOffset < 0 ? -1 : result.baseOffset + this.relativeOffset,
      timestamp: result.logAppendTimeMs >= 0 ? result.logAppendTimeMs : this.timestamp,
    });
  }
}

export class ProducerBatch {
  readonly result: ProduceRequestResult;
  private readonly builder: RecordBatchBuilder;
  /** Sends so far that came back retriable. */
  attempts = 0;
  lastAttemptMs: number;
  /** No more appends: it was drained, or the next record did not fit. */
  closed = false;
  /** Set while a Produce request carries it. */
  inFlight = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    /** Where the records are written, from the producer's BufferPool; given back when the batch completes. */
    readonly buffer: Buffer,
  ) {
    this.result = new ProduceRequestResult(topic, partition);
    this.lastAttemptMs = createdMs;
    this.builder = new RecordBatchBuilder(buffer);
  }

  /** Writes the record into the batch and returns its offset within it, or -1 (and closes) if it does not fit. */
  tryAppend(record: RecordInput, timestamp: number): number {
    assert(!this.closed, () => `append to a closed batch of ${this.topic}-${this.partition}`);
    const relativeOffset = this.builder.recordCount;
    if (this.builder.tryAppend(record, timestamp)) return relativeOffset;
    this.closed = true;
    return -1;
  }

  get recordCount(): number {
    return this.builder.recordCount;
  }

  get sizeBytes(): number {
    return this.builder.sizeBytes;
  }

  /** Closed, or its buffer is used up (a record of its own larger than batch.size). */
  get isFull(): boolean {
    return this.closed || this.builder.sizeBytes === this.builder.capacityBytes;
  }

  /** The sealed v2 batch bytes (a view of `buffer`); no more appends after the first call. */
  encode(): Buffer {
    this.closed = true;
    return this.builder.build();
  }

  /** Milliseconds since the batch was created, Kafka's measure for delivery.timeout.ms. */
  ageMs(nowMs: number): number {
    return nowMs - this.createdMs;
  }
}
