/**
 * The controlled shutdown loop on a scripted controller and ZooKeeper connection, time driven by
 * hand: Kafka's bounded retries while ZooKeeper is there, and standing down as soon as it counts
 * as unreachable (before the first attempt, in the middle of one, or during a backoff), but not
 * for a disconnection shorter than the reconnect grace.
 */
import { EventEmitter } from 'events';
import { createLogger } from '../../../src/common/logger';
import type { TopicPartition } from '../../../src/protocol/messages';
import { controlledShutdown, type ControlledShutdownOutcome } from '../../../src/server/controlled-shutdown';
import { ManualScheduler } from '../../helpers/manual-scheduler';

const graceMs = 2_000;
const backoffMs = 5_000;

/** A ZooKeeper connection whose losses and returns the test decides, on the scheduler's clock. */
class ScriptedZooKeeper extends EventEmitter {
  private disconnectedAtMs: number | undefined;

  constructor(private readonly scheduler: ManualScheduler) {
    super();
  }

  get disconnectedForMs(): number | undefined {
    return this.disconnectedAtMs === undefined ? undefined : this.scheduler.clock.nowMs() - this.disconnectedAtMs;
  }

  disconnect(): void {
    this.disconnectedAtMs ??= this.scheduler.clock.nowMs();
    this.emit('disconnected');
  }

  reconnect(): void {
    this.disconnectedAtMs = undefined;
    this.emit('connected');
  }
}

/** A controller that answers each ControlledShutdown request when the test says. */
class ScriptedController {
  readonly pending: Array<{ answer(remaining: TopicPartition[]): void; fail(error: Error): void }> = [];
  requests = 0;

  request = (): Promise<TopicPartition[]> => {
    this.requests += 1;
    return new Promise((answer, fail) => this.pending.push({ answer, fail }));
  };

  answer(remaining: TopicPartition[]): void {
    this.pending.shift()?.answer(remaining);
  }

  fail(message: string): void {
    this.pending.shift()?.fail(new Error(message));
  }
}

async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function setup(): {
  scheduler: ManualScheduler; zk: ScriptedZooKeeper; controller: ScriptedController; lines: string[];
  run(): { outcome(): ControlledShutdownOutcome | undefined; done: Promise<ControlledShutdownOutcome> };
} {
  const scheduler = new ManualScheduler();
  const zk = new ScriptedZooKeeper(scheduler);
  const controller = new ScriptedController();
  const lines: string[] = [];
  const run = (): { outcome(): ControlledShutdownOutcome | undefined; done: Promise<ControlledShutdownOutcome> } => {
    let outcome: ControlledShutdownOutcome | undefined;
    const done = controlledShutdown({
      maxRetries: 3, retryBackoffMs: backoffMs, request: controller.request, zooKeeper: zk, reconnectGraceMs: graceMs, scheduler,
      logger: createLogger('broker.1', (line) => lines.push(line)),
    });
    void done.then((o) => { outcome = o; });
    return { outcome: () => outcome, done };
  };
  return { scheduler, zk, controller, lines, run };
}

const orders0: TopicPartition = { topic: 'orders', partition: 0 };

describe('controlled shutdown', () => {
  it('asks again after the backoff while the broker still leads, and stops once it leads nothing', async () => {
    const { scheduler, controller, run, zk } = setup();
    const shutdown = run();
    await flush();
    controller.answer([orders0]);
    await flush();
    expect(controller.requests).toBe(1);
    scheduler.advance(backoffMs - 1);
    await flush();
    expect(controller.requests).toBe(1);
    scheduler.advance(1);
    await flush();
    expect(controller.requests).toBe(2);
    controller.answer([]);
    expect(await shutdown.done).toBe('succeeded');
    expect(zk.listenerCount('disconnected') + zk.listenerCount('connected')).toBe(0);
  });

  it('gives up after controlled.shutdown.max.retries attempts', async () => {
    const { scheduler, controller, run, lines } = setup();
    const shutdown = run();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await flush();
      controller.fail('REQUEST_TIMED_OUT');
      await flush();
      scheduler.advance(backoffMs);
    }
    expect(await shutdown.done).toBe('retries exhausted');
    expect(controller.requests).toBe(3);
    expect(lines.filter((l) => l.includes('failed: REQUEST_TIMED_OUT'))).toHaveLength(3);
  });

  it('sends nothing when ZooKeeper has been unreachable for the grace already', async () => {
    const { scheduler, zk, controller, run, lines } = setup();
    zk.disconnect();
    scheduler.advance(graceMs);
    expect(await run().done).toBe('zookeeper unreachable');
    expect(controller.requests).toBe(0);
    expect(lines.join('')).toMatch(/WARN +\[broker\.1\] ZooKeeper unreachable \(no connection for 2000 ms, before the first attempt\): .*shuts down locally/);
  });

  it('stands down in the middle of an attempt once the client has been disconnected for the grace', async () => {
    const { scheduler, zk, controller, run, lines } = setup();
    const shutdown = run();
    await flush();
    zk.disconnect();
    scheduler.advance(graceMs - 1);
    await flush();
    expect(shutdown.outcome()).toBeUndefined();
    scheduler.advance(1);
    expect(await shutdown.done).toBe('zookeeper unreachable');
    expect(controller.requests).toBe(1);
    expect(lines.join('')).toContain('no connection for 2000 ms, during attempt 1');
  });

  it('stands down during a backoff, without another attempt', async () => {
    const { scheduler, zk, controller, run, lines } = setup();
    const shutdown = run();
    await flush();
    controller.fail('NOT_CONTROLLER');
    await flush();
    scheduler.advance(1_000);
    zk.disconnect();
    scheduler.advance(graceMs);
    expect(await shutdown.done).toBe('zookeeper unreachable');
    expect(controller.requests).toBe(1);
    expect(lines.join('')).toContain('after attempt 1');
  });

  it('carries on through a disconnection shorter than the grace, and through one that began shortly before', async () => {
    const { scheduler, zk, controller, run } = setup();
    zk.disconnect();
    scheduler.advance(graceMs / 2);
    const shutdown = run();
    await flush();
    expect(controller.requests).toBe(1);
    zk.reconnect();
    scheduler.advance(graceMs);
    await flush();
    controller.answer([orders0]);
    await flush();
    zk.disconnect();
    scheduler.advance(graceMs - 1);
    zk.reconnect();
    scheduler.advance(backoffMs);
    await flush();
    expect(controller.requests).toBe(2);
    controller.answer([]);
    expect(await shutdown.done).toBe('succeeded');
    expect(scheduler.pending).toBe(0);
  });
});
