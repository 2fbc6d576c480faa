/**
 * The log of one partition: an ordered list of segments, the last one active. It assigns offsets
 * (as leader) or keeps the leader's (as follower), rolls segments, applies retention, truncates,
 * and serves reads as raw bytes of whole batches. Offsets are contiguous from logStartOffset to
 * logEndOffset - 1; every stored batch passed its CRC check before it was written.
 */
import * as fs from 'fs';
import type { Clock } from '../common/clock';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import {
  BatchField, assignOffsetsInPlace, batchLocations, checkBatch, decodeRecords,
} from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';
import { LeaderEpochFileCache } from './leader-epoch-cache';
import type { LogConfig } from './log-config';
import { LogSegment } from './log-segment';

export interface LogAppendInfo {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  /** -1: CreateTime is kept (Kafka's default message.timestamp.type). */
  logAppendTimeMs: number;
}

export interface LogReadOptions {
  maxBytes: number;
  /** Batches at or past this offset are not returned (the high watermark for consumers). */
  maxOffsetExclusive?: number;
}

export interface LogOpenOptions {
  /** Segments holding offsets at or past this point are checked batch by batch. */
  recoveryPoint: number;
  /** The last shutdown flushed everything: no segment needs checking. */
  hadCleanShutdown: boolean;
  clock: Clock;
  logger: Logger;
}

const segmentLogSuffix = /^(\d{20})\.log$/;
const leftoverSuffixes = ['.deleted', '.cleaned', '.swap', '.tmp'];

export class PartitionLog {
  private segments: LogSegment[] = [];
  /** Everything below this offset is known to be on disk (fsynced). */
  recoveryPoint: number;
  private unflushedRecords = 0;
  private lastFlushMs: number;
  readonly leaderEpochCache: LeaderEpochFileCache;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    public config: LogConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    recoveryPoint: number,
  ) {
    this.recoveryPoint = recoveryPoint;
    this.lastFlushMs = clock.nowMs();
    this.leaderEpochCache = LeaderEpochFileCache.open(dir);
  }

  /** Opens the log in `dir` (created when missing), recovering what a crash may have left. */
  static open(dir: string, topic: string, partition: number, config: LogConfig, options: LogOpenOptions): PartitionLog {
    fs.mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(dir, topic, partition, config, options.clock, options.logger, options.recoveryPoint);
    log.loadSegments(options.hadCleanShutdown);
    return log;
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  private loadSegments(hadCleanShutdown: boolean): void {
    const baseOffsets: number[] = [];
    for (const file of fs.readdirSync(this.dir)) {
      if (leftoverSuffixes.some((s) => file.endsWith(s))) {
        fs.rmSync(`${this.dir}/${file}`, { force: true });
        this.logger.info(`${this.name}: removed leftover file ${file}`);
        continue;
      }
      const match = segmentLogSuffix.exec(file);
      if (match) baseOffsets.push(Number(match[1]));
    }
    baseOffsets.sort((a, b) => a - b);
    for (let i = 0; i < baseOffsets.length; i++) {
      const segment = LogSegment.open(this.dir, baseOffsets[i], this.config.indexIntervalBytes);
      const nextBase = baseOffsets[i + 1] ?? Infinity;
      const needsRecovery = !hadCleanShutdown && nextBase > this.recoveryPoint;
      if (needsRecovery) {
        const { truncatedBytes, reason } = segment.recover();
        if (truncatedBytes > 0) {
          this.logger.warn(`${this.name}: recovery cut ${truncatedBytes} bytes from ${segment.logPath} at position ${segment.sizeBytes}: ${reason}`);
        }
      } else if (segment.load().indexRebuilt) {
        this.logger.warn(`${this.name}: rebuilt the missing or inconsistent index of ${segment.logPath}`);
      }
      this.segments.push(segment);
    }
    this.dropSegmentsAfterGap();
    if (this.segments.length === 0) this.segments.push(LogSegment.open(this.dir, 0, this.config.indexIntervalBytes));
    if (this.recoveryPoint > this.logEndOffset) this.recoveryPoint = this.logEndOffset;
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
  }

  /** A segment cut short by recovery cannot be followed by later ones: their offsets would leave a gap. */
  private dropSegmentsAfterGap(): void {
    for (let i = 1; i < this.segments.length; i++) {
      if (this.segments[i - 1].nextOffset < this.segments[i].baseOffset && this.segments[i - 1].sizeBytes > 0) {
        const dropped = this.segments.splice(i);
        for (const s of dropped) {
          this.logger.warn(`${this.name}: deleting ${s.logPath}: it follows a segment that recovery truncated at offset ${this.segments[i - 1].nextOffset}`);
          s.delete();
        }
        return;
      }
    }
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  get logStartOffset(): number {
    return this.segments[0].baseOffset;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /**
   * Checks every batch of a producer's records, assigns offsets from the log end and the leader
   * epoch in place (outside the CRC), and appends the same bytes.
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): LogAppendInfo {
    const batches = this.validate(records);
    let nextOffset = this.logEndOffset;
    const baseOffset = nextOffset;
    let recordCount = 0;
    for (const { position } of batches) {
      assignOffsetsInPlace(records, position, nextOffset, leaderEpoch);
      const count = records.readInt32BE(position + BatchField.lastOffsetDelta) + 1;
      nextOffset += count;
      recordCount += records.readInt32BE(position + BatchField.recordCount);
    }
    this.leaderEpochCache.assign(leaderEpoch, baseOffset);
    this.appendChecked(records);
    return { baseOffset, lastOffset: nextOffset - 1, recordCount, logAppendTimeMs: -1 };
  }

  /** Appends a leader's batches as they are (offsets, epochs); they must continue this log. */
  appendAsFollower(records: Buffer): LogAppendInfo {
    const batches = this.validate(records);
    const baseOffset = readInt64(records, BatchField.baseOffset);
    if (baseOffset !== this.logEndOffset) {
      throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE, `${this.name}: follower append at offset ${baseOffset}, log end is ${this.logEndOffset}`);
    }
    let expected = baseOffset;
    let recordCount = 0;
    for (const { position } of batches) {
      const first = readInt64(records, position + BatchField.baseOffset);
      if (first !== expected) {
        throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${this.name}: batch at offset ${first} does not follow offset ${expected - 1}`);
      }
      this.leaderEpochCache.assign(records.readInt32BE(position + BatchField.partitionLeaderEpoch), first);
      expected = first + records.readInt32BE(position + BatchField.lastOffsetDelta) + 1;
      recordCount += records.readInt32BE(position + BatchField.recordCount);
    }
    this.appendChecked(records);
    return { baseOffset, lastOffset: expected - 1, recordCount, logAppendTimeMs: -1 };
  }

  private validate(records: Buffer): { position: number; size: number }[] {
    const batches: { position: number; size: number }[] = [];
    let position = 0;
    while (position < records.length) {
      const check = checkBatch(records, position);
      if (!check.ok) {
        throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${this.name}: batch at byte ${position} of the request: ${check.reason}`);
      }
      if (check.size > this.config.maxMessageBytes) {
        throw new JosefError(ErrorCode.MESSAGE_TOO_LARGE, `${this.name}: batch of ${check.size} bytes exceeds message.max.bytes ${this.config.maxMessageBytes}`);
      }
      batches.push({ position, size: check.size });
      position += check.size;
    }
    if (batches.length === 0) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${this.name}: no record batch in the request`);
    return batches;
  }

  private appendChecked(records: Buffer): void {
    this.maybeRoll(records.length);
    this.active.append(records);
    if (this.active.firstAppendMs === undefined) this.active.firstAppendMs = this.clock.nowMs();
    this.unflushedRecords += 1;
    if (this.unflushedRecords >= this.config.flushIntervalMessages) this.flush();
  }

  private maybeRoll(incomingBytes: number): void {
    const active = this.active;
    if (active.sizeBytes === 0) return;
    const full = active.sizeBytes + incomingBytes > this.config.segmentBytes;
    const old = active.firstAppendMs !== undefined && this.clock.nowMs() - active.firstAppendMs >= this.config.segmentMs;
    if (full || old) this.roll();
  }

  /** Starts a new active segment named by the log end offset. */
  roll(): void {
    if (this.active.sizeBytes === 0) return;
    this.active.onBecomeInactive();
    this.segments.push(LogSegment.open(this.dir, this.logEndOffset, this.config.indexIntervalBytes));
    this.logger.debug(`${this.name}: rolled a new segment at offset ${this.logEndOffset}`);
  }

  /**
   * Raw bytes of whole batches from `startOffset` on. Offsets outside [logStartOffset, logEndOffset]
   * are OFFSET_OUT_OF_RANGE; at the end, or with nothing below maxOffsetExclusive, it is empty.
   */
  read(startOffset: number, options: LogReadOptions): Buffer {
    if (startOffset < this.logStartOffset || startOffset > this.logEndOffset) {
      throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE, `${this.name}: offset ${startOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}]`);
    }
    const limit = Math.min(options.maxOffsetExclusive ?? this.logEndOffset, this.logEndOffset);
    if (startOffset >= limit) return Buffer.alloc(0);
    for (let i = this.segmentIndexFor(startOffset); i < this.segments.length; i++) {
      const segment = this.segments[i];
      if (segment.baseOffset >= limit) break;
      const maxPosition = limit < segment.nextOffset ? segment.positionOf(limit) : segment.sizeBytes;
      const bytes = segment.read(startOffset, options.maxBytes, maxPosition);
      if (bytes && bytes.length > 0) return bytes;
    }
    return Buffer.alloc(0);
  }

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
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | undefined {
    const segment = this.segments.find((s) => s.maxTimestamp >= timestamp);
    if (!segment) return undefined;
    const from = Math.max(segment.timeIndex.lookup(timestamp).offset, this.logStartOffset);
    let offset = from;
    while (offset < segment.nextOffset) {
      const bytes = segment.read(offset, 1 << 20);
      if (!bytes || bytes.length === 0) break;
      for (const { position } of batchLocations(bytes)) {
        if (readInt64(bytes, position + BatchField.maxTimestamp) < timestamp) continue;
        const hit = decodeRecords(bytes, position).find((r) => r.timestamp >= timestamp && r.offset >= from);
        if (hit) return { offset: hit.offset, timestamp: hit.timestamp };
      }
      let last = offset;
      for (const { position } of batchLocations(bytes)) last = readInt64(bytes, position) + bytes.readInt32BE(position + BatchField.lastOffsetDelta);
      offset = last + 1;
    }
    return undefined;
  }

  /**
   * Deletes whole old segments past log.retention.ms or over log.retention.bytes, never the active
   * one, and moves the log start offset. Returns how many went.
   */
  deleteRetentionSegments(): number {
    const now = this.clock.nowMs();
    let total = this.sizeBytes;
    let deleted = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const expired = this.config.retentionMs >= 0 && oldest.maxTimestamp >= 0 && now - oldest.maxTimestamp > this.config.retentionMs;
      const oversize = this.config.retentionBytes >= 0 && total - oldest.sizeBytes >= this.config.retentionBytes;
      if (!expired && !oversize) break;
      this.segments.shift();
      total -= oldest.sizeBytes;
      oldest.delete();
      deleted++;
      this.logger.info(`${this.name}: retention deleted segment ${oldest.baseOffset} (${expired ? 'log.retention.ms' : 'log.retention.bytes'}); log start is now ${this.logStartOffset}`);
    }
    if (deleted > 0) this.leaderEpochCache.truncateFromStart(this.logStartOffset);
    return deleted;
  }

  /** Drops every record at or past `offset` (a follower whose history parted from the leader's). */
  truncateTo(offset: number): void {
    if (offset >= this.logEndOffset) return;
    if (offset <= this.logStartOffset) {
      this.truncateFullyAndStartAt(offset);
      return;
    }
    while (this.active.baseOffset >= offset) {
      const segment = this.segments.pop() as LogSegment;
      segment.delete();
    }
    const removed = this.active.truncateTo(offset);
    this.leaderEpochCache.truncateFromEnd(offset);
    if (this.recoveryPoint > offset) this.recoveryPoint = offset;
    this.logger.info(`${this.name}: truncated to offset ${offset} (${removed} bytes from the last kept segment)`);
  }

  /** Deletes everything and starts empty at `offset` (a follower behind the leader's log start). */
  truncateFullyAndStartAt(offset: number): void {
    for (const segment of this.segments) segment.delete();
    this.segments = [LogSegment.open(this.dir, offset, this.config.indexIntervalBytes)];
    this.leaderEpochCache.clear();
    this.recoveryPoint = offset;
    this.logger.info(`${this.name}: emptied the log; it starts at offset ${offset}`);
  }

  /** fsyncs what is not yet on disk and moves the recovery point to the log end. */
  flush(): void {
    const from = this.segmentIndexFor(this.recoveryPoint);
    for (let i = from; i < this.segments.length; i++) this.segments[i].flush();
    this.recoveryPoint = this.logEndOffset;
    this.unflushedRecords = 0;
    this.lastFlushMs = this.clock.nowMs();
  }

  /** log.flush.interval.ms: called by the log manager's timer. */
  maybeFlushByTime(): void {
    if (this.recoveryPoint < this.logEndOffset && this.clock.nowMs() - this.lastFlushMs >= this.config.flushIntervalMs) this.flush();
  }

  close(): void {
    for (const segment of this.segments) segment.close();
  }

  /** Closes the log and removes its folder. */
  delete(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
