/**
 * The log cleaner's bookkeeping (Kafka's LogCleanerManager): each log dir's
 * `cleaner-offset-checkpoint` (per compacted log, the offset below which it is clean), which logs
 * are being cleaned or have their retention run by a cleaner (never two at once), which are paused
 * (a log being deleted) or uncleanable (a cleaning of it failed), and the choice of the next log to
 * clean (cleanable-logs.ts decides; this file gathers what it needs).
 */
import * as path from 'path';
import type { Logger } from '../common/logger';
import { partitionKey } from '../common/topic';
import { readOffsetCheckpoint } from './checkpoint-file';
import { filthiestLog, logToClean, type CompactedLogState, type LogToClean } from './cleanable-logs';
import { fullLogConfig, isCompacted } from './log-config';
import type { PartitionLog } from './partition-log';

/** Kafka's file name, one per log dir. */
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';

/** A log the manager knows of, with the log dir holding it. */
export interface ManagedLog {
  log: PartitionLog;
  logDir: string;
}

/** Where the manager finds the broker's logs and their high watermarks (the LogManager). */
export interface CleanerManagerSource {
  logs(): ManagedLog[];
  /** Cleaning stops below it: records not yet replicated everywhere may still be truncated. */
  highWatermarkOf(log: PartitionLog): number;
  isOffline(logDir: string): boolean;
  /** Writes a checkpoint file of a log dir (a failing disk takes the dir offline, as for the other checkpoints). */
  writeCheckpoint(logDir: string, file: string, entries: [topic: string, partition: number, offset: number][]): void;
}

type CleaningState = 'cleaning' | 'aborted' | 'deleting';

const keyOf = (log: PartitionLog): string => partitionKey(log.topic, log.partition);

export class LogCleanerManager {
  /** Per log dir: `partitionKey` -> first dirty offset, as last written. */
  private readonly checkpoints = new Map<string, Map<string, number>>();
  private readonly inProgress = new Map<string, CleaningState>();
  /** Logs whose cleaning failed, with why: not taken again until the broker restarts (Kafka's uncleanablePartitions). */
  readonly uncleanable = new Map<string, string>();

  constructor(private readonly source: CleanerManagerSource, private readonly logger: Logger) {}

  /** Reads `logDir`'s checkpoint (none yet: empty). */
  loadCheckpoint(logDir: string): void {
    this.checkpoints.set(logDir, readOffsetCheckpoint(path.join(logDir, CLEANER_OFFSET_CHECKPOINT)));
  }

  /** Whether `logDir`'s checkpoint has an entry for the partition: the cleaner has cleaned it. */
  hasCheckpoint(logDir: string, topic: string, partition: number): boolean {
    return this.checkpoints.get(logDir)?.has(partitionKey(topic, partition)) ?? false;
  }

  /** The first dirty offset the checkpoint gives `log`, if any. */
  checkpointOf(log: PartitionLog, logDir: string): number | undefined {
    return this.checkpoints.get(logDir)?.get(keyOf(log));
  }

  /** What cleanable-logs.ts needs of one log. */
  private stateOf({ log, logDir }: ManagedLog): CompactedLogState {
    const config = fullLogConfig(log.config);
    return {
      name: log.name,
      segments: log.logSegments().map((s) => ({ baseOffset: s.baseOffset, sizeBytes: s.sizeBytes, largestTimestampMs: s.largestTimestampMs, firstBatchTimestampMs: s.firstBatchTimestampMs() })),
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: this.source.highWatermarkOf(log),
      checkpoint: this.checkpointOf(log, logDir),
      minCleanableDirtyRatio: config.minCleanableDirtyRatio,
      minCompactionLagMs: config.minCompactionLagMs,
      maxCompactionLagMs: config.maxCompactionLagMs,
    };
  }

  /** Compacted logs on live dirs that nothing else is doing anything with. */
  private idleCompactedLogs(): ManagedLog[] {
    return this.source.logs().filter(({ log, logDir }) => isCompacted(log.config) && !log.isClosed && !this.source.isOffline(logDir)
      && !this.inProgress.has(keyOf(log)) && !this.uncleanable.has(keyOf(log)));
  }

  /** Kafka's grabFilthiestCompactedLog: the next log to clean, now marked as being cleaned; undefined when none needs it. */
  grabFilthiestCompactedLog(nowMs: number): (LogToClean & ManagedLog) | undefined {
    const candidates = this.idleCompactedLogs().map((managed) => ({ managed, toClean: logToClean(this.stateOf(managed), nowMs) }));
    const filthiest = filthiestLog(candidates.map((c) => c.toClean));
    const chosen = candidates.find((c) => c.toClean === filthiest);
    if (!chosen) return undefined;
    if (chosen.toClean.checkpointResetReason) this.logger.warn(`${chosen.toClean.name}: ${chosen.toClean.checkpointResetReason}; cleaning from the log start`);
    this.inProgress.set(keyOf(chosen.managed.log), 'cleaning');
    return { ...chosen.toClean, ...chosen.managed };
  }

  /** Kafka's deletableLogs: compacted logs whose retention (compact,delete) a cleaner runs now, each marked until doneDeleting. */
  deletableLogs(): ManagedLog[] {
    const logs = this.idleCompactedLogs();
    for (const { log } of logs) this.inProgress.set(keyOf(log), 'deleting');
    return logs;
  }

  doneDeleting(logs: readonly ManagedLog[]): void {
    for (const { log } of logs) this.inProgress.delete(keyOf(log));
  }

  isAborted(log: PartitionLog): boolean {
    return this.inProgress.get(keyOf(log)) === 'aborted';
  }

  /** A cleaning of `log` in progress must stop (the log is deleted, the cleaner shuts down); it drops what it wrote. */
  abortCleaning(log: PartitionLog): void {
    if (this.inProgress.get(keyOf(log)) === 'cleaning') this.inProgress.set(keyOf(log), 'aborted');
  }

  /** Every cleaning in progress must stop. */
  abortAll(): void {
    for (const [key, state] of this.inProgress) if (state === 'cleaning') this.inProgress.set(key, 'aborted');
  }

  /** The cleaning is over: its end offset is written to the checkpoint unless it did not finish (Kafka's doneCleaning). */
  doneCleaning(managed: ManagedLog, endOffset: number | undefined): void {
    const key = keyOf(managed.log);
    this.inProgress.delete(key);
    if (endOffset !== undefined && !managed.log.isClosed) this.updateCheckpoint(managed.logDir, key, endOffset);
  }

  /** A cleaning of `log` failed: it is left alone until the broker restarts. */
  markUncleanable(log: PartitionLog, why: string): void {
    this.inProgress.delete(keyOf(log));
    this.uncleanable.set(keyOf(log), why);
  }

  /** Kafka's maybeTruncateCheckpoint: records at or past `offset` are gone, so nothing there is clean. */
  maybeTruncateCheckpoint(log: PartitionLog, logDir: string, offset: number): void {
    const current = this.checkpointOf(log, logDir);
    if (current !== undefined && current > offset) this.updateCheckpoint(logDir, keyOf(log), offset);
  }

  /** A log left the broker: its entry leaves the checkpoint. */
  forget(log: PartitionLog, logDir: string): void {
    this.abortCleaning(log);
    if (this.checkpoints.get(logDir)?.delete(keyOf(log))) this.writeCheckpoint(logDir);
  }

  /** A log dir went offline: its checkpoint is no longer written. */
  handleLogDirFailure(logDir: string): void {
    this.checkpoints.delete(logDir);
  }

  private updateCheckpoint(logDir: string, key: string, offset: number): void {
    const checkpoint = this.checkpoints.get(logDir);
    if (!checkpoint) return;
    checkpoint.set(key, offset);
    this.writeCheckpoint(logDir);
  }

  /** Writes the dir's checkpoint with the entries of logs still there (Kafka's updateCheckpoints). */
  private writeCheckpoint(logDir: string): void {
    const checkpoint = this.checkpoints.get(logDir);
    if (!checkpoint) return;
    const present = new Set(this.source.logs().filter((m) => m.logDir === logDir).map((m) => keyOf(m.log)));
    const entries: [string, number, number][] = [];
    for (const [key, offset] of checkpoint) {
      if (!present.has(key)) continue;
      // partitionKey's `<topic>-<partition>`: the partition is what follows the last dash.
      const dash = key.lastIndexOf('-');
      entries.push([key.slice(0, dash), Number(key.slice(dash + 1)), offset]);
    }
    this.source.writeCheckpoint(logDir, CLEANER_OFFSET_CHECKPOINT, entries);
  }
}
