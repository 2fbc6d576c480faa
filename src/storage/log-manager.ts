/**
 * Every partition log of a broker, across its log dirs (`<log.dir>/<topic>/<partition>/`). It
 * opens them at start (checking only what a crash may have left unflushed), keeps the
 * recovery-point and high-watermark checkpoints, runs retention and flush timers, and on a clean
 * close leaves the `.kafka_cleanshutdown` marker so the next start checks nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { validateTopicName } from '../common/topic';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file';
import type { LogConfig } from './log-config';
import { PartitionLog } from './partition-log';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const REPLICATION_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';

export interface LogManagerOptions {
  clock: Clock;
  logger: Logger;
  /** log.retention.check.interval.ms (Kafka: 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka: 60 s). */
  checkpointIntervalMs?: number;
  /** How often log.flush.interval.ms is looked at (Kafka's log.flush.scheduler.interval.ms). */
  flushCheckIntervalMs?: number;
}

const key = (topic: string, partition: number): string => `${topic}/${partition}`;

export class LogManager {
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(readonly logDirs: string[], private readonly defaultConfig: LogConfig, private readonly options: LogManagerOptions) {}

  /** Opens every partition found under `logDirs`; an unclean previous stop means recovery of the tails. */
  static open(logDirs: string[], defaultConfig: LogConfig, options: LogManagerOptions): LogManager {
    const manager = new LogManager(logDirs, defaultConfig, options);
    for (const logDir of logDirs) manager.loadLogDir(logDir);
    return manager;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  private loadLogDir(logDir: string): void {
    fs.mkdirSync(logDir, { recursive: true });
    const marker = path.join(logDir, CLEAN_SHUTDOWN_MARKER);
    const hadCleanShutdown = fs.existsSync(marker);
    const recoveryPoints = readOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT));
    const started = Date.now();
    for (const topic of fs.readdirSync(logDir)) {
      const topicDir = path.join(logDir, topic);
      if (!fs.statSync(topicDir).isDirectory()) continue;
      for (const partitionName of fs.readdirSync(topicDir)) {
        if (!/^\d+$/.test(partitionName)) {
          this.logger.warn(`ignoring ${path.join(topicDir, partitionName)}: not a partition folder`);
          continue;
        }
        const partition = Number(partitionName);
        const log = PartitionLog.open(path.join(topicDir, partitionName), topic, partition, this.defaultConfig, {
          recoveryPoint: recoveryPoints.get(key(topic, partition)) ?? 0,
          hadCleanShutdown,
          clock: this.options.clock,
          logger: this.logger,
        });
        this.logs.set(key(topic, partition), { log, logDir });
      }
    }
    if (hadCleanShutdown) fs.rmSync(marker);
    this.logger.info(`loaded ${this.logs.size} partition log(s) from ${logDir} in ${Date.now() - started} ms (${hadCleanShutdown ? 'clean shutdown: nothing to recover' : 'recovered the unflushed tails'})`);
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(key(topic, partition))?.log;
  }

  /** The partition's log, created on the log dir holding the fewest partitions when new. */
  getOrCreateLog(topic: string, partition: number, config: LogConfig = this.defaultConfig): PartitionLog {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    validateTopicName(topic);
    const counts = new Map(this.logDirs.map((d) => [d, 0]));
    for (const { logDir } of this.logs.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    const logDir = [...counts.entries()].sort((a, b) => a[1] - b[1])[0][0];
    const log = PartitionLog.open(path.join(logDir, topic, String(partition)), topic, partition, config, {
      recoveryPoint: 0,
      hadCleanShutdown: true,
      clock: this.options.clock,
      logger: this.logger,
    });
    this.logs.set(key(topic, partition), { log, logDir });
    return log;
  }

  /** Removes the partition's files (topic deletion, StopReplica with delete). */
  deleteLog(topic: string, partition: number): void {
    const entry = this.logs.get(key(topic, partition));
    if (!entry) return;
    this.logs.delete(key(topic, partition));
    entry.log.delete();
    const topicDir = path.join(entry.logDir, topic);
    if (fs.existsSync(topicDir) && fs.readdirSync(topicDir).length === 0) fs.rmdirSync(topicDir);
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  private logsByDir(): Map<string, PartitionLog[]> {
    const byDir = new Map<string, PartitionLog[]>(this.logDirs.map((d) => [d, []]));
    for (const { log, logDir } of this.logs.values()) byDir.get(logDir)?.push(log);
    return byDir;
  }

  checkpointRecoveryPoints(): void {
    for (const [logDir, logs] of this.logsByDir()) {
      writeOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.recoveryPoint]));
    }
  }

  /** Writes each log dir's replication-offset-checkpoint from the broker's high watermarks. */
  checkpointHighWatermarks(highWatermarkOf: (topic: string, partition: number) => number | undefined): void {
    for (const [logDir, logs] of this.logsByDir()) {
      const entries: [string, number, number][] = [];
      for (const l of logs) {
        const hw = highWatermarkOf(l.topic, l.partition);
        if (hw !== undefined) entries.push([l.topic, l.partition, hw]);
      }
      writeOffsetCheckpoint(path.join(logDir, REPLICATION_CHECKPOINT), entries);
    }
  }

  /** The high watermarks saved by the last checkpoint, keyed `topic/partition`. */
  readHighWatermarks(): Map<string, number> {
    const all = new Map<string, number>();
    for (const logDir of this.logDirs) {
      for (const [k, v] of readOffsetCheckpoint(path.join(logDir, REPLICATION_CHECKPOINT))) all.set(k, v);
    }
    return all;
  }

  /** Retention, time-based flushes and checkpoints on timers that do not keep the process alive. */
  startBackgroundTasks(): void {
    const every = (ms: number, task: () => void, what: string): void => {
      const timer = setInterval(() => {
        try {
          task();
        } catch (err) {
          this.logger.error(`${what} failed: ${(err as Error).message}`);
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.allLogs().forEach((l) => l.deleteRetentionSegments()), 'retention');
    every(this.options.flushCheckIntervalMs ?? 1_000, () => this.allLogs().forEach((l) => l.maybeFlushByTime()), 'flush');
    every(this.options.checkpointIntervalMs ?? 60_000, () => this.checkpointRecoveryPoints(), 'recovery-point checkpoint');
  }

  /** Flushes every log, writes the checkpoints and the clean-shutdown marker, closes the files. */
  close(highWatermarkOf?: (topic: string, partition: number) => number | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const log of this.allLogs()) log.flush();
    this.checkpointRecoveryPoints();
    if (highWatermarkOf) this.checkpointHighWatermarks(highWatermarkOf);
    for (const log of this.allLogs()) log.close();
    for (const logDir of this.logDirs) fs.writeFileSync(path.join(logDir, CLEAN_SHUTDOWN_MARKER), '');
  }
}
