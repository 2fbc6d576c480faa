/**
 * Opening a partition folder (Kafka's LogLoader): clears leftovers of interrupted work, finishes or
 * undoes a cleaner's swap that a crash interrupted, loads segments below the recovery point as
 * trusted (indexes checked and rebuilt if needed, no CRC), and recovers those at or past it batch
 * by batch, cutting a torn or corrupt tail at the last whole valid batch. Every byte it removes is
 * logged with file, position and why.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../common/logger';
import type { LeaderEpochEntries } from './leader-epoch-cache';
import {
  CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, LEADER_EPOCH_CHECKPOINT, SEGMENT_FILE_SUFFIXES, SWAP_FILE_SUFFIX, parseSegmentFileName, segmentFileName,
} from './log-config';
import { LogFile } from './log-file';
import { LogSegment, type SegmentSettings } from './log-segment';

/** Suffixes of files that interrupted work leaves behind (Kafka's async deletes, checkpoint temps). */
const leftoverSuffixes = [DELETED_FILE_SUFFIX, '.tmp'];

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
  /** The log is compacted: offsets missing between segments are the cleaner's doing, not worth a warning. */
  compacted?: boolean;
}

export interface LoadedLog {
  /** In offset order, never empty; the last is the active segment. */
  segments: LogSegment[];
  recoveryPoint: number;
}

export function loadLog(dir: string, options: LoadLogOptions): LoadedLog {
  removeLeftovers(dir, options);
  completeOrUndoSwap(dir, options);
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
  if (!options.compacted) warnAboutGaps(segments, options);
  for (let i = 0; i < segments.length - 1; i++) segments[i].releaseIndexMemory();
  const logEndOffset = segments[segments.length - 1].nextOffset;
  const recoveryPoint = options.hadCleanShutdown ? logEndOffset : Math.min(options.recoveryPoint, logEndOffset);
  return { segments, recoveryPoint };
}

/** Removes what interrupted work left: files pending deletion and half-written checkpoints. */
function removeLeftovers(dir: string, options: LoadLogOptions): void {
  for (const file of fs.readdirSync(dir)) {
    if (!leftoverSuffixes.some((suffix) => file.endsWith(suffix))) continue;
    fs.rmSync(path.join(dir, file), { force: true, recursive: true });
    options.logger.info(`${options.name}: removed leftover file ${path.join(dir, file)}`);
  }
}

/** A segment file the cleaner names with a suffix (`00000000000000000000.log.swap`): its base offset and kind. */
function cleanerFile(file: string, suffix: string): { baseOffset: number; kind: string } | undefined {
  if (!file.endsWith(suffix)) return undefined;
  const parsed = parseSegmentFileName(file.slice(0, -suffix.length));
  return parsed && { baseOffset: parsed.baseOffset, kind: parsed.suffix };
}

/**
 * Kafka's LogLoader on a crash during PartitionLog.replaceSegments. A `.cleaned` file left means
 * the new segments were not all renamed `.swap` yet (they are renamed from the highest base offset
 * down): the swap is undone, the `.swap` files at or above the lowest `.cleaned` one and every
 * `.cleaned` file go, and the old segments stay. Otherwise the `.swap` files are the new segments
 * whole: the old segment files within their offsets (from the lowest `.swap` base to the highest
 * end) go, and the `.swap` files lose their suffix.
 */
function completeOrUndoSwap(dir: string, options: LoadLogOptions): void {
  const files = fs.readdirSync(dir);
  const cleaned = files.filter((f) => cleanerFile(f, CLEANED_FILE_SUFFIX) !== undefined);
  const remove = (file: string, why: string): void => {
    fs.rmSync(path.join(dir, file), { force: true });
    options.logger.warn(`${options.name}: deleted ${path.join(dir, file)}: ${why}`);
  };
  let swaps = files.filter((f) => cleanerFile(f, SWAP_FILE_SUFFIX) !== undefined);
  if (cleaned.length > 0) {
    const minCleaned = Math.min(...cleaned.map((f) => cleanerFile(f, CLEANED_FILE_SUFFIX)!.baseOffset));
    for (const file of swaps.filter((f) => cleanerFile(f, SWAP_FILE_SUFFIX)!.baseOffset >= minCleaned)) remove(file, 'the cleaner\'s swap was interrupted before it was decided');
    swaps = swaps.filter((f) => cleanerFile(f, SWAP_FILE_SUFFIX)!.baseOffset < minCleaned);
    for (const file of cleaned) remove(file, 'an unfinished cleaning');
  }
  const logSwaps = swaps.filter((f) => cleanerFile(f, SWAP_FILE_SUFFIX)!.kind === '.log');
  if (logSwaps.length > 0) {
    let minSwapOffset = Infinity;
    let maxSwapNextOffset = -Infinity;
    for (const file of logSwaps) {
      const baseOffset = cleanerFile(file, SWAP_FILE_SUFFIX)!.baseOffset;
      const swapped = LogFile.open(path.join(dir, file));
      const { nextOffset } = swapped.scan(0, { verify: false, firstOffset: baseOffset }, () => true);
      swapped.close();
      minSwapOffset = Math.min(minSwapOffset, baseOffset);
      maxSwapNextOffset = Math.max(maxSwapNextOffset, nextOffset ?? baseOffset);
    }
    for (const file of fs.readdirSync(dir)) {
      const segmentFile = parseSegmentFileName(file);
      if (segmentFile && segmentFile.baseOffset >= minSwapOffset && segmentFile.baseOffset < maxSwapNextOffset) remove(file, `the cleaner's segments for offsets ${minSwapOffset}..${maxSwapNextOffset - 1} replace it`);
    }
  }
  for (const file of swaps) {
    fs.renameSync(path.join(dir, file), path.join(dir, file.slice(0, -SWAP_FILE_SUFFIX.length)));
    options.logger.warn(`${options.name}: finished the cleaner's interrupted swap: ${path.join(dir, file)} is now in the log`);
  }
}

/** Removes orphaned index files; returns the base offsets of the `.log` files, ascending. */
function scanFolder(dir: string, options: LoadLogOptions): number[] {
  const logs = new Set<number>();
  const indexes: string[] = [];
  for (const file of fs.readdirSync(dir)) {
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
