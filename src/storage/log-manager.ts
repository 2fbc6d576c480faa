/**
 * Every partition log of a broker, across its log dirs (`<log.dir>/<topic>/<partition>/`). It
 * opens them at start (checking only what a crash may have left unflushed), keeps the per-dir
 * recovery-point and high-watermark checkpoints, runs retention, flush and checkpoint timers, and on
 * a clean close leaves the `.kafka_cleanshutdown` marker so the next start checks nothing.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { parsePartitionDirName, partitionDir, topicNameProblem, validateTopicName } from '../common/topic';
import { CHECKPOINT_TEMP_SUFFIX, readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file';
import type { LogConfig } from './log-config';
import { META_PROPERTIES } from './meta-properties';
import { PartitionLog } from './partition-log';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const REPLICATION_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';
/** A partition folder renamed for deletion ends so (Kafka's `-delete`); one found at start is removed. */
const DELETE_DIR_SUFFIX = '-delete';
const knownLogDirFiles = new Set([RECOVERY_POINT_CHECKPOINT, REPLICATION_CHECKPOINT, CLEAN_SHUTDOWN_MARKER, META_PROPERTIES]);

export interface LogManagerOptions {
  clock: Clock;
  logger: Logger;
  /** log.retention.check.interval.ms (Kafka: 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka: 60 s). */
  checkpointIntervalMs?: number;
  /** log.flush.scheduler.interval.ms: how often flush.ms is looked at (Kafka's default never looks; Josef checks every second). */
  flushCheckIntervalMs?: number;
}

/** The high watermark of a partition this broker knows, or undefined. */
export type HighWatermarkOf = (topic: string, partition: number) => number | undefined;

const key = (topic: string, partition: number): string => `${topic}/${partition}`;

export class LogManager {
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(readonly logDirs: string[], private readonly defaultConfig: LogConfig, private readonly options: LogManagerOptions) {}

  /** Opens every partition found under `logDirs`; after an unclean stop, unflushed tails are recovered. */
  static open(logDirs: string[], defaultConfig: LogConfig, options: LogManagerOptions): LogManager {
    const manager = new LogManager(logDirs, defaultConfig, options);
    for (const logDir of logDirs) manager.loadLogDir(logDir);
    return manager;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  private loadLogDir(logDir: string): void {
    const startedMs = this.options.clock.nowMs();
    fs.mkdirSync(logDir, { recursive: true });
    const marker = path.join(logDir, CLEAN_SHUTDOWN_MARKER);
    const hadCleanShutdown = fs.existsSync(marker);
    const recoveryPoints = readOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT));
    let loaded = 0;
    for (const entry of fs.readdirSync(logDir, { withFileTypes: true })) {
      const entryPath = path.join(logDir, entry.name);
      if (!entry.isDirectory()) {
        if (entry.name.endsWith(CHECKPOINT_TEMP_SUFFIX)) {
          fs.rmSync(entryPath, { force: true });
          this.logger.info(`removed leftover checkpoint ${entryPath}`);
        } else if (!knownLogDirFiles.has(entry.name)) {
          this.logger.warn(`ignoring unknown file ${entryPath}`);
        }
        continue;
      }
      const problem = topicNameProblem(entry.name);
      if (problem !== undefined) {
        this.logger.warn(`ignoring folder ${entryPath}: not a topic (${problem})`);
        continue;
      }
      loaded += this.loadTopicDir(logDir, entry.name, recoveryPoints, hadCleanShutdown);
    }
    // Only now: a crash while loading must find the marker again and skip recovery again.
    if (hadCleanShutdown) fs.rmSync(marker);
    this.logger.info(
      `loaded ${loaded} partition log(s) from ${logDir} in ${this.options.clock.nowMs() - startedMs} ms ` +
      `(${hadCleanShutdown ? 'clean shutdown: nothing to recover' : 'unclean shutdown: unflushed tails recovered'})`,
    );
  }

  private loadTopicDir(logDir: string, topic: string, recoveryPoints: Map<string, number>, hadCleanShutdown: boolean): number {
    const topicDir = path.join(logDir, topic);
    let loaded = 0;
    for (const name of fs.readdirSync(topicDir)) {
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmSync(path.join(topicDir, name), { recursive: true, force: true });
        this.logger.info(`finished deleting ${path.join(topicDir, name)}`);
        continue;
      }
      const partition = parsePartitionDirName(name);
      if (partition === undefined || !fs.statSync(path.join(topicDir, name)).isDirectory()) {
        this.logger.warn(`ignoring ${path.join(topicDir, name)}: not a partition folder`);
        continue;
      }
      const log = PartitionLog.open(partitionDir(logDir, topic, partition), topic, partition, this.defaultConfig, {
        recoveryPoint: recoveryPoints.get(key(topic, partition)) ?? 0,
        hadCleanShutdown,
        clock: this.options.clock,
        logger: this.logger,
      });
      this.logs.set(key(topic, partition), { log, logDir });
      loaded++;
    }
    return loaded;
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
    const logDir = [...counts.entries()].reduce((least, candidate) => (candidate[1] < least[1] ? candidate : least))[0];
    const log = PartitionLog.open(partitionDir(logDir, topic, partition), topic, partition, config, {
      recoveryPoint: 0,
      hadCleanShutdown: false,
      clock: this.options.clock,
      logger: this.logger,
    });
    this.logs.set(key(topic, partition), { log, logDir });
    this.logger.info(`created log for ${topic}-${partition} in ${logDir}`);
    return log;
  }

  /**
   * Removes the partition's files (topic deletion, StopReplica with delete). The folder is first
   * renamed to `...-delete` in one step, so a crash midway never leaves half a log to be loaded.
   */
  deleteLog(topic: string, partition: number): void {
    const entry = this.logs.get(key(topic, partition));
    if (!entry) return;
    this.logs.delete(key(topic, partition));
    entry.log.close();
    const doomed = `${entry.log.dir}.${randomUUID()}${DELETE_DIR_SUFFIX}`;
    fs.renameSync(entry.log.dir, doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
    const topicDir = path.join(entry.logDir, topic);
    if (fs.existsSync(topicDir) && fs.readdirSync(topicDir).length === 0) fs.rmdirSync(topicDir);
    this.logger.info(`deleted log for ${topic}-${partition} from ${entry.logDir}`);
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  private logsByDir(): Map<string, PartitionLog[]> {
    const byDir = new Map<string, PartitionLog[]>(this.logDirs.map((d) => [d, []]));
    for (const { log, logDir } of this.logs.values()) byDir.get(logDir)?.push(log);
    return byDir;
  }

  /** Writes each log dir's recovery-point-offset-checkpoint. */
  checkpointRecoveryPoints(): void {
    for (const [logDir, logs] of this.logsByDir()) {
      writeOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.recoveryPoint]));
    }
  }

  /** Writes each log dir's replication-offset-checkpoint from the broker's high watermarks. */
  checkpointHighWatermarks(highWatermarkOf: HighWatermarkOf): void {
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

  /**
   * Retention, time-based flushes and recovery-point checkpoints on timers that do not keep the
   * process alive. With `highWatermarkOf`, retention never deletes past a partition's high
   * watermark (Kafka's rule); without it, the log end bounds it.
   */
  startBackgroundTasks(highWatermarkOf?: HighWatermarkOf): void {
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
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.deleteRetentionSegments(highWatermarkOf), 'retention check');
    every(this.options.flushCheckIntervalMs ?? 1_000, () => this.allLogs().forEach((l) => l.maybeFlushByTime()), 'flush check');
    every(this.options.checkpointIntervalMs ?? 60_000, () => this.checkpointRecoveryPoints(), 'recovery-point checkpoint');
  }

  /** One retention pass over every log; returns the segments deleted. */
  deleteRetentionSegments(highWatermarkOf?: HighWatermarkOf): number {
    let deleted = 0;
    for (const log of this.allLogs()) deleted += log.deleteRetentionSegments(highWatermarkOf?.(log.topic, log.partition) ?? log.logEndOffset);
    return deleted;
  }

  /** Flushes every log, writes the checkpoints and the clean-shutdown marker, closes the files. */
  close(highWatermarkOf?: HighWatermarkOf): void {
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
