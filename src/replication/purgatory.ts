/**
 * Kafka's DelayedOperationPurgatory, single-threaded: requests that cannot be answered yet (a
 * long-poll fetch, an acks=all produce) wait here, watched under the partitions they concern,
 * until a change to one of those partitions lets them complete or their timeout expires them.
 * Every operation completes exactly once; the number waiting is bounded.
 */
import type { Logger } from '../common/logger';
import { timerScheduler, type Scheduler } from '../common/scheduler';

/**
 * One delayed request. Subclasses say when it can complete (tryComplete, which calls
 * forceComplete) and what completing does (onComplete: build and send the response).
 */
export abstract class DelayedOperation {
  private completed = false;
  /** Set by the purgatory while it watches this operation: cancels the timer and unwatches it. */
  detach: (() => void) | undefined;

  constructor(readonly delayMs: number) {}

  get isCompleted(): boolean {
    return this.completed;
  }

  /** Completes now if the operation's condition holds; returns whether it completed. */
  abstract tryComplete(): boolean;

  /** Builds and sends the response. Called exactly once, on completion or expiry. */
  protected abstract onComplete(): void;

  /** Called before onComplete when the timeout, not the condition, ended the wait. */
  protected onExpiration(): void {}

  /** Completes the operation unless it already was; returns true for the call that did. */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    this.detach?.();
    this.detach = undefined;
    this.onComplete();
    return true;
  }

  /** The timeout passed: expire, then complete with whatever state there is. */
  expire(): boolean {
    if (this.completed) return false;
    this.onExpiration();
    return this.forceComplete();
  }
}

export interface PurgatoryOptions {
  /** Operations waiting at once; past it, new operations expire at once (backpressure, not memory). */
  operationsMax: number;
  scheduler?: Scheduler;
  logger: Logger;
}

export class DelayedOperationPurgatory<T extends DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  private waiting = 0;
  private readonly scheduler: Scheduler;
  private warnedFull = false;

  constructor(readonly name: string, private readonly options: PurgatoryOptions) {
    this.scheduler = options.scheduler ?? timerScheduler;
  }

  /** Operations waiting now. */
  get size(): number {
    return this.waiting;
  }

  /**
   * Completes `operation` now if it can; otherwise watches it under `keys` until checkAndComplete
   * on one of them completes it or its delay passes. Returns true when it completed at once.
   */
  tryCompleteElseWatch(operation: T, keys: readonly string[]): boolean {
    if (operation.tryComplete()) return true;
    if (this.waiting >= this.options.operationsMax) {
      if (!this.warnedFull) this.options.logger.warn(`${this.name} purgatory is full (${this.options.operationsMax} waiting): new operations expire at once`);
      this.warnedFull = true;
      operation.expire();
      return true;
    }
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) {
        set = new Set();
        this.watchers.set(key, set);
      }
      set.add(operation);
    }
    this.waiting++;
    const cancelTimer = this.scheduler.schedule(operation.delayMs, () => operation.expire());
    operation.detach = () => {
      cancelTimer();
      this.unwatch(operation, keys);
    };
    return false;
  }

  /** Something changed for `key` (an append, a high-watermark move, a leader change): retry its operations. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (!set) return 0;
    let completed = 0;
    for (const operation of [...set]) {
      if (!operation.isCompleted && operation.tryComplete()) completed++;
    }
    return completed;
  }

  /** Completes every waiting operation with the state there is (broker shutdown): each gets its answer. */
  shutdown(): void {
    const all = new Set<T>();
    for (const set of this.watchers.values()) for (const op of set) all.add(op);
    for (const op of all) op.expire();
  }

  private unwatch(operation: T, keys: readonly string[]): void {
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (!set) continue;
      set.delete(operation);
      if (set.size === 0) this.watchers.delete(key);
    }
    this.waiting--;
    if (this.waiting < this.options.operationsMax) this.warnedFull = false;
  }
}
