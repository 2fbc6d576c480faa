/**
 * Every partition log of a broker, across its log dirs (`<log.dir>/<topic>/<partition>/`). It
 * opens them at start (checking only what a crash may have left unflushed), keeps the per-dir
 * recovery-point, high-watermark, log-start-offset and cleaner checkpoints, runs retention, flush
 * and checkpoint timers and the log cleaner (which takes the compacted logs, retention included,
 * as in Kafka), and on a clean close leaves the `.kafka_cleanshutdown` marker so the next start checks nothing. A log dir
 * whose disk fails (full, read-only, I/O errors) goes offline (log-dir-failure.ts): its logs are
 * dropped without another write, it gets no checkpoint and no marker, and nothing new is created
 * on it, so the next start, with the disk healthy again, recovers its logs as after a crash. A
 * new log's folder and files are made at its first append or, once no log was created for a
 * while, in the background a slice at a time (PartitionLog.createLazily says why this is safe).
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Clock } from '../common/clock';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { parsePartitionDirName, partitionDir, partitionDirName, partitionKey, topicNameProblem, validateTopicName } from '../common/topic';
import { CHECKPOINT_TEMP_SUFFIX, readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file';
import { CLEANER_OFFSET_CHECKPOINT, LogCleanerManager } from './log-cleaner-manager';
import { LogCleaner, type LogCleanerConfig } from './log-cleaner';
import { isCompacted, type LogConfig } from './log-config';
import { isLogDirFailure, maybeHandleIOException, type LogDirFailureChannel } from './log-dir-failure';
import { META_PROPERTIES } from './meta-properties';
import { PartitionLog, type LogOpenOptions } from './partition-log';

/** The checkpoints of one log dir, read at start, keyed by `partitionKey`. */
interface LogDirCheckpoints {
  recoveryPoints: Map<string, number>;
  logStartOffsets: Map<string, number>;
}

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const REPLICATION_CHECKPOINT = 'replication-offset-checkpoint';
/** Log start offsets that DeleteRecords raised inside a segment (Kafka's file of the same name). */
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';
/** A partition folder renamed for deletion ends so (Kafka's `-delete`); one found at start is removed. */
const DELETE_DIR_SUFFIX = '-delete';
const knownLogDirFiles = new Set([RECOVERY_POINT_CHECKPOINT, REPLICATION_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, CLEANER_OFFSET_CHECKPOINT, CLEAN_SHUTDOWN_MARKER, META_PROPERTIES]);

export interface LogManagerOptions {
  clock: Clock;
  logger: Logger;
  /** log.retention.check.interval.ms (Kafka: 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka: 60 s). */
  checkpointIntervalMs?: number;
  /** log.flush.scheduler.interval.ms: how often flush.ms is looked at (Kafka's default never looks; Josef checks every second). */
  flushCheckIntervalMs?: number;
  /** Where failing log dirs are reported and remembered; without it a disk error only fails the operation. */
  logDirFailureChannel?: LogDirFailureChannel;
  /** The log cleaner's settings; without them (log.cleaner.enable=false) compacted logs are neither cleaned nor, as in Kafka, given retention. */
  cleaner?: LogCleanerConfig;
  /** Runs before, during (after every file operation) and after a cleaner's swap (the crash test kills the process there). */
  onSwapStep?: (what: string) => void;
}

/**
 * Which partition folders exist in a topic's folder, each topic folder read once: a LeaderAndIsr
 * hosting 10,000 new partitions lists the topic's folder once instead of making a stat per log
 * (issue 24). A listing is made per request and good for its length: only LogManager makes a
 * partition's folder, and only for a log it holds (getLog finds that log before any listing is
 * asked), and StopReplica, which removes folders, waits for the LeaderAndIsr before it.
 */
export class PartitionDirListing {
  private readonly topicDirs = new Map<string, ReadonlySet<string>>();

  has(logDir: string, topic: string, partition: number): boolean {
    const key = `${logDir}\0${topic}`;
    let names = this.topicDirs.get(key);
    if (names === undefined) {
      names = listDir(path.join(logDir, topic));
      this.topicDirs.set(key, names);
    }
    return names.has(partitionDirName(partition));
  }
}

/** The names in `dir`; none when it does not exist. */
function listDir(dir: string): ReadonlySet<string> {
  try {
    return new Set(fs.readdirSync(dir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Set();
    throw err;
  }
}

/** The high watermark of a partition this broker knows, or undefined. */
export type HighWatermarkOf = (topic: string, partition: number) => number | undefined;


/**
 * The background creation of new logs' files waits until no log was created for this long: a
 * LeaderAndIsr of thousands of partitions, and the elections after it, keep the CPU meanwhile.
 */
const fileCreationQuietMs = 1_000;
/** The background creation holds the event loop at most this long at a time... */
const fileCreationSliceMs = 20;
/**
 * ...and then rests this long, so it takes at most a fifth of a core: creating 5,000 logs' files
 * took 20-35 s of CPU per broker under load, and at full speed it slowed the controller's
 * elections and a controlled shutdown that came meanwhile.
 */
const fileCreationRestMs = 80;

export class LogManager {
  private readonly logs = new Map<string, { log: PartitionLog; logDir: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Logs created lazily whose files the background creation has not made yet, oldest first. */
  private awaitingFiles: PartitionLog[] = [];
  private fileCreationTimer: NodeJS.Timeout | undefined;
  private readonly newLogOptionsByDir = new Map<string, LogOpenOptions>();
  readonly cleanerManager: LogCleanerManager;
  /** The log cleaner (with cleaner settings given); its loops run once background tasks started. */
  readonly cleaner: LogCleaner | undefined;
  /** Bounds retention and cleaning; without it (before background tasks start) the log end does. */
  private highWatermarkOf: HighWatermarkOf | undefined;

  private constructor(readonly logDirs: string[], private readonly defaultConfig: LogConfig, private readonly options: LogManagerOptions) {
    this.cleanerManager = new LogCleanerManager({
      logs: () => [...this.logs.values()],
      highWatermarkOf: (log) => this.highWatermarkOf?.(log.topic, log.partition) ?? log.logEndOffset,
      isOffline: (logDir) => this.isOffline(logDir),
      writeCheckpoint: (logDir, file, entries) => this.writeCheckpoint(logDir, file, entries),
    }, options.logger.child('log-cleaner'));
    if (options.cleaner) {
      this.cleaner = new LogCleaner({
        config: options.cleaner, manager: this.cleanerManager, clock: options.clock, logger: options.logger.child('log-cleaner'),
        deleteOldSegments: ({ log }) => log.deleteRetentionSegments(this.highWatermarkOf?.(log.topic, log.partition) ?? log.logEndOffset),
        onSwapStep: options.onSwapStep,
      });
    }
  }

  /** Opens every partition found under `logDirs`; after an unclean stop, unflushed tails are recovered. */
  static open(logDirs: string[], defaultConfig: LogConfig, options: LogManagerOptions): LogManager {
    const manager = new LogManager(logDirs, defaultConfig, options);
    for (const logDir of logDirs) manager.loadLogDirUnlessFailing(logDir);
    return manager;
  }

  /** Kafka's loadLogs: a dir that cannot be read or written at start goes offline; the broker serves the others. */
  private loadLogDirUnlessFailing(logDir: string): void {
    try {
      this.loadLogDir(logDir);
    } catch (err) {
      const channel = this.options.logDirFailureChannel;
      if (!isLogDirFailure(err) || !channel) throw err;
      channel.maybeAddOfflineLogDir(logDir, `loading the logs of ${logDir}`, err);
      this.handleLogDirFailure(logDir);
    }
  }

  /** Log dirs not offline. */
  get liveLogDirs(): string[] {
    return this.logDirs.filter((d) => !this.isOffline(d));
  }

  private isOffline(logDir: string): boolean {
    return this.options.logDirFailureChannel?.isOffline(logDir) ?? false;
  }

  /**
   * Kafka's LogManager.handleLogDirFailure: forgets every log of the offline `logDir`, closing its
   * files without a write. Returns the partitions that were on it.
   */
  handleLogDirFailure(logDir: string): { topic: string; partition: number }[] {
    this.cleanerManager.handleLogDirFailure(logDir);
    const removed: { topic: string; partition: number }[] = [];
    for (const [k, entry] of [...this.logs]) {
      if (entry.logDir !== logDir) continue;
      this.logs.delete(k);
      try {
        entry.log.closeHandlers();
      } catch (err) {
        this.logger.warn(`closing ${entry.log.name} on offline log dir ${logDir}: ${(err as Error).message}`);
      }
      removed.push({ topic: entry.log.topic, partition: entry.log.partition });
    }
    return removed;
  }

  /** A disk error met outside the log's own file work (the caller's): the log's dir goes offline when it means the disk failed. */
  reportStorageError(topic: string, partition: number, what: string, err: unknown): void {
    const entry = this.logs.get(partitionKey(topic, partition));
    if (entry && isLogDirFailure(err)) this.options.logDirFailureChannel?.maybeAddOfflineLogDir(entry.logDir, what, err);
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  private loadLogDir(logDir: string): void {
    const startedMs = this.options.clock.nowMs();
    fs.mkdirSync(logDir, { recursive: true });
    const marker = path.join(logDir, CLEAN_SHUTDOWN_MARKER);
    const hadCleanShutdown = fs.existsSync(marker);
    const checkpoints: LogDirCheckpoints = {
      recoveryPoints: readOffsetCheckpoint(path.join(logDir, RECOVERY_POINT_CHECKPOINT)),
      logStartOffsets: readOffsetCheckpoint(path.join(logDir, LOG_START_OFFSET_CHECKPOINT)),
    };
    this.cleanerManager.loadCheckpoint(logDir);
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
      loaded += this.loadTopicDir(logDir, entry.name, checkpoints, hadCleanShutdown);
    }
    // Only now: a crash while loading must find the marker again and skip recovery again.
    if (hadCleanShutdown) fs.rmSync(marker);
    this.logger.info(
      `loaded ${loaded} partition log(s) from ${logDir} in ${this.options.clock.nowMs() - startedMs} ms ` +
      `(${hadCleanShutdown ? 'clean shutdown: nothing to recover' : 'unclean shutdown: unflushed tails recovered'})`,
    );
  }

  private loadTopicDir(logDir: string, topic: string, checkpoints: LogDirCheckpoints, hadCleanShutdown: boolean): number {
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
        ...this.logOpenOptions(logDir),
        recoveryPoint: checkpoints.recoveryPoints.get(partitionKey(topic, partition)) ?? 0,
        logStartOffset: checkpoints.logStartOffsets.get(partitionKey(topic, partition)),
        cleanedBefore: this.cleanerManager.hasCheckpoint(logDir, topic, partition),
        hadCleanShutdown,
      });
      this.logs.set(partitionKey(topic, partition), { log, logDir });
      loaded++;
    }
    return loaded;
  }

  /** What a new log on `logDir` is opened with, made once per dir rather than per log (two closures each, 10,000 at a create). */
  private newLogOptions(logDir: string): LogOpenOptions {
    let options = this.newLogOptionsByDir.get(logDir);
    if (!options) {
      options = { ...this.logOpenOptions(logDir), recoveryPoint: 0, hadCleanShutdown: false };
      this.newLogOptionsByDir.set(logDir, options);
    }
    return options;
  }

  /** What every log of `logDir` is opened with: a moved log start offset rewrites that dir's checkpoint at once. */
  private logOpenOptions(logDir: string): Omit<LogOpenOptions, 'recoveryPoint' | 'hadCleanShutdown'> {
    return {
      clock: this.options.clock,
      logger: this.logger,
      logDirFailureChannel: this.options.logDirFailureChannel,
      onLogStartOffsetChanged: () => this.checkpointLogStartOffsets(logDir),
      onTruncated: (log, offset) => this.cleanerManager.maybeTruncateCheckpoint(log, logDir, offset),
    };
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionKey(topic, partition))?.log;
  }

  /**
   * The partition's log, created on the live log dir holding the fewest partitions when new. As
   * Kafka, a log that is not found while a log dir is offline is not created unless the controller
   * says the partition is new (`isNew`): it may be on the offline dir, and an empty log elsewhere
   * would pass for it (KAFKA_STORAGE_ERROR). A new log makes no system call here but one stat, or
   * none with a `dirListing` shared by the logs of one request: its folder and files come at its
   * first append or from the background creation.
   */
  getOrCreateLog(topic: string, partition: number, config: LogConfig = this.defaultConfig, isNew = true, dirListing?: PartitionDirListing): PartitionLog {
    const existing = this.getLog(topic, partition);
    if (existing) return existing;
    validateTopicName(topic);
    const live = this.liveLogDirs;
    if (live.length === 0 || (!isNew && live.length < this.logDirs.length)) {
      const offline = this.logDirs.filter((d) => !live.includes(d));
      throw new JosefError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot create the log of ${topic}-${partition}: log dir(s) ${offline.join(',')} are offline`);
    }
    const logDir = live.length === 1 ? live[0] : this.leastLoaded(live);
    const dir = partitionDir(logDir, topic, partition);
    const options = this.newLogOptions(logDir);
    const log = maybeHandleIOException(this.options.logDirFailureChannel, logDir, `creating the log of ${topic}-${partition}`, () =>
      ((dirListing ? dirListing.has(logDir, topic, partition) : fs.existsSync(dir)) ? PartitionLog.open(dir, topic, partition, config, options) : PartitionLog.createLazily(dir, topic, partition, config, options)));
    this.logs.set(partitionKey(topic, partition), { log, logDir });
    if (log.awaitingFiles) this.createFilesWhenQuiet(log);
    // DEBUG: a LeaderAndIsr creating thousands of logs says how many in one line.
    this.logger.debug(`created log for ${topic}-${partition} in ${logDir}`);
    return log;
  }

  /** A listing of partition folders for the logs one request creates (see PartitionDirListing). */
  partitionDirListing(): PartitionDirListing {
    return new PartitionDirListing();
  }

  /** Queues `log` for the background creation, which starts once no log was created for fileCreationQuietMs. */
  private createFilesWhenQuiet(log: PartitionLog): void {
    this.awaitingFiles.push(log);
    // Restarted, not made anew: a LeaderAndIsr creating 10,000 logs would make and clear 10,000 timers.
    if (this.fileCreationTimer) {
      this.fileCreationTimer.refresh();
      return;
    }
    this.fileCreationTimer = setTimeout(() => void this.createAwaitedFiles(), fileCreationQuietMs);
    this.fileCreationTimer.unref();
  }

  /**
   * Makes the files of the queued logs, a slice at a time with a rest between slices. A log that
   * got its files otherwise (an append) or was closed is skipped; a disk that fails takes its log
   * dir offline, as any file work on the log does.
   */
  private async createAwaitedFiles(): Promise<void> {
    const queued = this.awaitingFiles;
    this.awaitingFiles = [];
    const startedMs = this.options.clock.nowMs();
    let sliceStartMs = performance.now();
    let created = 0;
    for (const log of queued) {
      if (performance.now() - sliceStartMs >= fileCreationSliceMs) {
        await new Promise((resolve) => setTimeout(resolve, fileCreationRestMs));
        sliceStartMs = performance.now();
      }
      if (this.closed) return;
      if (!log.awaitingFiles || log.isClosed) continue;
      try {
        log.createFiles();
        created++;
      } catch (err) {
        this.logger.error(`creating the files of ${log.name}: ${(err as Error).message}`);
      }
    }
    if (created > 0) this.logger.info(`created the files of ${created} new log(s) in ${this.options.clock.nowMs() - startedMs} ms`);
  }

  /** The live log dir holding the fewest partitions (a pass over every log: only when there is a choice). */
  private leastLoaded(live: string[]): string {
    const counts = new Map(live.map((d) => [d, 0]));
    for (const { logDir } of this.logs.values()) if (counts.has(logDir)) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    return [...counts.entries()].reduce((least, candidate) => (candidate[1] < least[1] ? candidate : least))[0];
  }

  /**
   * Removes the partition's files (topic deletion, StopReplica with delete). The folder is first
   * renamed to `...-delete` in one step, so a crash midway never leaves half a log to be loaded.
   */
  deleteLog(topic: string, partition: number): void {
    const entry = this.logs.get(partitionKey(topic, partition));
    if (!entry) return;
    this.logs.delete(partitionKey(topic, partition));
    this.cleanerManager.forget(entry.log, entry.logDir);
    entry.log.close();
    // A log created lazily may have no folder yet.
    if (fs.existsSync(entry.log.dir)) {
      const doomed = `${entry.log.dir}.${randomUUID()}${DELETE_DIR_SUFFIX}`;
      fs.renameSync(entry.log.dir, doomed);
      fs.rmSync(doomed, { recursive: true, force: true });
    }
    const topicDir = path.join(entry.logDir, topic);
    if (fs.existsSync(topicDir) && fs.readdirSync(topicDir).length === 0) fs.rmdirSync(topicDir);
    // A topic created again under the same name must not start where the deleted one did.
    if (entry.log.logStartOffset > entry.log.firstSegmentBaseOffset) this.checkpointLogStartOffsets(entry.logDir);
    this.logger.info(`deleted log for ${topic}-${partition} from ${entry.logDir}`);
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** Every log dir, offline ones too (with no logs), and the logs in it that `wanted` selects (Kafka's describeLogDirs). */
  logsPerDir(wanted: (topic: string, partition: number) => boolean): { logDir: string; offline: boolean; logs: PartitionLog[] }[] {
    const byDir = new Map<string, PartitionLog[]>(this.logDirs.map((d) => [d, []]));
    for (const { log, logDir } of this.logs.values()) if (wanted(log.topic, log.partition)) byDir.get(logDir)?.push(log);
    return [...byDir].map(([logDir, logs]) => ({ logDir, offline: this.isOffline(logDir), logs }));
  }

  /** The logs of each live log dir: an offline dir gets no checkpoint (its files are left as the failure found them). */
  private logsByDir(): Map<string, PartitionLog[]> {
    return new Map(this.logsPerDir(() => true).filter((d) => !d.offline).map((d) => [d.logDir, d.logs]));
  }

  /** Writes one checkpoint of a live dir; a failing disk takes the dir offline and the other dirs still get theirs. */
  private writeCheckpoint(logDir: string, file: string, entries: [string, number, number][]): void {
    try {
      maybeHandleIOException(this.options.logDirFailureChannel, logDir, `writing ${file} of ${logDir}`, () => writeOffsetCheckpoint(path.join(logDir, file), entries));
    } catch (err) {
      if (!(err instanceof JosefError)) throw err;
      this.logger.error(err.message);
    }
  }

  /** Writes each log dir's recovery-point-offset-checkpoint. */
  checkpointRecoveryPoints(): void {
    for (const [logDir, logs] of this.logsByDir()) {
      this.writeCheckpoint(logDir, RECOVERY_POINT_CHECKPOINT, logs.map((l) => [l.topic, l.partition, l.recoveryPoint]));
    }
  }

  /**
   * Writes `logDir`'s log-start-offset-checkpoint: as Kafka, only the logs whose start lies past
   * their first segment's base offset (elsewhere the files say where the log starts).
   */
  checkpointLogStartOffsets(logDir: string): void {
    if (this.isOffline(logDir)) return;
    const logs = [...this.logs.values()].filter((e) => e.logDir === logDir).map((e) => e.log);
    this.writeCheckpoint(logDir, LOG_START_OFFSET_CHECKPOINT, logs.filter((l) => l.logStartOffset > l.firstSegmentBaseOffset).map((l) => [l.topic, l.partition, l.logStartOffset]));
  }

  /** Writes each log dir's replication-offset-checkpoint from the broker's high watermarks. */
  checkpointHighWatermarks(highWatermarkOf: HighWatermarkOf): void {
    for (const [logDir, logs] of this.logsByDir()) {
      const entries: [string, number, number][] = [];
      for (const l of logs) {
        const hw = highWatermarkOf(l.topic, l.partition);
        if (hw !== undefined) entries.push([l.topic, l.partition, hw]);
      }
      this.writeCheckpoint(logDir, REPLICATION_CHECKPOINT, entries);
    }
  }

  /** The high watermarks saved by the last checkpoint, keyed by `partitionKey`. */
  readHighWatermarks(): Map<string, number> {
    const all = new Map<string, number>();
    for (const logDir of this.liveLogDirs) {
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
    this.highWatermarkOf = highWatermarkOf;
    this.cleaner?.startup();
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
    every(this.options.flushCheckIntervalMs ?? 1_000, () => this.forEachLog('flush check', (l) => l.maybeFlushByTime()), 'flush check');
    every(this.options.checkpointIntervalMs ?? 60_000, () => this.checkpointRecoveryPoints(), 'recovery-point checkpoint');
  }

  /**
   * One retention pass over every log that is not compacted; returns the segments deleted. The
   * log cleaner runs the retention of compacted logs whose policy also deletes (Kafka's
   * cleanupLogs leaves them to it, so that retention and cleaning never meet on one log).
   */
  deleteRetentionSegments(highWatermarkOf?: HighWatermarkOf): number {
    let deleted = 0;
    this.forEachLog('retention', (log) => {
      if (isCompacted(log.config)) return;
      deleted += log.deleteRetentionSegments(highWatermarkOf?.(log.topic, log.partition) ?? log.logEndOffset);
    });
    return deleted;
  }

  /** Stops the log cleaner, aborting a cleaning in progress (its files are removed); resolves once it stopped. */
  async stopCleaner(): Promise<void> {
    await this.cleaner?.shutdown();
  }

  /** Runs `task` on every log; a disk error of one (its dir now offline) does not stop the others. */
  private forEachLog(what: string, task: (log: PartitionLog) => void): void {
    for (const log of this.allLogs()) {
      try {
        task(log);
      } catch (err) {
        if (!(err instanceof JosefError && err.code === ErrorCode.KAFKA_STORAGE_ERROR.code)) throw err;
        this.logger.error(`${what} of ${log.name}: ${err.message}`);
      }
    }
  }

  /** Flushes every log, writes the checkpoints and the clean-shutdown marker, closes the files. */
  close(highWatermarkOf?: HighWatermarkOf): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.fileCreationTimer);
    // A cleaning still running finds its log closed at its next step and drops what it wrote.
    void this.cleaner?.shutdown();
    this.forEachLog('flush at shutdown', (log) => log.flush());
    this.checkpointRecoveryPoints();
    if (highWatermarkOf) this.checkpointHighWatermarks(highWatermarkOf);
    // A dir that failed now, while flushing, loses its logs here (handleLogDirFailure) and its marker below.
    for (const logDir of this.logDirs) if (this.isOffline(logDir)) this.handleLogDirFailure(logDir);
    for (const log of this.allLogs()) log.close();
    for (const logDir of this.liveLogDirs) {
      try {
        fs.writeFileSync(path.join(logDir, CLEAN_SHUTDOWN_MARKER), '');
      } catch (err) {
        // Without the marker the next start recovers this dir's logs: slower, never wrong.
        this.logger.error(`cannot write ${CLEAN_SHUTDOWN_MARKER} in ${logDir}: ${(err as Error).message}`);
      }
    }
  }
}
