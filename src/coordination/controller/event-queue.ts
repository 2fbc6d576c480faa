/**
 * The controller's one serial loop (Kafka's ControllerEventManager): ZooKeeper watch callbacks and
 * API calls only enqueue a named event; events run one at a time, in order, so controller state is
 * never touched by two things at once. The queue is bounded.
 */
import type { Logger } from '../../common/logger';

export const controllerEventQueueMax = 10_000;

interface QueuedEvent {
  name: string;
  run: () => Promise<void>;
}

export class ControllerEventQueue {
  private readonly queue: QueuedEvent[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly logger: Logger) {}

  /** Queues `run`; the promise settles when it has run (rejects with its error). */
  put<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error(`controller event queue is stopped (${name})`));
    if (this.queue.length >= controllerEventQueueMax) {
      return Promise.reject(new Error(`controller event queue is full (${controllerEventQueueMax}); dropped ${name}`));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ name, run: () => run().then(resolve, (err: unknown) => { reject(err); }) });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0 && !this.stopped) {
      const event = this.queue.shift() as QueuedEvent;
      const started = Date.now();
      try {
        await event.run();
      } catch (err) {
        this.logger.error(`controller event ${event.name} failed: ${(err as Error).stack ?? String(err)}`);
      }
      this.logger.debug(`controller event ${event.name} took ${Date.now() - started} ms`);
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }
}
