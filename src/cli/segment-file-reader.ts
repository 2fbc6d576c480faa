/**
 * Read-only, streaming readers of segment files (`.log`, `.index`, `.timeindex`) for inspection
 * tools: generators of parsed entries that read the file in bounded chunks, never whole, and
 * report a corrupt or torn part as data instead of throwing.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  BATCH_HEADER_BYTES, BatchField, LOG_OVERHEAD_BYTES, checkBatch, readBatchHeader, type BatchHeader,
} from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';
import { OFFSET_INDEX_ENTRY_BYTES } from '../storage/offset-index';
import { TIME_INDEX_ENTRY_BYTES } from '../storage/time-index';

/** Bytes read from the file per step. */
export const readChunkBytes = 1024 * 1024;
/**
 * The largest batch the reader will hold in memory. No produced batch can be larger than a request
 * (socket.request.max.bytes, 100 MiB), so a larger declared length is corruption.
 */
export const batchBytesMax = 100 * 1024 * 1024;

/** One batch of a `.log` file. `bytes` shares the reader's buffer: use it before the generator resumes. */
export interface LogBatchEntry {
  kind: 'batch';
  position: number;
  size: number;
  header: BatchHeader;
  /** Why the batch fails the checks (magic, CRC, ...); undefined when it is valid. */
  invalidReason: string | undefined;
  bytes: Buffer;
}

/** Bytes at the end of a file that do not form a whole entry; nothing past them can be located. */
export interface TrailingGarbage {
  kind: 'garbage';
  position: number;
  sizeBytes: number;
  reason: string;
}

export interface OffsetIndexEntry {
  kind: 'offset';
  offset: number;
  position: number;
}

export interface TimeIndexEntry {
  kind: 'time';
  timestamp: number;
  offset: number;
}

export type LogFileEntry = LogBatchEntry | TrailingGarbage;
export type IndexFileEntry = OffsetIndexEntry | TimeIndexEntry | TrailingGarbage;

/** A segment file's base offset from its name (`00000000000000000042.log` -> 42). */
export function baseOffsetFromFileName(filePath: string): number {
  const match = /^(\d+)\.[a-z]+$/.exec(path.basename(filePath));
  const baseOffset = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(baseOffset)) {
    throw new Error(`cannot tell the base offset of ${filePath}: segment files are named by it, e.g. 00000000000000000000.log`);
  }
  return baseOffset;
}

/**
 * Sequential reads over a file of fixed size (taken at open: a file that grows meanwhile is read
 * as it was). Holds one buffer of `readChunkBytes`, grown only for a single larger batch.
 */
class ChunkedFile {
  private buffer: Buffer;
  /** File positions that `buffer[0..bufferLength)` holds. */
  private bufferStart = 0;
  private bufferLength = 0;

  private constructor(private readonly fd: number, readonly sizeBytes: number, chunkBytes: number) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  static open(filePath: string, chunkBytes = readChunkBytes): ChunkedFile {
    const fd = fs.openSync(filePath, 'r');
    return new ChunkedFile(fd, fs.fstatSync(fd).size, chunkBytes);
  }

  /** The file's bytes [position, position + length), which must lie inside the file; valid until the next call. */
  view(position: number, length: number): Buffer {
    if (position < this.bufferStart || position + length > this.bufferStart + this.bufferLength) {
      this.fill(position, length);
    }
    const at = position - this.bufferStart;
    return this.buffer.subarray(at, at + length);
  }

  private fill(position: number, length: number): void {
    if (length > this.buffer.length) this.buffer = Buffer.allocUnsafe(length);
    const wanted = Math.min(this.buffer.length, this.sizeBytes - position);
    let read = 0;
    while (read < wanted) {
      const n = fs.readSync(this.fd, this.buffer, read, wanted - read, position + read);
      if (n === 0) throw new Error(`file shrank while being read: ${read} of ${wanted} bytes at position ${position}`);
      read += n;
    }
    this.bufferStart = position;
    this.bufferLength = read;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Why the batch at `position` cannot even be located whole, or undefined if it can. */
function unlocatableReason(file: ChunkedFile, position: number): string | undefined {
  const remaining = file.sizeBytes - position;
  if (remaining < BATCH_HEADER_BYTES) return `torn batch header: ${remaining} bytes of ${BATCH_HEADER_BYTES}`;
  const size = file.view(position, LOG_OVERHEAD_BYTES).readInt32BE(BatchField.batchLength) + LOG_OVERHEAD_BYTES;
  if (size < BATCH_HEADER_BYTES) return `batch length ${size} below the ${BATCH_HEADER_BYTES}-byte header (zero-filled or corrupt)`;
  if (size > remaining) return `torn batch: ${size} bytes declared, ${remaining} present`;
  if (size > batchBytesMax) return `batch length ${size} above the ${batchBytesMax}-byte bound`;
  return undefined;
}

/**
 * Every batch of a `.log` file in file order, checked (magic, CRC) but reported either way. A batch
 * whose length cannot be trusted ends the walk as trailing garbage, since nothing after it can be found.
 */
export function* readLogFile(filePath: string, chunkBytes = readChunkBytes): Generator<LogFileEntry> {
  const file = ChunkedFile.open(filePath, chunkBytes);
  try {
    let position = 0;
    while (position < file.sizeBytes) {
      const reason = unlocatableReason(file, position);
      if (reason !== undefined) {
        yield { kind: 'garbage', position, sizeBytes: file.sizeBytes - position, reason };
        return;
      }
      const size = file.view(position, LOG_OVERHEAD_BYTES).readInt32BE(BatchField.batchLength) + LOG_OVERHEAD_BYTES;
      const bytes = file.view(position, size);
      const check = checkBatch(bytes, 0);
      yield { kind: 'batch', position, size, header: readBatchHeader(bytes), invalidReason: check.ok ? undefined : check.reason, bytes };
      position += size;
    }
  } finally {
    file.close();
  }
}

/**
 * Fixed-size entries of an index file, stopping (as Kafka's DumpLogSegments does) at the first entry
 * past the first whose relative offset is 0: index files may be preallocated and zero-filled.
 */
function* readFixedEntries<T>(
  filePath: string, entryBytes: number, relativeOffsetAt: number, parse: (entry: Buffer) => T,
): Generator<T | TrailingGarbage> {
  const file = ChunkedFile.open(filePath, readChunkBytes - (readChunkBytes % entryBytes));
  try {
    const wholeBytes = file.sizeBytes - (file.sizeBytes % entryBytes);
    for (let position = 0; position < wholeBytes; position += entryBytes) {
      const entry = file.view(position, entryBytes);
      if (position > 0 && entry.readUInt32BE(relativeOffsetAt) === 0) return;
      yield parse(entry);
    }
    if (wholeBytes < file.sizeBytes) {
      yield {
        kind: 'garbage', position: wholeBytes, sizeBytes: file.sizeBytes - wholeBytes,
        reason: `partial entry (entries are ${entryBytes} bytes)`,
      };
    }
  } finally {
    file.close();
  }
}

/** The `.index` entries (relative offset u32, position u32) with offsets made absolute. */
export function readOffsetIndexFile(filePath: string): Generator<OffsetIndexEntry | TrailingGarbage> {
  const baseOffset = baseOffsetFromFileName(filePath);
  return readFixedEntries(filePath, OFFSET_INDEX_ENTRY_BYTES, 0, (entry): OffsetIndexEntry => ({
    kind: 'offset', offset: baseOffset + entry.readUInt32BE(0), position: entry.readUInt32BE(4),
  }));
}

/** The `.timeindex` entries (timestamp i64, relative offset u32) with offsets made absolute. */
export function readTimeIndexFile(filePath: string): Generator<TimeIndexEntry | TrailingGarbage> {
  const baseOffset = baseOffsetFromFileName(filePath);
  return readFixedEntries(filePath, TIME_INDEX_ENTRY_BYTES, 8, (entry): TimeIndexEntry => ({
    kind: 'time', timestamp: readInt64(entry, 0), offset: baseOffset + entry.readUInt32BE(8),
  }));
}
