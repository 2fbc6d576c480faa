/**
 * One segment of a partition log: the `.log` of whole record batches plus its sparse offset and
 * time indexes, all named by the segment's base offset. It keeps the indexes in step with the log
 * (an entry per `indexIntervalBytes` of batches, as Kafka) and serves reads as raw bytes of whole
 * batches, found through the index and batch headers without decoding a record.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../common/assert';
import {
  BATCH_HEADER_BYTES, BatchField, LOG_OVERHEAD_BYTES, batchBaseOffset, batchLastOffset, batchLocations, decodeRecords,
} from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';
import type { LeaderEpochEntries } from './leader-epoch-cache';
import { type BatchInfo, type BatchVisitor, LogFile, syncFilesInBackground, type ScanResult } from './log-file';
import { SEGMENT_FILE_SUFFIXES, fileInPartitionDir, segmentFileName, type SegmentFileSuffix } from './log-config';
import { OffsetIndex, RELATIVE_OFFSET_MAX } from './offset-index';
import { ReadPositionHints } from './read-position-hints';
import { TimeIndex, type TimestampOffset } from './time-index';

export interface SegmentSettings {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

/** What a roll decision looks at (Kafka's RollParams): the append to come and the limits. */
export interface RollParams {
  incomingBytes: number;
  /** The last offset of the append to come. */
  maxOffset: number;
  nowMs: number;
  segmentBytes: number;
  segmentMs: number;
}

export type RollReason = 'segment.bytes' | 'segment.ms' | 'index full' | 'offset range';

/** How a trusted segment loaded: why its indexes were rebuilt, and damage found in its tail. */
export interface SegmentLoadResult {
  indexRebuildReason?: string;
  /** The log is torn or unreadable here; the caller recovers the segment (verify and truncate). */
  damage?: string;
}

export class LogSegment {
  /** One past the last offset stored here; the base offset while empty. */
  nextOffset: number;
  maxTimestamp = -1;
  private offsetOfMaxTimestamp: number;
  private bytesSinceLastIndexEntry = 0;
  /** When the first batch went into this (then empty) segment; segment.ms counts from it, or from createdMs if the segment held data when opened. */
  private firstAppendMs: number | undefined;
  private readonly readHints = new ReadPositionHints();

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly file: LogFile,
    readonly index: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly settings: SegmentSettings,
    /** When this segment was opened: the age of a segment that already held data when the broker started (Kafka's `created`). */
    readonly createdMs: number,
    /** What the file names carry after `.log`/`.index`/`.timeindex`: '' for a segment of the log, `.cleaned` or `.swap` while the cleaner replaces segments. */
    private fileSuffix: string,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  /**
   * Opens the segment's files, creating absent ones; `fileSuffix` names the cleaner's files
   * (`00000000000000000000.log.cleaned`). A segment that holds data needs load() or recover() before use.
   */
  static open(dir: string, baseOffset: number, settings: SegmentSettings, nowMs: number, fileSuffix = ''): LogSegment {
    const file = LogFile.open(path.join(dir, segmentFileName(baseOffset, '.log') + fileSuffix));
    const index = OffsetIndex.open(path.join(dir, segmentFileName(baseOffset, '.index') + fileSuffix), baseOffset, settings.segmentIndexBytes);
    const timeIndex = TimeIndex.open(path.join(dir, segmentFileName(baseOffset, '.timeindex') + fileSuffix), baseOffset, settings.segmentIndexBytes);
    return new LogSegment(dir, baseOffset, file, index, timeIndex, settings, nowMs, fileSuffix);
  }

  /**
   * The first segment of a log created now: empty, with no file on disk until its first use (an
   * append, a flush) or create(), so that hosting a partition costs no system call (issue 24).
   */
  static createLazily(dir: string, baseOffset: number, settings: SegmentSettings, nowMs: number): LogSegment {
    const file = LogFile.createLazily(fileInPartitionDir(dir, segmentFileName(baseOffset, '.log')));
    const index = OffsetIndex.open(fileInPartitionDir(dir, segmentFileName(baseOffset, '.index')), baseOffset, settings.segmentIndexBytes, true);
    const timeIndex = TimeIndex.open(fileInPartitionDir(dir, segmentFileName(baseOffset, '.timeindex')), baseOffset, settings.segmentIndexBytes, true);
    return new LogSegment(dir, baseOffset, file, index, timeIndex, settings, nowMs, '');
  }

  /** The segment was created lazily and none of its files has been used yet. */
  get awaitingFiles(): boolean {
    return this.file.awaitingCreation;
  }

  /** Makes the three files (and the folder) of a segment created lazily, if still awaited. */
  createFiles(): void {
    this.file.create();
    this.index.create();
    this.timeIndex.create();
  }

  get logPath(): string {
    return this.file.path;
  }

  /**
   * Renames the three files to carry `newSuffix` instead of their present one (Kafka's
   * changeFileSuffixes), the .log first; `afterEach` runs after each rename (the cleaner's crash
   * test kills the process there).
   */
  changeFileSuffixes(newSuffix: string, afterEach: (renamed: string) => void = () => undefined): void {
    const renames: [{ path: string; renameTo(p: string): void }, SegmentFileSuffix][] = [[this.file, '.log'], [this.index, '.index'], [this.timeIndex, '.timeindex']];
    for (const [file, kind] of renames) {
      file.renameTo(path.join(this.dir, segmentFileName(this.baseOffset, kind) + newSuffix));
      afterEach(file.path);
    }
    this.fileSuffix = newSuffix;
  }

  get sizeBytes(): number {
    return this.file.sizeBytes;
  }

  /** The three files, for background fsync. */
  filePaths(): string[] {
    return SEGMENT_FILE_SUFFIXES.map((suffix) => path.join(this.dir, segmentFileName(this.baseOffset, suffix) + this.fileSuffix));
  }

  get lastModifiedMs(): number {
    return this.file.lastModifiedMs();
  }

  set lastModifiedMs(ms: number) {
    this.file.setLastModifiedMs(ms);
  }

  /** The first batch's max timestamp, -1 when the segment is empty (Kafka's getFirstBatchTimestamp, for max.compaction.lag.ms). */
  firstBatchTimestampMs(): number {
    if (this.file.sizeBytes < BATCH_HEADER_BYTES) return -1;
    return readInt64(this.file.readAt(BatchField.maxTimestamp, 8), 0);
  }

  /** Kafka's largestTimestamp: the newest record's time, or the file's mtime when no record has one. */
  get largestTimestampMs(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.file.lastModifiedMs();
  }

  /**
   * Loads a segment whose data is trusted (below the recovery point, or after a clean shutdown):
   * indexes that fail their sanity check are rebuilt from batch headers; otherwise only the tail
   * past the last index entry is read for the end offset. No CRC is checked (as in Kafka).
   */
  load(): SegmentLoadResult {
    const problem = this.indexProblem();
    if (problem !== undefined) {
      const scan = this.rebuildIndexes({ verify: false, firstOffset: this.baseOffset });
      return { indexRebuildReason: problem, damage: scan.invalidReason };
    }
    if (this.index.entryCount === 0 && this.file.sizeBytes > this.settings.indexIntervalBytes) {
      // Empty is right only if at most indexIntervalBytes precede the last batch: a header scan settles it.
      const scan = this.rebuildIndexes({ verify: false, firstOffset: this.baseOffset });
      const indexRebuildReason = this.index.entryCount > 0 ? `the .index was empty for ${this.file.sizeBytes} bytes of log` : undefined;
      return { indexRebuildReason, damage: scan.invalidReason };
    }
    return { damage: this.loadFromIndexes().invalidReason };
  }

  /** Why the indexes cannot be used as they are, or undefined. */
  private indexProblem(): string | undefined {
    const sizeBytes = this.file.sizeBytes;
    if (sizeBytes === 0) return undefined;
    if (this.index.newlyCreated) return 'the .index file was missing';
    if (this.timeIndex.newlyCreated) return 'the .timeindex file was missing';
    return this.index.sanityProblem(sizeBytes) ?? this.timeIndex.sanityProblem();
  }

  /** Takes the newest time from the time index and reads the tail past the last offset-index entry. */
  private loadFromIndexes(): ScanResult {
    const last = this.index.lastEntry();
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestamp = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? this.baseOffset;
    const scan = this.file.scan(last.position, { verify: false, firstOffset: this.baseOffset }, (batch) => this.noteTimestamp(batch));
    this.nextOffset = scan.nextOffset ?? (this.index.entryCount > 0 ? last.offset + 1 : this.baseOffset);
    this.bytesSinceLastIndexEntry = this.file.sizeBytes - last.position;
    return scan;
  }

  /**
   * Checks every batch (sizes, magic, CRC, increasing offsets), rebuilds both indexes, and cuts the
   * file at the first batch that fails. Epochs of the batches kept go to `leaderEpochs` (as Kafka's
   * recovery does). Returns the bytes cut, where, and why.
   */
  recover(leaderEpochs?: LeaderEpochEntries): { truncatedBytes: number; validBytes: number; reason?: string } {
    const scan = this.rebuildIndexes({ verify: true, firstOffset: this.baseOffset }, (batch) => {
      // Kafka's recovery only adds epochs newer than the cache knows; it never rewrites history.
      if (leaderEpochs && batch.partitionLeaderEpoch > leaderEpochs.latestEpoch()) leaderEpochs.assign(batch.partitionLeaderEpoch, batch.baseOffset);
    });
    const truncatedBytes = this.file.sizeBytes - scan.validBytes;
    if (truncatedBytes > 0) this.truncateFile(scan.validBytes);
    return { truncatedBytes, validBytes: scan.validBytes, reason: scan.invalidReason };
  }

  private rebuildIndexes(options: { verify: boolean; firstOffset: number }, onBatch?: (batch: BatchInfo) => void): ScanResult {
    this.index.reset();
    this.timeIndex.reset();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    const scan = this.file.scan(0, options, (batch) => {
      onBatch?.(batch);
      this.indexBatch(batch);
    });
    this.nextOffset = scan.nextOffset ?? this.baseOffset;
    this.index.persist();
    this.timeIndex.persist();
    return scan;
  }

  /** Kafka's order: note the batch's time, then index it if enough bytes passed since the last entry. */
  private indexBatch(batch: BatchInfo): void {
    this.noteTimestamp(batch);
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes && !this.index.isFull) {
      this.index.append(batch.lastOffset, batch.position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.size;
  }

  private noteTimestamp(batch: BatchInfo): void {
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.lastOffset;
    }
  }

  /** Why the append to come should go to a new segment, or undefined. An empty segment never rolls. */
  shouldRoll(params: RollParams): RollReason | undefined {
    if (this.file.sizeBytes === 0) return undefined;
    if (this.file.sizeBytes + params.incomingBytes > params.segmentBytes) return 'segment.bytes';
    if (params.nowMs - (this.firstAppendMs ?? this.createdMs) > params.segmentMs) return 'segment.ms';
    if (this.index.isFull || this.timeIndex.isFull) return 'index full';
    if (params.maxOffset - this.baseOffset > RELATIVE_OFFSET_MAX) return 'offset range';
    return undefined;
  }

  /**
   * Appends whole, checked batches whose offsets are assigned and follow this segment's end, then
   * indexes them. The bytes go first: if the write fails (a full disk), no index entry points past
   * the data and the next append overwrites whatever part was written. No record is decoded.
   */
  append(records: Buffer, nowMs: number): void {
    let expected = this.nextOffset;
    for (const { position } of batchLocations(records)) {
      const baseOffset = batchBaseOffset(records, position);
      assert(baseOffset >= expected, () => `segment ${this.logPath}: append at offset ${baseOffset} below ${expected}`);
      expected = batchLastOffset(records, position) + 1;
    }
    assert(expected > this.nextOffset, 'append of a buffer without a whole batch');
    assert(expected - 1 - this.baseOffset <= RELATIVE_OFFSET_MAX, () => `segment ${this.logPath}: offset ${expected - 1} too far past base ${this.baseOffset}`);
    // A segment created lazily gets its three files with its first bytes, as a segment opened whole has them.
    if (this.file.awaitingCreation) this.createFiles();
    const startPosition = this.file.append(records);
    if (startPosition === 0) this.firstAppendMs = nowMs;
    for (const { position, size } of batchLocations(records)) {
      this.indexBatch({
        position: startPosition + position, size,
        baseOffset: batchBaseOffset(records, position),
        lastOffset: batchLastOffset(records, position),
        maxTimestamp: readInt64(records, position + BatchField.maxTimestamp),
        partitionLeaderEpoch: records.readInt32BE(position + BatchField.partitionLeaderEpoch),
      });
    }
    this.nextOffset = expected;
  }

  /** Walks batch headers from the position the index gives for `offset`, until `visit` says stop. */
  private scanFrom(offset: number, visit: BatchVisitor): void {
    this.file.scan(this.index.lookup(offset).position, { verify: false, firstOffset: this.baseOffset }, visit);
  }

  /** The first batch that holds `offset` or a later one, starting before `limitPosition`. */
  locate(offset: number, limitPosition = this.file.sizeBytes): BatchInfo | undefined {
    let found: BatchInfo | undefined;
    this.scanFrom(offset, (batch) => {
      if (batch.position >= limitPosition) return false;
      if (batch.lastOffset < offset) return true;
      found = batch;
      return false;
    });
    return found;
  }

  /**
   * Raw bytes of whole batches from the one holding `startOffset`, up to `maxBytes`, all of them
   * ending at or before `maxPosition`. A first batch larger than maxBytes comes whole (Kafka's
   * KIP-74), so a reader always makes progress. The bytes go into `into` when they fit (see
   * LogReadOptions.into). Undefined when no batch qualifies.
   */
  read(startOffset: number, maxBytes: number, maxPosition = this.file.sizeBytes, into?: Buffer): Buffer | undefined {
    const hinted = this.readHints.positionOf(startOffset);
    if (hinted !== undefined && hinted < maxPosition) {
      const bytes = this.readWholeBatches(hinted, Math.min(maxBytes, maxPosition - hinted), into);
      if (bytes !== undefined && batchBaseOffset(bytes) === startOffset) return bytes;
    }
    const first = this.locate(startOffset, maxPosition);
    if (!first || first.position + first.size > maxPosition) return undefined;
    return this.readWholeBatches(first.position, Math.min(Math.max(maxBytes, first.size), maxPosition - first.position), into);
  }

  /**
   * Up to `length` bytes from `position`, cut after the last whole batch (undefined when none is
   * whole); notes where the batch after them starts, for the reader's next read.
   */
  private readWholeBatches(position: number, length: number, into: Buffer | undefined): Buffer | undefined {
    const bytes = this.file.readAt(position, length, into);
    let end = 0;
    let lastStart = -1;
    while (end + LOG_OVERHEAD_BYTES <= bytes.length) {
      const size = bytes.readInt32BE(end + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
      if (size < BATCH_HEADER_BYTES || end + size > bytes.length) break;
      lastStart = end;
      end += size;
    }
    if (lastStart < 0) return undefined;
    this.readHints.remember(batchLastOffset(bytes, lastStart) + 1, position + end);
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  }

  /**
   * Whole batches from `position`, where one starts: at least that one however large, then more
   * up to `maxBytes` (the cleaner's sequential reads, with its io buffer as `into`).
   */
  readBatchesAt(position: number, maxBytes: number, into?: Buffer): Buffer {
    const first = this.file.readAt(position, LOG_OVERHEAD_BYTES).readInt32BE(BatchField.batchLength) + LOG_OVERHEAD_BYTES;
    const length = Math.min(Math.max(maxBytes, first), this.file.sizeBytes - position);
    const bytes = this.file.readAt(position, length, into);
    let end = 0;
    for (const batch of batchLocations(bytes)) end = batch.position + batch.size;
    assert(end > 0, () => `${this.logPath}: no whole batch at position ${position}`);
    return end === bytes.length ? bytes : bytes.subarray(0, end);
  }

  /**
   * Where a read bounded by `offset` (exclusive) must stop: the start of the batch holding it, or
   * of the first batch after it (Kafka bounds a read by the high watermark's batch position).
   */
  readBound(offset: number): number {
    return this.locate(offset)?.position ?? this.file.sizeBytes;
  }

  /**
   * The first record at or after `timestamp` whose offset is at least `startingOffset` (Kafka's
   * findOffsetByTimestamp): the time index narrows the scan; only a batch whose max timestamp
   * qualifies is decoded.
   */
  findOffsetByTimestamp(timestamp: number, startingOffset: number): TimestampOffset | undefined {
    const fromOffset = Math.max(this.timeIndex.lookup(timestamp).offset, startingOffset);
    let found: TimestampOffset | undefined;
    this.scanFrom(fromOffset, (batch) => {
      if (batch.maxTimestamp < timestamp || batch.lastOffset < startingOffset) return true;
      for (const record of decodeRecords(this.file.readAt(batch.position, batch.size))) {
        if (record.timestamp >= timestamp && record.offset >= startingOffset) {
          found = { timestamp: record.timestamp, offset: record.offset };
          return false;
        }
      }
      return true;
    });
    return found;
  }

  /**
   * Drops the batch holding `offset` and every later one (Kafka's LogSegment.truncateTo), so the
   * segment ends at a batch boundary at or below `offset`. Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const position = this.readBound(offset);
    const removed = this.file.sizeBytes - position;
    this.index.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.truncateFile(position);
    if (position === 0) this.firstAppendMs = undefined;
    this.loadFromIndexes();
    return removed;
  }

  /** Cuts the .log; what readers were told about positions past the cut is forgotten. */
  private truncateFile(sizeBytes: number): void {
    this.file.truncateTo(sizeBytes);
    this.readHints.clear();
  }

  /** On roll (Kafka's onBecomeInactiveSegment): a last time-index entry, indexes written out and released from memory. */
  onBecomeInactive(): void {
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
    this.index.release();
    this.timeIndex.release();
  }

  /** Frees index memory of a segment that is not the active one (after opening the log). */
  releaseIndexMemory(): void {
    this.index.release();
    this.timeIndex.release();
  }

  flush(): void {
    this.file.flush();
    this.index.flush();
    this.timeIndex.flush();
  }

  /**
   * flush() with the fsyncs off the main thread (the log cleaner's flush of a `.cleaned` segment:
   * fsyncing up to segment.bytes would stall every request the event loop serves meanwhile).
   */
  async flushInBackground(): Promise<void> {
    this.index.persist();
    this.timeIndex.persist();
    await syncFilesInBackground(this.filePaths());
  }

  close(): void {
    this.file.close();
    this.index.close();
    this.timeIndex.close();
  }

  /** Closes the three files without writing anything (a log dir gone offline). */
  closeHandlers(): void {
    this.file.close();
    this.index.closeHandlers();
    this.timeIndex.closeHandlers();
  }

  /** Closes and removes the segment's three files. */
  delete(): void {
    this.close();
    for (const file of this.filePaths()) fs.rmSync(file, { force: true });
  }
}

