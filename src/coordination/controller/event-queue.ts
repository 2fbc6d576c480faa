/**
 * The controller's one serial loop (Kafka's ControllerEventManager): ZooKeeper watch callbacks and
 * API calls only put a typed event here; one loop processes the events one at a time, in order, so
 * controller state is never touched by two things at once. The queue is bounded, and a watch event
 * already waiting is not queued twice (processing it re-reads ZooKeeper, which covers both).
 */
import { systemClock, type Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';

export const controllerEventQueueMax = 1_000;

interface QueuedEvent<E> {
  event: E;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class ControllerEventQueue<E extends { type: string }> {
  private readonly queue: QueuedEvent<E>[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly process: (event: E) => Promise<void>,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
    private readonly queuedEventsMax = controllerEventQueueMax,
  ) {}

  /** Queues `event`; the promise settles once it has been processed (rejects with its error). */
  put(event: E): Promise<void> {
    if (this.stopped) return Promise.reject(new Error(`the controller event queue is stopped; ${event.type} dropped`));
    if (this.queue.length >= this.queuedEventsMax) {
      return Promise.reject(new Error(`the controller event queue is full (${this.queuedEventsMax} events); ${event.type} dropped`));
    }
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may wait on a watch event's promise: its failure is logged here, not unhandled.
    done.catch(() => undefined);
    this.queue.push({ event, done, resolve, reject });
    void this.drain();
    return done;
  }

  /** As put, unless an event of the same type is already waiting: then that one's promise. */
  putIfAbsent(event: E): Promise<void> {
    const waiting = this.queue.find((q) => q.event.type === event.type);
    return waiting ? waiting.done : this.put(event);
  }

  /** Drops every waiting event (rejecting their promises) and queues `event` (Kafka's clearAndPut). */
  clearAndPut(event: E): Promise<void> {
    this.dropWaiting(`dropped for ${event.type}`);
    return this.put(event);
  }

  get size(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      const next = this.queue.shift() as QueuedEvent<E>;
      const startedMs = this.clock.nowMs();
      try {
        await this.process(next.event);
        next.resolve();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.logger.error(`error processing controller event ${next.event.type}: ${error.stack ?? error.message}`);
        next.reject(error);
      }
      this.logger.debug(`controller event ${next.event.type} took ${this.clock.nowMs() - startedMs} ms`);
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves once nothing is queued or being processed. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Lets the event being processed finish, drops the rest and refuses new ones. */
  stop(): void {
    this.stopped = true;
    this.dropWaiting('the controller event queue stopped');
  }

  private dropWaiting(why: string): void {
    for (const q of this.queue.splice(0)) q.reject(new Error(`controller event ${q.event.type} not processed: ${why}`));
  }
}
