/**
 * One cleaning of one compacted log (Kafka's Cleaner.doClean): an offset map of the dirty part
 * (each key's latest offset there), then the log from its first segment up to where the map
 * reaches, copied group by group into `.cleaned` segments holding only the records
 * cleaning-rules.ts keeps, each group swapped in as PartitionLog.replaceSegments does it. Offsets
 * stay where they were; batches keep their headers. It runs on the broker's event loop and hands
 * it back after every ~sliceMs of work (requests wait at most that long behind it) and whenever
 * the throttler says the cleaner reads and writes too fast; after each pause it checks that the
 * log is still as it found it (no truncation, no segment deleted, not closed) and that it was not
 * aborted, else it drops what it wrote and stops.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { Clock } from '../common/clock';
import { EventLoopSlice } from '../common/event-loop-slice';
import { BatchField, LOG_OVERHEAD_BYTES, batchLastOffset, batchLocations } from '../protocol/record-batch';
import {
  RetainedRecords, batchDeleteHorizonMs, emptyRecordSpan, retainedBatchBytes, walkRecords, writeRetainedBatch, type RecordSpan,
} from '../protocol/record-batch-filter';
import { readInt64 } from '../protocol/varint';
import type { LogToClean } from './cleanable-logs';
import { deleteHorizonFor, groupSegmentsBySize, shouldRetainRecord, type RecordToClean } from './cleaning-rules';
import { CLEANED_FILE_SUFFIX, SEGMENT_FILE_SUFFIXES, fullLogConfig, segmentFileName, segmentIndexBytesOf } from './log-config';
import { LogSegment } from './log-segment';
import { OFFSET_MAP_SLOT_BYTES, OffsetMap } from './offset-map';
import type { PartitionLog } from './partition-log';
import type { Throttler } from './throttler';

export interface CleanerSettings {
  /** This cleaner's share of log.cleaner.dedupe.buffer.size: the most its offset map may take. */
  dedupeBufferBytes: number;
  /** log.cleaner.io.buffer.load.factor. */
  loadFactor: number;
  /** Bytes read (and, apart, written) per step: half this cleaner's share of log.cleaner.io.buffer.size. */
  ioBufferBytes: number;
}

/** The longest stretch of cleaning work between two turns of the event loop. */
const sliceMs = 2;
/**
 * The most the cleaner reads between two looks at the clock: at the tens of MB/s it cleans, 32 KiB
 * is about a millisecond of work, so a slice ends near sliceMs, where a whole io buffer (256 KiB a
 * side by default) would keep requests waiting several times that.
 */
const sliceReadBytes = 32 * 1024;

/** What a cleaning did, for the cleaner's log line and the benchmark (Kafka's CleanerStats). */
export interface CleanerStats {
  mapBytesRead: number;
  mapRecordsRead: number;
  bytesRead: number;
  recordsRead: number;
  bytesWritten: number;
  recordsWritten: number;
  /** Share of the offset map's slots in use. */
  bufferUtilization: number;
  startMs: number;
  mapDoneMs: number;
  endMs: number;
}

export interface CleanResult {
  /** Everything below it is clean now: the next cleaning's first dirty offset (the checkpoint). */
  endOffset: number;
  stats: CleanerStats;
}

/** The cleaning stopped because the log changed under it, or it was asked to; nothing of it stays. */
export class CleaningAbortedError extends Error {
  constructor(log: string, why: string) {
    super(`cleaning of ${log} aborted: ${why}`);
    this.name = 'CleaningAbortedError';
  }
}

export interface CleanOptions {
  /** True once the cleaning must stop (the log is being deleted, truncated, or the broker stops). */
  isAborted: () => boolean;
  /** Runs after every file operation of a swap (the crash test kills the process there). */
  onSwapStep?: (what: string) => void;
}

export class Cleaner {
  private readonly readBuffer: Buffer;
  private writeBuffer: Buffer;
  private readonly slice = new EventLoopSlice(sliceMs);

  constructor(private readonly settings: CleanerSettings, private readonly throttler: Throttler, private readonly clock: Clock) {
    this.readBuffer = Buffer.allocUnsafe(settings.ioBufferBytes);
    this.writeBuffer = Buffer.allocUnsafe(settings.ioBufferBytes);
  }

  /** Cleans `log` from its start up to where the offset map of its dirty part reaches. */
  async clean(log: PartitionLog, toClean: LogToClean, options: CleanOptions): Promise<CleanResult> {
    const stats: CleanerStats = {
      mapBytesRead: 0, mapRecordsRead: 0, bytesRead: 0, recordsRead: 0, bytesWritten: 0, recordsWritten: 0, bufferUtilization: 0,
      startMs: this.clock.nowMs(), mapDoneMs: 0, endMs: 0,
    };
    const segments = log.logSegments().slice(0, -1);
    const truncations = log.truncationCount;
    const checkStill = (): void => {
      if (options.isAborted()) throw new CleaningAbortedError(log.name, 'asked to stop');
      if (!log.stillHolds(segments, truncations)) throw new CleaningAbortedError(log.name, 'the log changed (truncated, segments deleted, or closed)');
    };
    this.slice.restart();
    const map = this.newOffsetMap(toClean);
    const dirty = segments.filter((s, i) => s.baseOffset < toClean.firstUncleanableOffset && (segments[i + 1]?.baseOffset ?? Infinity) > toClean.firstDirtyOffset);
    await this.buildOffsetMap(dirty, toClean.firstDirtyOffset, map, stats, checkStill);
    if (map.latestOffset < toClean.firstDirtyOffset) {
      throw new Error(`${log.name}: the offset map (${map.maxEntries} entries, log.cleaner.dedupe.buffer.size) cannot hold the keys of one batch at offset ${toClean.firstDirtyOffset}`);
    }
    const endOffset = map.latestOffset + 1;
    stats.mapDoneMs = this.clock.nowMs();
    stats.bufferUtilization = map.utilization;
    const config = fullLogConfig(log.config);
    const toGroup = segments.filter((s) => s.baseOffset < endOffset);
    const groups = groupSegmentsBySize(
      toGroup.map((s) => ({ baseOffset: s.baseOffset, sizeBytes: s.sizeBytes, indexBytes: s.index.sizeBytes, timeIndexBytes: s.timeIndex.sizeBytes })),
      config.segmentBytes, segmentIndexBytesOf(config), toClean.firstUncleanableOffset,
    );
    const nowMs = this.clock.nowMs();
    for (const group of groups) {
      const old = group.map((i) => toGroup[i]);
      const cleaned = await this.cleanSegments(log, old, map, nowMs, config.deleteRetentionMs, stats, checkStill, options.onSwapStep);
      segments.splice(segments.indexOf(old[0]), old.length, cleaned);
    }
    stats.endMs = this.clock.nowMs();
    return { endOffset, stats };
  }

  /** A map sized to the dirty offsets it may have to hold, within this cleaner's share of the dedupe buffer. */
  private newOffsetMap(toClean: LogToClean): OffsetMap {
    const slotsMax = Math.max(1, Math.floor(this.settings.dedupeBufferBytes / OFFSET_MAP_SLOT_BYTES));
    const wanted = Math.ceil((toClean.firstUncleanableOffset - toClean.firstDirtyOffset) / this.settings.loadFactor) + 1;
    return new OffsetMap(Math.min(slotsMax, wanted), this.settings.loadFactor);
  }

  /** Kafka's buildOffsetMap: every keyed record from `start` on, segment by segment, until the map is full. */
  private async buildOffsetMap(dirty: readonly LogSegment[], start: number, map: OffsetMap, stats: CleanerStats, checkStill: () => void): Promise<void> {
    const span = emptyRecordSpan();
    for (const segment of dirty) {
      let position = segment.index.lookup(start).position;
      while (position < segment.sizeBytes) {
        await this.pause();
        checkStill();
        const bytes = segment.readBatchesAt(position, Math.min(this.readBuffer.length, sliceReadBytes), this.readBuffer);
        for (const { position: at, size } of batchLocations(bytes)) {
          const base = readInt64(bytes, at + BatchField.baseOffset);
          let full = false;
          walkRecords(bytes, at, span, (record: RecordSpan) => {
            stats.mapRecordsRead++;
            if (full || record.keyLength < 0 || base + record.offsetDelta < start) return;
            full = !map.put(bytes, record.keyStart, record.keyLength, base + record.offsetDelta);
          });
          // A batch mapped in part does not count: the next cleaning maps it again, whole.
          if (full) return;
          const lastOffset = batchLastOffset(bytes, at);
          if (lastOffset >= start) map.updateLatestOffset(lastOffset);
          stats.mapBytesRead += size;
        }
        position += bytes.length;
        await this.throttler.maybeThrottle(bytes.length);
      }
    }
  }

  /**
   * Kafka's cleanSegments: the group's segments copied into one `.cleaned` segment named by the
   * first one's base offset, flushed, with the last one's modification time, and swapped in for
   * them (in the same turn of the event loop as the last check that the log is as found).
   */
  private async cleanSegments(
    log: PartitionLog, old: readonly LogSegment[], map: OffsetMap, nowMs: number, deleteRetentionMs: number, stats: CleanerStats,
    checkStill: () => void, onSwapStep: ((what: string) => void) | undefined,
  ): Promise<LogSegment> {
    const dir = log.dir;
    const baseOffset = old[0].baseOffset;
    for (const suffix of SEGMENT_FILE_SUFFIXES) fs.rmSync(path.join(dir, segmentFileName(baseOffset, suffix) + CLEANED_FILE_SUFFIX), { force: true });
    const config = fullLogConfig(log.config);
    const cleaned = LogSegment.open(dir, baseOffset, { indexIntervalBytes: config.indexIntervalBytes, segmentIndexBytes: segmentIndexBytesOf(config) }, nowMs, CLEANED_FILE_SUFFIX);
    try {
      let lastBatch: Buffer | undefined;
      for (const segment of old) {
        const last = await this.cleanInto(segment, cleaned, map, nowMs, deleteRetentionMs, stats, checkStill);
        lastBatch = last ?? lastBatch;
      }
      // Recovery finishes an interrupted swap by deleting the old segments up to where the new one
      // ends: if the last old segment kept nothing, an empty batch keeps its offsets (Kafka keeps
      // empty batches too) so that it is deleted with the others.
      const lastOld = old[old.length - 1];
      if (lastBatch !== undefined && cleaned.nextOffset <= lastOld.baseOffset && batchLastOffset(lastBatch) >= lastOld.baseOffset) {
        this.retained.clear();
        const size = writeRetainedBatch(lastBatch, 0, this.retained, batchDeleteHorizonMs(lastBatch, 0), this.writeBuffer, 0);
        cleaned.append(this.writeBuffer.subarray(0, size), nowMs);
      }
      cleaned.onBecomeInactive();
      await cleaned.flushInBackground();
      cleaned.lastModifiedMs = lastOld.lastModifiedMs;
      checkStill();
    } catch (err) {
      cleaned.delete();
      throw err;
    }
    log.replaceSegments([cleaned], old, onSwapStep);
    return cleaned;
  }

  private readonly retained = new RetainedRecords();
  private readonly span = emptyRecordSpan();
  private readonly record: RecordToClean = { offset: 0, hasKey: false, isTombstone: false, latestOffsetOfKey: -1 };

  /**
   * Kafka's cleanInto: the segment's batches, each with only its retained records, appended to
   * `cleaned`. Returns a copy of the segment's last batch as it was (undefined for an empty segment).
   */
  private async cleanInto(
    segment: LogSegment, cleaned: LogSegment, map: OffsetMap, nowMs: number, deleteRetentionMs: number, stats: CleanerStats, checkStill: () => void,
  ): Promise<Buffer | undefined> {
    let position = 0;
    let lastBatch: Buffer | undefined;
    while (position < segment.sizeBytes) {
      await this.pause();
      checkStill();
      const bytes = segment.readBatchesAt(position, Math.min(this.readBuffer.length, sliceReadBytes), this.readBuffer);
      let written = 0;
      for (const { position: at, size } of batchLocations(bytes)) {
        stats.bytesRead += size;
        const batch = this.cleanBatch(bytes, at, map, nowMs, deleteRetentionMs, stats);
        if (at + size === bytes.length && position + bytes.length === segment.sizeBytes) lastBatch = Buffer.from(bytes.subarray(at, at + size));
        if (batch === undefined) continue;
        if (written + batch.sizeBytes > this.writeBuffer.length) {
          written = this.flushWritten(cleaned, written, nowMs, stats);
          if (batch.sizeBytes > this.writeBuffer.length) this.writeBuffer = Buffer.allocUnsafe(batch.sizeBytes);
        }
        written += batch.whole
          ? bytes.copy(this.writeBuffer, written, at, at + size)
          : writeRetainedBatch(bytes, at, this.retained, batch.deleteHorizonMs, this.writeBuffer, written);
      }
      this.flushWritten(cleaned, written, nowMs, stats);
      position += bytes.length;
      await this.throttler.maybeThrottle(bytes.length + written);
    }
    return lastBatch;
  }

  /** Appends what the write buffer holds to the cleaned segment; returns 0 (the buffer is free again). */
  private flushWritten(cleaned: LogSegment, written: number, nowMs: number, stats: CleanerStats): number {
    if (written === 0) return 0;
    cleaned.append(this.writeBuffer.subarray(0, written), nowMs);
    stats.bytesWritten += written;
    return 0;
  }

  /**
   * Decides the batch at `at`: fills `this.retained` and returns its size, its delete horizon, and
   * whether it stays as it is (every record kept, no new horizon: Kafka writes the original batch),
   * or undefined when nothing of it stays (Kafka drops an empty batch).
   */
  private cleanBatch(
    bytes: Buffer, at: number, map: OffsetMap, nowMs: number, deleteRetentionMs: number, stats: CleanerStats,
  ): { sizeBytes: number; deleteHorizonMs: number | undefined; whole: boolean } | undefined {
    const base = readInt64(bytes, at + BatchField.baseOffset);
    const horizonMs = batchDeleteHorizonMs(bytes, at);
    const retained = this.retained;
    const record = this.record;
    retained.clear();
    let keepsTombstone = false;
    walkRecords(bytes, at, this.span, (span) => {
      stats.recordsRead++;
      record.offset = base + span.offsetDelta;
      record.hasKey = span.keyLength >= 0;
      record.isTombstone = span.valueLength < 0;
      record.latestOffsetOfKey = record.hasKey ? map.get(bytes, span.keyStart, span.keyLength) : -1;
      if (!shouldRetainRecord(record, map.latestOffset, horizonMs, nowMs)) return;
      retained.add(span);
      keepsTombstone ||= record.isTombstone;
    });
    if (retained.count === 0) return undefined;
    stats.recordsWritten += retained.count;
    const deleteHorizonMs = deleteHorizonFor(horizonMs, keepsTombstone, nowMs, deleteRetentionMs);
    if (retained.count === bytes.readInt32BE(at + BatchField.recordCount) && deleteHorizonMs === horizonMs) {
      return { sizeBytes: bytes.readInt32BE(at + BatchField.batchLength) + LOG_OVERHEAD_BYTES, deleteHorizonMs, whole: true };
    }
    return { sizeBytes: retainedBatchBytes(bytes, at, retained, deleteHorizonMs ?? readInt64(bytes, at + BatchField.baseTimestamp)), deleteHorizonMs, whole: false };
  }

  /**
   * Gives the event loop a turn once a slice of work is done (real time: this is about how long
   * requests wait, not about the log's clock). Callers check the log is as they found it after
   * every await, this one and the throttler's.
   */
  private pause(): Promise<void> {
    return this.slice.pause();
  }
}
