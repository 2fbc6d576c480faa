/**
 * The log of one partition (Kafka's Log): an ordered list of segments, the last one active. It
 * assigns offsets (as leader) or keeps the leader's (as follower), rolls segments, applies
 * retention, truncates, flushes, and serves reads as raw bytes of whole batches. Offsets run
 * contiguously from logStartOffset to logEndOffset - 1, and every stored batch passed its CRC check
 * before it was written. The log start offset is the first segment's base offset unless
 * DeleteRecords raised it inside that segment (Kafka's logStartOffset): records below it are gone
 * for every reader, even while their bytes wait in a segment not yet wholly below it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../common/assert';
import type { Clock } from '../common/clock';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { partitionKey } from '../common/topic';
import { BatchField, assignOffsetsInPlace, batchBaseOffset, batchSizeAt } from '../protocol/record-batch';
import { LeaderEpochFileCache } from './leader-epoch-cache';
import { DELETED_FILE_SUFFIX, SWAP_FILE_SUFFIX, deletesOldSegments, isCompacted, type LogConfig, segmentIndexBytesOf } from './log-config';
import { isLogDirFailure, maybeHandleIOException, type LogDirFailureChannel } from './log-dir-failure';
import { syncDir, syncFilesInBackground } from './log-file';
import { loadLog } from './log-loader';
import { LogSegment, type SegmentSettings } from './log-segment';
import { analyzeAndValidateRecords, type RecordsSummary } from './log-validator';
import type { TimestampOffset } from './time-index';

export interface LogAppendInfo {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  /** -1: CreateTime is kept (Kafka's default message.timestamp.type). */
  logAppendTimeMs: number;
}

export interface LogReadOptions {
  maxBytes: number;
  /**
   * Batches are returned only if they end below this offset (the high watermark for consumers).
   * As in Kafka, the read stops at the start of the batch holding this offset; the high watermark
   * always sits on a batch boundary (every log appends whole batches), so no committed record is
   * held back.
   */
  maxOffsetExclusive?: number;
  /**
   * Read into this buffer when the bytes fit, and return a view of it: a reader that reads on and
   * on (a follower's fetcher, a scan, the storage benchmark) then reuses one buffer instead of
   * paying for fresh memory per read (page faults, garbage collection: about a quarter of raw
   * read speed with 1 MiB reads). The view is only good until the caller reuses the buffer, so
   * it must not be handed to anything that keeps it (a Fetch response waiting to be written).
   * Without it, and for a read larger than it, the result is a fresh Buffer the caller owns.
   */
  into?: Buffer;
}

export interface LogOpenOptions {
  /** Segments holding offsets at or past this point are checked batch by batch. */
  recoveryPoint: number;
  /** The last shutdown flushed everything: no segment needs checking. */
  hadCleanShutdown: boolean;
  clock: Clock;
  logger: Logger;
  /** Where a failing disk is reported: the log dir goes offline and the log's file work stops (Kafka's log dir failure). */
  logDirFailureChannel?: LogDirFailureChannel;
  /** The log start offset saved in log-start-offset-checkpoint; the first segment's base offset when higher. */
  logStartOffset?: number;
  /**
   * The log start offset changed in a way the segment files do not show (raised inside a segment,
   * or reset by emptying the log): log-start-offset-checkpoint must be written again, or a restart
   * would bring deleted records back (or keep a start the log no longer has).
   */
  onLogStartOffsetChanged?: (log: PartitionLog) => void;
  /** The log cleaner has cleaned this log before (it has a cleaner checkpoint): offsets missing between segments are expected. */
  cleanedBefore?: boolean;
  /** Records at or past `offset` were removed (truncation): the cleaner checkpoint must not stay past it. */
  onTruncated?: (log: PartitionLog, offset: number) => void;
}

const emptyRecords = Buffer.alloc(0);
/** Where every log's background-flush chain starts: one promise shared, not one per idle log. */
const settled = Promise.resolve();

export class PartitionLog {
  private segments: LogSegment[];
  /** Everything below this offset is on disk (fsynced); recovery after a crash starts here. */
  recoveryPoint: number;
  readonly leaderEpochCache: LeaderEpochFileCache;
  private lastFlushMs: number;
  /** Background fsyncs of rolled segments run one after another on this chain. */
  private backgroundFlush: Promise<void> = settled;
  private flushScheduledUpTo: number;
  /** Bumped by every truncation, so a background flush started before one does not move the recovery point after it. */
  private truncations = 0;
  private closed = false;
  private readonly logDirFailureChannel: LogDirFailureChannel | undefined;
  private startOffset: number;
  private readonly onLogStartOffsetChanged: ((log: PartitionLog) => void) | undefined;
  private readonly onTruncated: ((log: PartitionLog, offset: number) => void) | undefined;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    public config: LogConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: LogOpenOptions,
    /** A new log whose folder does not exist yet: nothing to load, and its files wait for their first use. */
    createdLazily: boolean,
  ) {
    this.logDirFailureChannel = options.logDirFailureChannel;
    this.leaderEpochCache = createdLazily ? LeaderEpochFileCache.empty(dir) : LeaderEpochFileCache.open(dir);
    const loaded = createdLazily
      ? { segments: [LogSegment.createLazily(dir, 0, this.segmentSettings(), clock.nowMs())], recoveryPoint: 0 }
      : loadLog(dir, {
        name: this.name, settings: this.segmentSettings(), recoveryPoint: options.recoveryPoint,
        hadCleanShutdown: options.hadCleanShutdown, nowMs: clock.nowMs(), logger, leaderEpochs: this.leaderEpochCache, compacted: isCompacted(config) || options.cleanedBefore === true,
      });
    this.segments = loaded.segments;
    this.recoveryPoint = loaded.recoveryPoint;
    this.flushScheduledUpTo = loaded.recoveryPoint;
    this.lastFlushMs = clock.nowMs();
    this.onLogStartOffsetChanged = options.onLogStartOffsetChanged;
    this.onTruncated = options.onTruncated;
    this.startOffset = Math.max(options.logStartOffset ?? 0, this.segments[0].baseOffset);
    if (this.logEndOffset < this.startOffset) {
      // Kafka's rule: a log that ends before its start (its tail lost in a crash) starts over, empty, at its start.
      logger.warn(`${this.name}: the log ends at ${this.logEndOffset}, before its start offset ${this.startOffset}: emptying it`);
      this.truncateFullyAndStartAt(this.startOffset);
    }
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
    this.leaderEpochCache.truncateFromStart(this.logStartOffset);
  }

  /** Opens the log in `dir` (created when missing), recovering what a crash may have left. */
  static open(dir: string, topic: string, partition: number, config: LogConfig, options: LogOpenOptions): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    return new PartitionLog(dir, topic, partition, config, options.clock, options.logger, options, false);
  }

  /**
   * A new, empty log in `dir`, which must not exist: no system call now. The folder and the
   * segment's files are made at their first use (the first append or flush) or by createFiles(),
   * whichever comes first, so a LeaderAndIsr hosting thousands of new partitions answers without
   * waiting for thousands of folders and files (issue 24). Nothing durable depends on them before
   * then: an empty log has nothing to recover, and a crash before its first append leaves no
   * folder, so the next start finds no log, as if the partition had not been hosted yet.
   */
  static createLazily(dir: string, topic: string, partition: number, config: LogConfig, options: LogOpenOptions): PartitionLog {
    return new PartitionLog(dir, topic, partition, config, options.clock, options.logger, options, true);
  }

  /** The folder and files of a log created lazily are not on disk yet. */
  get awaitingFiles(): boolean {
    return this.segments.length === 1 && this.segments[0].awaitingFiles;
  }

  /** Makes the folder and files of a log created lazily (the log manager does it in the background). */
  createFiles(): void {
    if (this.closed) return;
    this.io('create its files', () => this.active.createFiles());
  }

  get name(): string {
    return partitionKey(this.topic, this.partition);
  }

  /** The log dir holding this log (`<logDir>/<topic>/<partition>`). */
  get logDir(): string {
    return path.dirname(path.dirname(this.dir));
  }

  /** File work on this log: a full, read-only or failing disk takes the log dir offline and answers KAFKA_STORAGE_ERROR. */
  private io<T>(what: string, work: () => T): T {
    return maybeHandleIOException(this.logDirFailureChannel, this.logDir, `${this.name}: ${what}`, work);
  }

  private segmentSettings(): SegmentSettings {
    return { indexIntervalBytes: this.config.indexIntervalBytes, segmentIndexBytes: segmentIndexBytesOf(this.config) };
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The base offset of the oldest segment: the log start offset, or below it after DeleteRecords. */
  get firstSegmentBaseOffset(): number {
    return this.segments[0].baseOffset;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.sizeBytes;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The segments, oldest first, the active one last (a copy: the log cleaner reads the inactive ones). */
  logSegments(): LogSegment[] {
    return [...this.segments];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bumped by every truncation: a cleaning that began before one must not swap its result in. */
  get truncationCount(): number {
    return this.truncations;
  }

  /**
   * True while `segments` are still, in order and consecutive, inactive segments of this open log
   * and no truncation happened since `truncationCount` was read: a cleaning of them may be swapped in.
   */
  stillHolds(segments: readonly LogSegment[], truncationCount: number): boolean {
    if (this.closed || truncationCount !== this.truncations || segments.length === 0) return false;
    const first = this.segments.indexOf(segments[0]);
    return first >= 0 && first + segments.length < this.segments.length && segments.every((segment, i) => this.segments[first + i] === segment);
  }

  /**
   * Kafka's replaceSegments: the cleaned segments (files ending `.cleaned`, written and flushed)
   * take the place of `oldSegments` (consecutive, inactive) so that a crash at any point recovers
   * to the old segments or to the new ones, never a mix (log-loader.ts finishes or undoes it):
   * 1. each new segment's files are renamed `.swap`, the highest base offset first; once the last
   *    is renamed the swap is decided (a `.cleaned` file left means it was not);
   * 2. the old segments' files are renamed `.deleted` (recovery deletes those);
   * 3. the `.swap` files lose their suffix;
   * 4. the `.deleted` files are removed.
   * In memory the new segments replace the old at once. `onStep` runs before the first file
   * operation, after every one, and once the swap is done.
   */
  replaceSegments(newSegments: readonly LogSegment[], oldSegments: readonly LogSegment[], onStep: (what: string) => void = () => undefined): void {
    const first = this.segments.indexOf(oldSegments[0]);
    assert(first >= 0 && first + oldSegments.length < this.segments.length, () => `${this.name}: replacing segments that are not inactive segments of the log`);
    this.io('swap in cleaned segments', () => {
      onStep('about to swap');
      const newest = [...newSegments].sort((a, b) => b.baseOffset - a.baseOffset);
      for (const segment of newest) segment.changeFileSuffixes(SWAP_FILE_SUFFIX, (file) => onStep(`renamed ${file}`));
      syncDir(this.dir);
      onStep('synced the folder');
      this.segments.splice(first, oldSegments.length, ...newSegments);
      for (const segment of oldSegments) segment.changeFileSuffixes(DELETED_FILE_SUFFIX, (file) => onStep(`renamed ${file}`));
      for (const segment of newSegments) segment.changeFileSuffixes('', (file) => onStep(`renamed ${file}`));
      for (const segment of oldSegments) {
        segment.delete();
        onStep(`deleted ${segment.logPath}`);
      }
      onStep('swapped');
    });
  }

  /**
   * Checks every batch of a producer's records, assigns offsets from the log end and the leader
   * epoch in place (outside the CRC), and appends the same bytes.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): LogAppendInfo {
    const summary = this.validate(records, true);
    const baseOffset = this.logEndOffset;
    let nextOffset = baseOffset;
    for (let position = 0; position < records.length; position += batchSizeAt(records, position)) {
      assignOffsetsInPlace(records, position, nextOffset, leaderEpoch);
      nextOffset += records.readInt32BE(position + BatchField.lastOffsetDelta) + 1;
    }
    assert(nextOffset - baseOffset === summary.offsetCount, 'offsets assigned differ from the offsets validated');
    this.io('append', () => {
      this.leaderEpochCache.assign(leaderEpoch, baseOffset);
      this.appendValidated(records, nextOffset - 1);
    });
    return { baseOffset, lastOffset: nextOffset - 1, recordCount: summary.recordCount, logAppendTimeMs: -1 };
  }

  /**
   * Appends a leader's batches as they are (offsets, epochs): they must start at or past the log
   * end and their offsets must increase (OFFSET_OUT_OF_RANGE otherwise, Kafka's
   * UnexpectedAppendOffset and OffsetsOutOfOrder); gaps are the leader's cleaner's doing and stay.
   * The epochs they carry enter the epoch cache. Empty records (an empty fetch) append nothing.
   */
  appendAsFollower(records: Buffer): LogAppendInfo {
    const logEndOffset = this.logEndOffset;
    if (records.length === 0) return { baseOffset: logEndOffset, lastOffset: logEndOffset - 1, recordCount: 0, logAppendTimeMs: -1 };
    const summary = this.validate(records);
    if (summary.firstOffset < logEndOffset || !summary.offsetsMonotonic) {
      throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE,
        `${this.name}: follower append of offsets ${summary.firstOffset}..${summary.lastOffset}${summary.offsetsMonotonic ? '' : ' (out of order)'} does not continue the log end ${logEndOffset}`);
    }
    this.io('follower append', () => {
      for (let position = 0; position < records.length; position += batchSizeAt(records, position)) {
        this.leaderEpochCache.assign(records.readInt32BE(position + BatchField.partitionLeaderEpoch), batchBaseOffset(records, position));
      }
      this.appendValidated(records, summary.lastOffset);
    });
    return { baseOffset: summary.firstOffset, lastOffset: summary.lastOffset, recordCount: summary.recordCount, logAppendTimeMs: -1 };
  }

  private validate(records: Buffer, checkRecords = false): RecordsSummary {
    const limits = { maxMessageBytes: this.config.maxMessageBytes, segmentBytes: this.config.segmentBytes, compacted: isCompacted(this.config) };
    return analyzeAndValidateRecords(records, limits, this.name, checkRecords);
  }

  private appendValidated(records: Buffer, lastOffset: number): void {
    const nowMs = this.clock.nowMs();
    const reason = this.active.shouldRoll({
      incomingBytes: records.length, maxOffset: lastOffset, nowMs, segmentBytes: this.config.segmentBytes, segmentMs: this.config.segmentMs,
    });
    if (reason !== undefined) this.roll(reason);
    // A failing disk is an operating error: the caller's io() makes it KAFKA_STORAGE_ERROR and the dir offline; the log stays consistent.
    this.active.append(records, nowMs);
    if (this.logEndOffset - this.recoveryPoint >= this.config.flushIntervalMessages) this.flush();
  }

  /**
   * Starts a new active segment named by the log end offset (no-op while the active one is empty),
   * and fsyncs the finished segments in the background; when that is done the recovery point moves
   * to the new segment (Kafka flushes on roll in its scheduler too), so a crash rescans only the
   * active segment.
   */
  roll(reason = 'requested'): void {
    if (this.active.sizeBytes === 0) return;
    const baseOffset = this.logEndOffset;
    this.io('roll', () => {
      this.active.onBecomeInactive();
      this.segments.push(LogSegment.open(this.dir, baseOffset, this.segmentSettings(), this.clock.nowMs()));
    });
    this.logger.debug(`${this.name}: rolled a new segment at offset ${baseOffset} (${reason})`);
    this.flushInBackground(baseOffset);
  }

  private flushInBackground(upToOffset: number): void {
    const from = Math.max(this.recoveryPoint, this.flushScheduledUpTo);
    const paths = this.segments.filter((s) => s.baseOffset < upToOffset && s.nextOffset > from).flatMap((s) => s.filePaths());
    this.flushScheduledUpTo = upToOffset;
    const truncations = this.truncations;
    this.backgroundFlush = this.backgroundFlush
      .then(() => syncFilesInBackground(paths))
      .then(() => {
        if (!this.closed && truncations === this.truncations) this.advanceRecoveryPoint(upToOffset);
      })
      .catch((err: Error) => {
        const what = `${this.name}: background flush up to offset ${upToOffset}`;
        if (isLogDirFailure(err)) this.logDirFailureChannel?.maybeAddOfflineLogDir(this.logDir, what, err);
        else this.logger.warn(`${what} failed: ${err.message}`);
      });
  }

  /** Resolves once the background flushes started so far have finished (for shutdown and tests). */
  whenBackgroundFlushed(): Promise<void> {
    return this.backgroundFlush;
  }

  /**
   * Raw bytes of whole batches from the one holding `startOffset`, read from one segment (as
   * Kafka): at least the first batch, more up to maxBytes. Offsets outside [logStartOffset,
   * logEndOffset] are OFFSET_OUT_OF_RANGE; at the end, or with nothing below maxOffsetExclusive, it is empty.
   */
  read(startOffset: number, options: LogReadOptions): Buffer {
    if (startOffset < this.logStartOffset || startOffset > this.logEndOffset) {
      throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE, `${this.name}: offset ${startOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}]`);
    }
    const limit = Math.min(options.maxOffsetExclusive ?? this.logEndOffset, this.logEndOffset);
    if (startOffset >= limit) return emptyRecords;
    try {
      for (let i = this.segmentIndexFor(startOffset); i < this.segments.length; i++) {
        const segment = this.segments[i];
        if (segment.baseOffset >= limit) break;
        const maxPosition = limit < segment.nextOffset ? segment.readBound(limit) : segment.sizeBytes;
        const bytes = segment.read(startOffset, options.maxBytes, maxPosition, options.into);
        if (bytes !== undefined && bytes.length > 0) return bytes;
      }
    } catch (err) {
      // A read may reopen an idle segment's files: a dir whose files cannot be opened goes offline as on a write.
      if (isLogDirFailure(err)) this.logDirFailureChannel?.maybeAddOfflineLogDir(this.logDir, `${this.name}: read at offset ${startOffset}`, err);
      throw err;
    }
    return emptyRecords;
  }

  /** The index of the last segment whose base offset is at or below `offset` (0 when none is). */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The first record at or after `timestamp` (ListOffsets by time), or undefined when none is. */
  offsetForTimestamp(timestamp: number): TimestampOffset | undefined {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      const found = segment.findOffsetByTimestamp(timestamp, this.logStartOffset);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * Deletes old segments, whole, past retention.ms (newest record older), then over
   * retention.bytes, then those wholly below the log start offset, oldest first (Kafka's
   * deleteOldSegments). Never the active segment, and never a segment holding offsets at or past
   * `highWatermark` (unreplicated data stays). Moves the log start offset. Returns how many
   * segments went.
   */
  deleteRetentionSegments(highWatermark = this.logEndOffset): number {
    // Kafka's deleteOldSegments: a log that only compacts loses segments to its log start offset alone.
    if (!deletesOldSegments(this.config)) return this.deleteLogStartOffsetBreachedSegments();
    let deleted = 0;
    if (this.config.retentionMs >= 0) {
      const nowMs = this.clock.nowMs();
      deleted += this.deleteOldestWhile((s) => nowMs - s.largestTimestampMs > this.config.retentionMs, highWatermark, 'retention.ms');
    }
    if (this.config.retentionBytes >= 0) {
      let excessBytes = this.sizeBytes - this.config.retentionBytes;
      deleted += this.deleteOldestWhile((s) => {
        if (excessBytes - s.sizeBytes < 0) return false;
        excessBytes -= s.sizeBytes;
        return true;
      }, highWatermark, 'retention.bytes');
    }
    return deleted + this.deleteLogStartOffsetBreachedSegments();
  }

  /** Kafka's deleteLogStartOffsetBreachedSegments: a segment whose successor starts at or below the log start offset holds nothing readable. */
  private deleteLogStartOffsetBreachedSegments(): number {
    return this.deleteOldestWhile((_, next) => next.baseOffset <= this.startOffset, this.startOffset, 'below the log start offset');
  }

  private deleteOldestWhile(shouldDelete: (segment: LogSegment, next: LogSegment) => boolean, highWatermark: number, reason: string): number {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1].baseOffset <= highWatermark && shouldDelete(this.segments[0], this.segments[1])) {
      const oldest = this.segments[0];
      this.io('retention', () => oldest.delete());
      this.segments.shift();
      this.startOffset = Math.max(this.startOffset, this.segments[0].baseOffset);
      deleted++;
      this.logger.info(`${this.name}: deleted segment ${oldest.logPath} (${reason}); the log now starts at offset ${this.logStartOffset}`);
    }
    if (deleted > 0) {
      this.leaderEpochCache.truncateFromStart(this.logStartOffset);
      this.advanceRecoveryPoint(this.logStartOffset);
    }
    return deleted;
  }

  /**
   * Kafka's maybeIncrementLogStartOffset (DeleteRecords on the leader, the leader's log start on a
   * follower): raises the log start offset to `offset`, never lowers it. Records below it are gone
   * for every reader at once; the segments wholly below it are deleted now (Kafka leaves them to
   * its next retention check), and a start inside a segment is handed to the checkpoint. The
   * caller keeps `offset` at or below the high watermark. Returns whether the start moved.
   */
  maybeIncrementLogStartOffset(offset: number, reason: string): boolean {
    assert(offset <= this.logEndOffset, () => `${this.name}: log start offset ${offset} past the log end ${this.logEndOffset}`);
    if (offset <= this.startOffset) return false;
    this.startOffset = offset;
    this.leaderEpochCache.truncateFromStart(offset);
    this.advanceRecoveryPoint(offset);
    this.logger.info(`${this.name}: the log now starts at offset ${offset} (${reason})`);
    this.deleteLogStartOffsetBreachedSegments();
    if (this.startOffset > this.firstSegmentBaseOffset) this.onLogStartOffsetChanged?.(this);
    return true;
  }

  /**
   * Drops every record at or past `offset` (a follower whose history parted from the leader's):
   * later segments go whole, the one holding `offset` is cut before the batch holding it.
   */
  truncateTo(offset: number): void {
    assert(offset >= 0, () => `${this.name}: truncate to negative offset ${offset}`);
    if (offset >= this.logEndOffset) return;
    if (offset < this.logStartOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    this.truncations++;
    const removedBytes = this.io('truncate', () => {
      while (this.active.baseOffset > offset) (this.segments.pop() as LogSegment).delete();
      const removed = this.active.truncateTo(offset);
      this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
      return removed;
    });
    this.recoveryPoint = Math.min(this.recoveryPoint, this.logEndOffset);
    this.flushScheduledUpTo = Math.min(this.flushScheduledUpTo, this.logEndOffset);
    this.logger.info(`${this.name}: truncated to offset ${offset}; the log ends at ${this.logEndOffset} (${removedBytes} bytes cut from ${this.active.logPath})`);
    this.onTruncated?.(this, this.logEndOffset);
  }

  /** Deletes everything and starts empty at `offset` (a follower behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    this.truncations++;
    this.io('truncate fully', () => {
      for (const segment of this.segments) segment.delete();
      // A log created lazily may have no folder yet (a follower restarted before its first fetch).
      fs.mkdirSync(this.dir, { recursive: true });
      this.segments = [LogSegment.open(this.dir, offset, this.segmentSettings(), this.clock.nowMs())];
      this.leaderEpochCache.clear();
      // The recovery point is set to `offset` below: the cleared epochs must be on disk first.
      this.leaderEpochCache.flush();
    });
    const lowered = this.startOffset > offset;
    this.startOffset = offset;
    this.recoveryPoint = offset;
    this.flushScheduledUpTo = offset;
    this.logger.info(`${this.name}: emptied the log; it starts at offset ${offset}`);
    if (lowered) this.onLogStartOffsetChanged?.(this);
    this.onTruncated?.(this, offset);
  }

  /** fsyncs what is not yet on disk and moves the recovery point to the log end. */
  flush(): void {
    const upTo = this.logEndOffset;
    if (upTo > this.recoveryPoint) {
      this.io('flush', () => {
        for (let i = this.segmentIndexFor(this.recoveryPoint); i < this.segments.length; i++) this.segments[i].flush();
      });
      this.advanceRecoveryPoint(upTo);
    }
    this.lastFlushMs = this.clock.nowMs();
  }

  /**
   * Moves the recovery point up to `offset`, writing the leader-epoch checkpoint first: a crash
   * rescans only the offsets past the recovery point, so the epochs of those below it must be on
   * disk (LeaderEpochFileCache says why they are written no sooner).
   */
  private advanceRecoveryPoint(offset: number): void {
    if (offset <= this.recoveryPoint) return;
    this.io('write the leader epoch checkpoint', () => this.leaderEpochCache.flush());
    this.recoveryPoint = offset;
  }

  /** flush.ms (log.flush.interval.ms): called by the log manager's timer. */
  maybeFlushByTime(): void {
    if (this.recoveryPoint < this.logEndOffset && this.clock.nowMs() - this.lastFlushMs >= this.config.flushIntervalMs) this.flush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const segment of this.segments) segment.close();
  }

  /**
   * Closes the files of a log whose dir went offline without writing to them (Kafka's
   * closeHandlers): nothing unflushed is saved, and the next start recovers the log from its files.
   */
  closeHandlers(): void {
    if (this.closed) return;
    this.closed = true;
    for (const segment of this.segments) segment.closeHandlers();
  }

  /** Closes the log and removes its folder. */
  delete(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
