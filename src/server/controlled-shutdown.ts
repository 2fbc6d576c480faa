/**
 * Kafka's controlled shutdown as the broker drives it (KafkaServer.controlledShutdown): ask the
 * controller to move this broker's leaderships away, up to controlled.shutdown.max.retries times,
 * controlled.shutdown.retry.backoff.ms apart. Josef stands down as soon as ZooKeeper counts as
 * unreachable, before the first attempt or in the middle of one or of a backoff: a controller moves
 * a leadership only by writing its state znode, so without ZooKeeper every attempt would wait out
 * its request timeout for nothing, and the broker is better shut down locally at once (the
 * controller moves its leaderships once its session expires, as for a crashed broker).
 */
import type { Logger } from '../common/logger';
import { timerScheduler, type Scheduler } from '../common/scheduler';
import type { TopicPartition } from '../protocol/messages';
import { partitionKey } from '../common/topic';

/** The ZooKeeper client's connection, as ZkClient reports it. */
export interface ZooKeeperConnection {
  /** How long the client has had no connection to any server; undefined while connected. */
  readonly disconnectedForMs: number | undefined;
  on(event: 'connected' | 'disconnected', listener: () => void): unknown;
  off(event: 'connected' | 'disconnected', listener: () => void): unknown;
}

/**
 * How long the client may be without a connection before ZooKeeper counts as unreachable. A
 * client that lost one server of an ensemble is connected to the next within milliseconds, and a
 * quorum that lost its leader elects another in about a second; a ZooKeeper that is gone or frozen
 * stays unreachable. (A frozen server is noticed by the client's read timeout, zk-library.ts.)
 */
export const zooKeeperReconnectGraceMs = 2_000;

export type ControlledShutdownOutcome = 'succeeded' | 'retries exhausted' | 'zookeeper unreachable';

export interface ControlledShutdownOptions {
  /** controlled.shutdown.max.retries: attempts in all. */
  maxRetries: number;
  retryBackoffMs: number;
  /** One ControlledShutdown request to the controller: the replicated partitions this broker still leads. */
  request(): Promise<TopicPartition[]>;
  zooKeeper: ZooKeeperConnection;
  reconnectGraceMs?: number;
  scheduler?: Scheduler;
  logger: Logger;
}

/** Settles once ZooKeeper has been unreachable for the grace, with how long it has been without a connection. */
class ZooKeeperLossWatch {
  lostForMs: number | undefined;
  readonly lost: Promise<number>;
  private declareLost: (forMs: number) => void = () => undefined;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly zk: ZooKeeperConnection, private readonly graceMs: number, private readonly scheduler: Scheduler) {
    this.lost = new Promise((resolve) => {
      this.declareLost = resolve;
    });
    zk.on('disconnected', this.onDisconnected);
    zk.on('connected', this.onConnected);
    if (zk.disconnectedForMs !== undefined) this.check();
  }

  close(): void {
    this.onConnected();
    this.zk.off('disconnected', this.onDisconnected);
    this.zk.off('connected', this.onConnected);
  }

  private readonly onDisconnected = (): void => {
    if (this.cancelTimer === undefined) this.check();
  };

  private readonly onConnected = (): void => {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  };

  private check(): void {
    this.cancelTimer = undefined;
    const forMs = this.zk.disconnectedForMs;
    if (forMs === undefined) return;
    if (forMs >= this.graceMs) {
      this.lostForMs = forMs;
      this.declareLost(forMs);
      return;
    }
    this.cancelTimer = this.scheduler.schedule(this.graceMs - forMs, () => this.check());
  }
}

type AttemptResult = { remaining: TopicPartition[] } | { error: Error } | { lostForMs: number };

/** Runs the attempts; resolves with how it ended, having logged why. */
export async function controlledShutdown(options: ControlledShutdownOptions): Promise<ControlledShutdownOutcome> {
  const { maxRetries, retryBackoffMs, logger } = options;
  const scheduler = options.scheduler ?? timerScheduler;
  const watch = new ZooKeeperLossWatch(options.zooKeeper, options.reconnectGraceMs ?? zooKeeperReconnectGraceMs, scheduler);
  const lost = watch.lost.then((lostForMs): AttemptResult => ({ lostForMs }));
  const standDown = (lostForMs: number, when: string): ControlledShutdownOutcome => {
    logger.warn(`ZooKeeper unreachable (no connection for ${lostForMs} ms, ${when}): no controller can move leaderships `
      + 'without it, so controlled shutdown stops here and the broker shuts down locally; the controller moves its '
      + 'leaderships once its session expires');
    return 'zookeeper unreachable';
  };
  try {
    for (let attempt = 1; attempt <= maxRetries; attempt++) {
      if (watch.lostForMs !== undefined) return standDown(watch.lostForMs, attempt === 1 ? 'before the first attempt' : `before attempt ${attempt}`);
      const result = await Promise.race([
        options.request().then((remaining): AttemptResult => ({ remaining }), (error: Error): AttemptResult => ({ error })),
        lost,
      ]);
      if ('lostForMs' in result) return standDown(result.lostForMs, `during attempt ${attempt}`);
      if ('error' in result) {
        logger.warn(`controlled shutdown attempt ${attempt} failed: ${result.error.message}`);
      } else if (result.remaining.length === 0) {
        logger.info('controlled shutdown succeeded: this broker leads no replicated partition');
        return 'succeeded';
      } else {
        logger.warn(`controlled shutdown attempt ${attempt}: still leading ${result.remaining.map((p) => partitionKey(p.topic, p.partition)).join(', ')}`);
      }
      if (attempt < maxRetries) {
        let cancel: () => void = () => undefined;
        const backoff = new Promise<undefined>((resolve) => {
          cancel = scheduler.schedule(retryBackoffMs, () => resolve(undefined));
        });
        const interrupted = await Promise.race([backoff, lost]);
        cancel();
        if (interrupted !== undefined && 'lostForMs' in interrupted) return standDown(interrupted.lostForMs, `after attempt ${attempt}`);
      }
    }
    logger.warn(`controlled shutdown did not finish after ${maxRetries} attempts; shutting down anyway`);
    return 'retries exhausted';
  } finally {
    watch.close();
  }
}
