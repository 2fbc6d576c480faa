/**
 * One segment of a partition log: the `.log` file of whole record batches plus its sparse offset
 * and time indexes, all named by the segment's base offset. Appends are sequential synchronous
 * writes at the tracked end (page-cache speed, strictly ordered); reads return raw bytes of whole
 * batches found through the index and batch headers, never decoding a record.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../common/assert';
import {
  BATCH_HEADER_BYTES, BatchField, LOG_OVERHEAD_BYTES, batchLocations, checkBatch,
} from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';
import { segmentFileName } from './log-config';
import { OffsetIndex } from './offset-index';
import { TimeIndex } from './time-index';

/** Bytes read per step when scanning a segment (recovery, locating offsets). */
const scanChunkBytes = 1024 * 1024;
/** Bytes read per step when looking for one offset near an index entry: only headers are needed. */
const locateChunkBytes = 16 * 1024;

/** What a scan learns about one batch from its header. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** The outcome of scanning a segment: where valid data ends and, if it ended early, why. */
export interface ScanResult {
  validBytes: number;
  nextOffset: number | undefined;
  invalidReason?: string;
}

export class LogSegment {
  sizeBytes: number;
  /** One past the last offset stored here; the base offset while empty. */
  nextOffset: number;
  maxTimestamp = -1;
  private offsetOfMaxTimestamp: number;
  private bytesSinceLastIndexEntry = 0;
  /** When the first batch was appended (drives log.segment.ms); undefined while empty. */
  firstAppendMs: number | undefined;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly fd: number,
    readonly index: OffsetIndex,
    readonly timeIndex: TimeIndex,
    private readonly indexIntervalBytes: number,
  ) {
    this.sizeBytes = fs.fstatSync(fd).size;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  static logPath(dir: string, baseOffset: number): string {
    return path.join(dir, segmentFileName(baseOffset, '.log'));
  }

  /** Opens the segment's files, creating them when absent. Call load() or recover() next. */
  static open(dir: string, baseOffset: number, indexIntervalBytes: number): LogSegment {
    const logPath = LogSegment.logPath(dir, baseOffset);
    const fd = fs.openSync(logPath, fs.existsSync(logPath) ? 'r+' : 'w+');
    const index = OffsetIndex.open(path.join(dir, segmentFileName(baseOffset, '.index')), baseOffset);
    const timeIndex = TimeIndex.open(path.join(dir, segmentFileName(baseOffset, '.timeindex')), baseOffset);
    return new LogSegment(dir, baseOffset, fd, index, timeIndex, indexIntervalBytes);
  }

  get logPath(): string {
    return LogSegment.logPath(this.dir, this.baseOffset);
  }

  /**
   * Trusts the data (it is below the recovery point) but not the indexes: rebuilds them when they
   * are missing or inconsistent, and reads the tail past the last index entry for the end offset.
   */
  load(): { indexRebuilt: boolean } {
    const indexesOk = this.index.isSane(this.sizeBytes) && this.timeIndex.isSane() &&
      (this.index.entryCount > 0 || this.sizeBytes <= this.indexIntervalBytes);
    if (!indexesOk) {
      this.rebuildIndexes(false);
      return { indexRebuilt: true };
    }
    const last = this.index.lastEntry();
    const lastTime = this.timeIndex.lastEntry();
    if (lastTime) {
      this.maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = lastTime.offset;
    }
    const scan = this.scan(last.position, false, (batch) => this.noteTimestamp(batch));
    this.nextOffset = scan.nextOffset ?? this.baseOffset;
    this.bytesSinceLastIndexEntry = this.sizeBytes - last.position;
    return { indexRebuilt: false };
  }

  /**
   * Checks every batch (sizes, magic, CRC, increasing offsets), rebuilds both indexes, and cuts the
   * file at the first batch that fails. Returns the bytes cut and why (undefined reason: none cut).
   */
  recover(): { truncatedBytes: number; reason?: string } {
    const result = this.rebuildIndexes(true);
    const truncatedBytes = this.sizeBytes - result.validBytes;
    if (truncatedBytes > 0) {
      fs.ftruncateSync(this.fd, result.validBytes);
      this.sizeBytes = result.validBytes;
    }
    return { truncatedBytes, reason: result.invalidReason };
  }

  private rebuildIndexes(verify: boolean): ScanResult {
    this.index.reset();
    this.timeIndex.reset();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    const result = this.scan(0, verify, (batch) => this.indexBatch(batch));
    this.nextOffset = result.nextOffset ?? this.baseOffset;
    this.index.persist();
    this.timeIndex.persist();
    if (!verify && result.invalidReason) {
      throw new Error(`segment ${this.logPath} below the recovery point is unreadable at ${result.validBytes}: ${result.invalidReason}`);
    }
    return result;
  }

  /** Adds index entries for a batch about to be (or already) stored at `batch.position`. */
  private indexBatch(batch: BatchInfo): void {
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.index.append(batch.baseOffset, batch.position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.noteTimestamp(batch);
    this.bytesSinceLastIndexEntry += batch.size;
  }

  private noteTimestamp(batch: BatchInfo): void {
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.lastOffset;
    }
  }

  /**
   * Walks batches from `fromPosition`, reading the file in chunks, until `visit` returns false; with
   * `verify` each batch is checked whole (CRC included). Stops at the end or at the first batch that is torn, zeroed,
   * corrupt or out of order, saying where and why.
   */
  scan(fromPosition: number, verify: boolean, visit: (batch: BatchInfo) => boolean | void, chunkBytes = scanChunkBytes): ScanResult {
    let position = fromPosition;
    let nextOffset: number | undefined;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    while (position < this.sizeBytes) {
      if (position + LOG_OVERHEAD_BYTES > chunkStart + chunk.length) {
        chunk = this.readAt(position, Math.min(chunkBytes, this.sizeBytes - position));
        chunkStart = position;
      }
      const at = position - chunkStart;
      if (at + BATCH_HEADER_BYTES > chunk.length) {
        return { validBytes: position, nextOffset, invalidReason: `torn batch header (${this.sizeBytes - position} bytes at the end)` };
      }
      const size = chunk.readInt32BE(at + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
      if (size < BATCH_HEADER_BYTES || position + size > this.sizeBytes) {
        return { validBytes: position, nextOffset, invalidReason: size < BATCH_HEADER_BYTES ? `invalid batch length ${size} (zero-filled or corrupt)` : `torn batch: ${size} bytes declared, ${this.sizeBytes - position} present` };
      }
      if (at + size > chunk.length) {
        chunk = this.readAt(position, Math.max(size, Math.min(chunkBytes, this.sizeBytes - position)));
        chunkStart = position;
        continue;
      }
      const baseOffset = readInt64(chunk, at + BatchField.baseOffset);
      const lastOffset = baseOffset + chunk.readInt32BE(at + BatchField.lastOffsetDelta);
      if (verify) {
        const check = checkBatch(chunk, at, at + size);
        if (!check.ok) return { validBytes: position, nextOffset, invalidReason: check.reason };
        if (baseOffset < (nextOffset ?? this.baseOffset) || lastOffset < baseOffset) {
          return { validBytes: position, nextOffset, invalidReason: `offsets ${baseOffset}..${lastOffset} out of order (expected from ${nextOffset ?? this.baseOffset})` };
        }
      }
      if (visit({ position, size, baseOffset, lastOffset, maxTimestamp: readInt64(chunk, at + BatchField.maxTimestamp) }) === false) {
        return { validBytes: position, nextOffset };
      }
      nextOffset = lastOffset + 1;
      position += size;
    }
    return { validBytes: position, nextOffset };
  }

  /** Appends whole, checked batches whose offsets are assigned; indexes them as it goes. */
  append(records: Buffer): void {
    let firstOffset: number | undefined;
    for (const { position, size } of batchLocations(records)) {
      const baseOffset = readInt64(records, position + BatchField.baseOffset);
      const lastOffset = baseOffset + records.readInt32BE(position + BatchField.lastOffsetDelta);
      firstOffset ??= baseOffset;
      assert(baseOffset >= this.nextOffset, () => `segment ${this.logPath}: append at offset ${baseOffset} below end ${this.nextOffset}`);
      this.indexBatch({ position: this.sizeBytes + position, size, baseOffset, lastOffset, maxTimestamp: readInt64(records, position + BatchField.maxTimestamp) });
      this.nextOffset = lastOffset + 1;
    }
    assert(firstOffset !== undefined, 'append of a buffer without a whole batch');
    let written = 0;
    while (written < records.length) {
      written += fs.writeSync(this.fd, records, written, records.length - written, this.sizeBytes + written);
    }
    this.sizeBytes += records.length;
  }

  private readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.fd, buf, read, length - read, position + read);
      if (n === 0) return buf.subarray(0, read);
      read += n;
    }
    return buf;
  }

  /** The first batch that holds `offset` or a later one, scanning headers from the index's hint. */
  locate(offset: number, limitPosition = this.sizeBytes): BatchInfo | undefined {
    let found: BatchInfo | undefined;
    this.scan(this.index.lookup(offset).position, false, (batch) => {
      if (batch.position >= limitPosition) return false;
      if (batch.lastOffset < offset) return true;
      found = batch;
      return false;
    }, locateChunkBytes);
    return found;
  }

  /**
   * Raw bytes of whole batches from the one holding `startOffset`, up to `maxBytes` and never at or
   * past `maxPosition`. A first batch larger than maxBytes is returned whole (Kafka's KIP-74), so a
   * reader always makes progress.
   */
  read(startOffset: number, maxBytes: number, maxPosition = this.sizeBytes): Buffer | undefined {
    const first = this.locate(startOffset, maxPosition);
    if (!first) return undefined;
    const available = maxPosition - first.position;
    const wanted = Math.min(Math.max(maxBytes, first.size), available);
    const bytes = this.readAt(first.position, wanted);
    let wholeBytes = 0;
    for (const { position, size } of batchLocations(bytes)) wholeBytes = position + size;
    return bytes.subarray(0, wholeBytes);
  }

  /** The position of the first batch whose base offset is at or past `offset` (a read bound). */
  positionOf(offset: number): number {
    const batch = this.locate(offset);
    if (!batch) return this.sizeBytes;
    return batch.baseOffset >= offset ? batch.position : batch.position + batch.size;
  }

  /** Drops the batch holding `offset` and every later one, as Kafka does; returns the bytes removed. */
  truncateTo(offset: number): number {
    const position = this.locate(offset)?.position ?? this.sizeBytes;
    const removed = this.sizeBytes - position;
    this.index.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    fs.ftruncateSync(this.fd, position);
    this.sizeBytes = position;
    this.load();
    return removed;
  }

  /** On roll: a last time-index entry (as Kafka) so the segment's newest time is kept, and the indexes written out. */
  onBecomeInactive(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    this.index.persist();
    this.timeIndex.persist();
  }

  flush(): void {
    fs.fsyncSync(this.fd);
    this.index.flush();
    this.timeIndex.flush();
  }

  close(): void {
    fs.closeSync(this.fd);
    this.index.close();
    this.timeIndex.close();
  }

  /** Closes and removes the segment's three files. */
  delete(): void {
    this.close();
    for (const suffix of ['.log', '.index', '.timeindex'] as const) {
      fs.rmSync(path.join(this.dir, segmentFileName(this.baseOffset, suffix)), { force: true });
    }
  }
}
