/**
 * Opening a partition folder (Kafka's Log.loadSegments and recoverLog): clears leftovers of
 * interrupted work, loads segments below the recovery point as trusted (indexes checked and rebuilt
 * if needed, no CRC), and recovers those at or past it batch by batch, cutting a torn or corrupt
 * tail at the last whole valid batch. Every byte it removes is logged with file, position and why.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../common/logger';
import type { LeaderEpochEntries } from './leader-epoch-cache';
import { LEADER_EPOCH_CHECKPOINT, SEGMENT_FILE_SUFFIXES, parseSegmentFileName, segmentFileName } from './log-config';
import { LogSegment, type SegmentSettings } from './log-segment';

/** Suffixes of files that interrupted work leaves behind (Kafka's async deletes, cleaner output, checkpoint temps). */
const leftoverSuffixes = ['.deleted', '.cleaned', '.tmp'];

export interface LoadLogOptions {
  /** `topic-partition`, for log lines. */
  name: string;
  settings: SegmentSettings;
  /** Offsets below this were flushed: segments ending at or below it are trusted. */
  recoveryPoint: number;
  /** The last stop flushed everything (the clean-shutdown marker was present): nothing is scanned. */
  hadCleanShutdown: boolean;
  nowMs: number;
  logger: Logger;
  /** Epochs of recovered batches are added here, as Kafka's recovery does. */
  leaderEpochs: LeaderEpochEntries;
}

export interface LoadedLog {
  /** In offset order, never empty; the last is the active segment. */
  segments: LogSegment[];
  recoveryPoint: number;
}

export function loadLog(dir: string, options: LoadLogOptions): LoadedLog {
  const baseOffsets = scanFolder(dir, options);
  const segments: LogSegment[] = [];
  for (let i = 0; i < baseOffsets.length; i++) {
    const segment = LogSegment.open(dir, baseOffsets[i], options.settings, options.nowMs);
    segments.push(segment);
    const nextBase = baseOffsets[i + 1] ?? Infinity;
    const unflushed = !options.hadCleanShutdown && nextBase > options.recoveryPoint;
    const cut = unflushed ? recoverSegment(segment, options, 'past the recovery point') : loadTrustedSegment(segment, options);
    if (cut && unflushed) {
      // Kafka's rule: later segments would follow a hole in the offsets, so they go too.
      for (const later of baseOffsets.slice(i + 1)) deleteSegmentFiles(dir, later, options, `it follows ${segment.logPath}, which recovery cut at offset ${segment.nextOffset}`);
      break;
    }
  }
  if (segments.length === 0) segments.push(LogSegment.open(dir, 0, options.settings, options.nowMs));
  warnAboutGaps(segments, options);
  for (let i = 0; i < segments.length - 1; i++) segments[i].releaseIndexMemory();
  const logEndOffset = segments[segments.length - 1].nextOffset;
  const recoveryPoint = options.hadCleanShutdown ? logEndOffset : Math.min(options.recoveryPoint, logEndOffset);
  return { segments, recoveryPoint };
}

/** Removes leftovers and orphaned index files; returns the base offsets of the `.log` files, ascending. */
function scanFolder(dir: string, options: LoadLogOptions): number[] {
  const logs = new Set<number>();
  const indexes: string[] = [];
  for (const file of fs.readdirSync(dir)) {
    if (leftoverSuffixes.some((suffix) => file.endsWith(suffix))) {
      fs.rmSync(path.join(dir, file), { force: true, recursive: true });
      options.logger.info(`${options.name}: removed leftover file ${path.join(dir, file)}`);
      continue;
    }
    const segmentFile = parseSegmentFileName(file);
    if (segmentFile?.suffix === '.log') logs.add(segmentFile.baseOffset);
    else if (segmentFile) indexes.push(file);
    else if (file !== LEADER_EPOCH_CHECKPOINT) options.logger.warn(`${options.name}: ignoring unknown file ${path.join(dir, file)}`);
  }
  for (const file of indexes) {
    if (logs.has(parseSegmentFileName(file)!.baseOffset)) continue;
    fs.rmSync(path.join(dir, file), { force: true });
    options.logger.info(`${options.name}: removed orphaned index ${path.join(dir, file)} (its .log is gone)`);
  }
  return [...logs].sort((a, b) => a - b);
}

/** Loads a trusted segment; damage found anyway (a torn tail, disk trouble) is recovered in place. Returns true if bytes were cut. */
function loadTrustedSegment(segment: LogSegment, options: LoadLogOptions): boolean {
  const result = segment.load();
  if (result.indexRebuildReason !== undefined) {
    options.logger.warn(`${options.name}: rebuilt the indexes of ${segment.logPath}: ${result.indexRebuildReason}`);
  }
  if (result.damage === undefined) return false;
  options.logger.error(`${options.name}: ${segment.logPath} is below the recovery point but unreadable (${result.damage}); recovering it`);
  return recoverSegment(segment, options, 'below the recovery point');
}

/** Verifies every batch and cuts at the first bad one. Returns true if bytes were cut. */
function recoverSegment(segment: LogSegment, options: LoadLogOptions, why: string): boolean {
  const { truncatedBytes, validBytes, reason } = segment.recover(options.leaderEpochs);
  if (truncatedBytes === 0) return false;
  options.logger.warn(
    `${options.name}: recovery of ${segment.logPath} (${why}) cut ${truncatedBytes} bytes at position ${validBytes}, ` +
    `after offset ${segment.nextOffset - 1}: ${reason}`,
  );
  return true;
}

function deleteSegmentFiles(dir: string, baseOffset: number, options: LoadLogOptions, why: string): void {
  for (const suffix of SEGMENT_FILE_SUFFIXES) {
    const file = path.join(dir, segmentFileName(baseOffset, suffix));
    const sizeBytes = fs.statSync(file, { throwIfNoEntry: false })?.size;
    if (sizeBytes === undefined) continue;
    fs.rmSync(file, { force: true });
    options.logger.warn(`${options.name}: deleted ${file} (${sizeBytes} bytes): ${why}`);
  }
}

/** Offsets should run on from segment to segment; a gap below the recovery point is kept (as Kafka keeps it) but reported. */
function warnAboutGaps(segments: LogSegment[], options: LoadLogOptions): void {
  for (let i = 1; i < segments.length; i++) {
    const previous = segments[i - 1];
    if (previous.nextOffset !== segments[i].baseOffset) {
      options.logger.warn(`${options.name}: offsets ${previous.nextOffset}..${segments[i].baseOffset - 1} are missing between ${previous.logPath} and ${segments[i].logPath}`);
    }
  }
}
