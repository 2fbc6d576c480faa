/**
 * The `.log` file of a segment (Kafka's FileRecords): whole record batches back to back. Appends
 * are synchronous positional writes at the tracked end, which always equals the file's size, so
 * appends land strictly in order at page-cache speed. Scans walk batches by their headers and
 * read a batch whole only when asked to verify it; no scan decodes a record. Its descriptor comes
 * from the process's file-handle cache: an idle segment's file is closed and reopened on use.
 */
import * as fs from 'fs';
import { assert } from '../common/assert';
import { type CachedFile, segmentFileHandles } from './file-handle-cache';
import { BATCH_HEADER_BYTES, BatchField, LOG_OVERHEAD_BYTES, checkBatch } from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';

/** Bytes read per step when a scan verifies batches (recovery). */
const verifyChunkBytes = 1024 * 1024;
/** Bytes read per step when a scan needs only batch headers (finding an offset, loading a tail). */
const headerChunkBytes = 16 * 1024;
/** The chunk header scans share (scans are synchronous, so one at a time uses it). */
const sharedHeaderChunk = Buffer.allocUnsafeSlow(headerChunkBytes);
let sharedHeaderChunkBusy = false;

/** What a scan learns about one batch from its header. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
}

/** Where a scan stopped: the end of the valid bytes and, if it stopped early, why. */
export interface ScanResult {
  validBytes: number;
  /** One past the last offset of the last batch visited; undefined when none was. */
  nextOffset: number | undefined;
  invalidReason?: string;
}

export interface ScanOptions {
  /** Check every batch whole (sizes, magic, CRC) and that offsets increase from `firstOffset`. */
  verify: boolean;
  /** The smallest base offset the first batch may have (the segment's base). */
  firstOffset: number;
}

/** A visitor returns false to stop the scan before the batch it was shown. */
export type BatchVisitor = (batch: BatchInfo) => boolean | void;

export class LogFile {
  private constructor(private readonly file: CachedFile, private size: number) {}

  get path(): string {
    return this.file.path;
  }

  /** Renames the file (open descriptors follow it): the log cleaner's suffix changes. */
  renameTo(newPath: string): void {
    this.file.renameTo(newPath);
  }

  /** Opens (or creates) the file for positional reads and writes. */
  static open(path: string): LogFile {
    const { file } = segmentFileHandles.openFile(path);
    return new LogFile(file, fs.fstatSync(file.fd).size);
  }

  /** The empty file of a log created now, made on disk at its first use. */
  static createLazily(path: string): LogFile {
    return new LogFile(segmentFileHandles.fileToCreate(path), 0);
  }

  get awaitingCreation(): boolean {
    return this.file.isAwaitingCreation;
  }

  /** Makes the file on disk if it still awaits its first use. */
  create(): void {
    this.file.create();
  }

  get sizeBytes(): number {
    return this.size;
  }

  /**
   * Writes `records` at the end; returns the position they start at. If a write fails midway the
   * tracked end stays put, so the next append overwrites the partial bytes.
   */
  append(records: Buffer): number {
    const position = this.size;
    let written = 0;
    while (written < records.length) {
      written += fs.writeSync(this.file.fd, records, written, records.length - written, position + written);
    }
    this.size += records.length;
    return position;
  }

  /**
   * Exactly `length` bytes from `position`: at the start of `into` when it is large enough (a view
   * of it is returned), else in a fresh Buffer of that size.
   */
  readAt(position: number, length: number, into?: Buffer): Buffer {
    assert(position >= 0 && position + length <= this.size, () => `${this.path}: read of ${length} bytes at ${position} past the end (${this.size})`);
    const buf = into !== undefined && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    const read = this.readInto(buf, 0, length, position);
    assert(read === length, () => `${this.path}: read ${read} of ${length} bytes at ${position}`);
    return buf;
  }

  private readInto(buf: Buffer, offset: number, length: number, position: number): number {
    let read = 0;
    while (read < length) {
      const n = fs.readSync(this.file.fd, buf, offset + read, length - read, position + read);
      if (n === 0) break;
      read += n;
    }
    return read;
  }

  /**
   * Walks batches from `fromPosition` until `visit` returns false or the file ends. Stops at the
   * first batch that is torn, zero-filled, or (verifying) corrupt or out of order, saying where and
   * why. One chunk buffer serves the whole scan; a verified batch larger than it gets its own. A
   * header scan borrows the shared chunk (every read finds its first batch this way, so a fresh
   * buffer per scan would be an allocation per read); a scan started from inside another one's
   * visitor gets its own.
   */
  scan(fromPosition: number, options: ScanOptions, visit: BatchVisitor): ScanResult {
    const borrowed = !options.verify && !sharedHeaderChunkBusy;
    if (borrowed) sharedHeaderChunkBusy = true;
    try {
      return this.scanWith(borrowed ? sharedHeaderChunk : undefined, fromPosition, options, visit);
    } finally {
      if (borrowed) sharedHeaderChunkBusy = false;
    }
  }

  private scanWith(sharedChunk: Buffer | undefined, fromPosition: number, options: ScanOptions, visit: BatchVisitor): ScanResult {
    const chunkBytes = options.verify ? verifyChunkBytes : headerChunkBytes;
    let chunk = sharedChunk ?? Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(this.size - fromPosition, 0)));
    let chunkStart = 0;
    let chunkLength = 0;
    let position = fromPosition;
    let nextOffset: number | undefined;
    const stop = (invalidReason?: string): ScanResult => ({ validBytes: position, nextOffset, invalidReason });
    while (position < this.size) {
      if (position + BATCH_HEADER_BYTES > this.size) return stop(`torn batch header: ${this.size - position} bytes at the end`);
      if (position + BATCH_HEADER_BYTES > chunkStart + chunkLength) {
        chunkStart = position;
        chunkLength = this.readInto(chunk, 0, Math.min(chunk.length, this.size - position), position);
      }
      let at = position - chunkStart;
      const size = chunk.readInt32BE(at + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
      if (size < BATCH_HEADER_BYTES) return stop(`invalid batch length ${size - LOG_OVERHEAD_BYTES} (zero-filled or corrupt)`);
      if (position + size > this.size) return stop(`torn batch: ${size} bytes declared, ${this.size - position} present`);
      const baseOffset = readInt64(chunk, at + BatchField.baseOffset);
      const lastOffset = baseOffset + chunk.readInt32BE(at + BatchField.lastOffsetDelta);
      const expected = nextOffset ?? options.firstOffset;
      if (options.verify) {
        if (at + size > chunkLength) {
          if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
          chunkStart = position;
          chunkLength = this.readInto(chunk, 0, Math.min(chunk.length, this.size - position), position);
          at = 0;
        }
        const check = checkBatch(chunk, at, at + size);
        if (!check.ok) return stop(check.reason);
        if (baseOffset < expected || lastOffset < baseOffset) {
          return stop(`offsets ${baseOffset}..${lastOffset} out of order (expected from ${expected})`);
        }
      }
      const batch: BatchInfo = {
        position, size, baseOffset, lastOffset,
        maxTimestamp: readInt64(chunk, at + BatchField.maxTimestamp),
        partitionLeaderEpoch: chunk.readInt32BE(at + BatchField.partitionLeaderEpoch),
      };
      if (visit(batch) === false) return stop();
      nextOffset = lastOffset + 1;
      position += size;
    }
    return stop();
  }

  /** Cuts the file to `sizeBytes`. */
  truncateTo(sizeBytes: number): void {
    assert(sizeBytes >= 0 && sizeBytes <= this.size, () => `${this.path}: truncate to ${sizeBytes} of ${this.size} bytes`);
    fs.ftruncateSync(this.file.fd, sizeBytes);
    this.size = sizeBytes;
  }

  /** By path: a retention check does not open an idle segment's file. */
  lastModifiedMs(): number {
    this.file.create();
    return fs.statSync(this.path).mtimeMs;
  }

  /** Sets the file's modification time (a cleaned segment keeps the time of the segments it replaces, as in Kafka). */
  setLastModifiedMs(ms: number): void {
    fs.futimesSync(this.file.fd, new Date(), new Date(ms));
  }

  /** fsync is per file, not per descriptor: one reopened after an eviction flushes what earlier ones wrote. */
  flush(): void {
    fs.fsyncSync(this.file.fd);
  }

  close(): void {
    this.file.close();
  }
}

/** fsyncs a folder, so renames and new files in it survive a crash of the machine. */
export function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * fsyncs files through descriptors of their own, off the main thread: a segment closed or deleted
 * meanwhile is no hazard (a file already gone is skipped). fsync is per file, not per descriptor.
 */
export async function syncFilesInBackground(paths: readonly string[]): Promise<void> {
  for (const filePath of paths) {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(filePath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
