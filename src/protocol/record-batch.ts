/**
 * Kafka's v2 RecordBatch, byte for byte: the one format that producers build, brokers check and
 * append, segment files store and consumers decode. The CRC-32C covers attributes..end, so a
 * broker can assign the base offset and leader epoch in place without touching it.
 */
import { crc32c } from '@node-rs/crc32';
import { ByteCursor, readInt64, varintSize, writeInt64, writeVarint } from './varint';

export const MAGIC_V2 = 2;
/** Bytes before the first record. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset (8) + batchLength (4): the bytes not counted by batchLength (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD_BYTES = 12;

/** Field positions inside a batch, relative to its first byte. */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** attributes bits 0-2: the compression codec; Josef writes none and reads none. */
export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** What a producer hands over for one record. */
export interface RecordInput {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** CreateTime in ms since the epoch; defaults to the batch's base timestamp. */
  timestamp?: number;
}

/** One record read back out of a batch, with its absolute offset and timestamp. */
export interface BatchRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Defaults to the first record's timestamp, or now. */
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** Total bytes of the batch starting at `pos` (header says so), or -1 if fewer than 12 bytes remain. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  if (pos + LOG_OVERHEAD_BYTES > buf.length) return -1;
  return buf.readInt32BE(pos + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
}

export function batchBaseOffset(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BatchField.baseOffset);
}

export function batchLastOffset(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BatchField.baseOffset) + buf.readInt32BE(pos + BatchField.lastOffsetDelta);
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (pos + BATCH_HEADER_BYTES > buf.length) {
    throw new RangeError(`record batch header truncated at position ${pos}: ${buf.length - pos} of ${BATCH_HEADER_BYTES} bytes`);
  }
  return {
    baseOffset: readInt64(buf, pos + BatchField.baseOffset),
    batchLength: buf.readInt32BE(pos + BatchField.batchLength),
    partitionLeaderEpoch: buf.readInt32BE(pos + BatchField.partitionLeaderEpoch),
    magic: buf.readInt8(pos + BatchField.magic),
    crc: buf.readUInt32BE(pos + BatchField.crc),
    attributes: buf.readInt16BE(pos + BatchField.attributes),
    lastOffsetDelta: buf.readInt32BE(pos + BatchField.lastOffsetDelta),
    baseTimestamp: readInt64(buf, pos + BatchField.baseTimestamp),
    maxTimestamp: readInt64(buf, pos + BatchField.maxTimestamp),
    producerId: readInt64(buf, pos + BatchField.producerId),
    producerEpoch: buf.readInt16BE(pos + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(pos + BatchField.baseSequence),
    recordCount: buf.readInt32BE(pos + BatchField.recordCount),
  };
}

/** The CRC-32C of the batch at `pos` as stored bytes say it should be (attributes..end). */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf.subarray(pos + BatchField.attributes, pos + size)) >>> 0;
}

export type BatchCheck = { ok: true; size: number } | { ok: false; reason: string };

/**
 * Checks the batch at `pos` without decoding its records: length within the buffer and sane,
 * magic 2, CRC-32C, no compression (Josef neither writes nor reads compressed batches).
 */
export function checkBatch(buf: Buffer, pos: number, end = buf.length): BatchCheck {
  if (pos + BATCH_HEADER_BYTES > end) return { ok: false, reason: `truncated header (${end - pos} bytes)` };
  const size = buf.readInt32BE(pos + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
  if (size < BATCH_HEADER_BYTES) return { ok: false, reason: `batch length ${size} below the ${BATCH_HEADER_BYTES}-byte header` };
  if (pos + size > end) return { ok: false, reason: `truncated batch: ${size} bytes declared, ${end - pos} present` };
  const magic = buf.readInt8(pos + BatchField.magic);
  if (magic !== MAGIC_V2) return { ok: false, reason: `magic ${magic}, expected ${MAGIC_V2}` };
  const stored = buf.readUInt32BE(pos + BatchField.crc);
  const computed = computeBatchCrc(buf, pos, size);
  if (stored !== computed) {
    return { ok: false, reason: `CRC mismatch: stored ${stored.toString(16)}, computed ${computed.toString(16)}` };
  }
  if (buf.readInt32BE(pos + BatchField.lastOffsetDelta) < 0 || buf.readInt32BE(pos + BatchField.recordCount) < 0) {
    return { ok: false, reason: 'negative lastOffsetDelta or recordCount' };
  }
  return { ok: true, size };
}

const recordBytesFields = ['key', 'value'] as const;

/** Moves `cursor` past `length` bytes of `what`, refusing to leave the bytes it may read. */
function skipBytes(cursor: ByteCursor, length: number, what: string): void {
  if (length < 0 || length > cursor.end - cursor.pos) throw new RangeError(`${what} of ${length} bytes at position ${cursor.pos} (${cursor.end - cursor.pos} left)`);
  cursor.pos += length;
}

/** The value of the last varint read by varintAt (a module variable: no object per varint). */
let varintValue = 0;

/**
 * Reads the zig-zag varint (or varlong) at `p`, which must end before `end`: returns the position
 * after it, with its value in varintValue, or -1. One-byte varints, most of a record's fields, take
 * the first branch.
 */
function varintAt(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  const first = buf[p];
  if (first < 0x80) {
    varintValue = first & 1 ? -((first + 1) / 2) : first / 2;
    return p + 1;
  }
  let result = first & 0x7f;
  let multiplier = 128;
  for (let i = 1; i < 10; i++) {
    if (p + i >= end) return -1;
    const byte = buf[p + i];
    result += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      varintValue = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return p + i + 1;
    }
    multiplier *= 128;
  }
  return -1;
}

/** Moves past a length-prefixed field (-1: null, when `nullable`) that must end by `end`; -1 when it cannot. */
function skipField(buf: Buffer, p: number, end: number, nullable: boolean): number {
  const next = varintAt(buf, p, end);
  if (next < 0) return -1;
  const length = varintValue;
  if (length === -1 && nullable) return next;
  return length < 0 || next + length > end ? -1 : next + length;
}

/** True when every record of the batch is sound (see recordsProblem); a tight walk, no allocation. */
function recordsSound(buf: Buffer, pos: number, size: number): boolean {
  const count = buf.readInt32BE(pos + BatchField.recordCount);
  const end = pos + size;
  let p = pos + BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    p = varintAt(buf, p, end);
    if (p < 0 || varintValue <= 0 || p + varintValue > end) return false;
    const recordEnd = p + varintValue;
    p = varintAt(buf, p + 1, recordEnd); // after the attributes byte: timestampDelta
    if (p < 0) return false;
    p = varintAt(buf, p, recordEnd); // offsetDelta
    if (p < 0 || varintValue !== i) return false;
    p = skipField(buf, p, recordEnd, true); // key
    if (p < 0) return false;
    p = skipField(buf, p, recordEnd, true); // value
    if (p < 0) return false;
    p = varintAt(buf, p, recordEnd);
    if (p < 0 || varintValue < 0) return false;
    for (let h = varintValue; h > 0; h--) {
      p = skipField(buf, p, recordEnd, false); // header key
      if (p < 0) return false;
      p = skipField(buf, p, recordEnd, true); // header value
      if (p < 0) return false;
    }
    if (p !== recordEnd) return false;
  }
  return p === end;
}

/**
 * What Kafka's LogValidator finds wrong when it reads a leader's records one by one, which the
 * CRC cannot (a client computes it over whatever it sends): records of the batch at `pos` (whole,
 * `size` bytes, checked by checkBatch) that overrun the length they declare or the batch, offset
 * deltas other than 0, 1, 2..., negative lengths other than -1 (null), bytes after the last
 * record. Undefined when the records are sound. On every produce: a tight walk decides, and only
 * a batch found wrong is walked again to say what is wrong.
 */
export function recordsProblem(buf: Buffer, pos: number, size: number): string | undefined {
  if (recordsSound(buf, pos, size)) return undefined;
  return describeRecordsProblem(buf, pos, size) ?? 'a record does not end where its length says';
}

/** recordsProblem's message, found by a second, slower walk that names what is wrong (exported for the test that holds both walks to the same verdicts). */
export function describeRecordsProblem(buf: Buffer, pos: number, size: number): string | undefined {
  const count = buf.readInt32BE(pos + BatchField.recordCount);
  const cursor = new ByteCursor(buf, pos + BATCH_HEADER_BYTES, pos + size);
  let i = 0;
  try {
    for (; i < count; i++) {
      const length = cursor.varint();
      const recordEnd = cursor.pos + length;
      if (length <= 0 || recordEnd > cursor.end) return `record ${i} declares ${length} bytes, ${cursor.end - cursor.pos} left in the batch`;
      cursor.int8(); // attributes
      cursor.varint(); // timestampDelta
      const offsetDelta = cursor.varint();
      if (offsetDelta !== i) return `record ${i} has offset delta ${offsetDelta}`;
      for (const field of recordBytesFields) {
        const fieldLength = cursor.varint();
        if (fieldLength !== -1) skipBytes(cursor, fieldLength, `record ${i}'s ${field}`);
      }
      const headerCount = cursor.varint();
      if (headerCount < 0) return `record ${i} has ${headerCount} headers`;
      for (let h = 0; h < headerCount; h++) {
        skipBytes(cursor, cursor.varint(), `record ${i}'s header key`);
        const valueLength = cursor.varint();
        if (valueLength !== -1) skipBytes(cursor, valueLength, `record ${i}'s header value`);
      }
      if (cursor.pos !== recordEnd) return `record ${i} declares ${length} bytes but holds ${length + cursor.pos - recordEnd}`;
    }
  } catch (err) {
    if (err instanceof RangeError) return `record ${i}: ${err.message}`;
    throw err;
  }
  return cursor.pos === cursor.end ? undefined : `${cursor.end - cursor.pos} bytes after the last of its ${count} records`;
}

/**
 * The index of the first record of the (whole, sound) batch at `pos` that has no key, or -1 when
 * every record has one. A tight walk over the record headers, for compacted topics only.
 */
export function firstKeylessRecord(buf: Buffer, pos: number): number {
  const count = buf.readInt32BE(pos + BatchField.recordCount);
  const end = pos + buf.readInt32BE(pos + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
  let p = pos + BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    p = varintAt(buf, p, end);
    const recordEnd = p + varintValue;
    p = varintAt(buf, p + 1, recordEnd); // after the attributes byte: timestampDelta
    p = varintAt(buf, p, recordEnd); // offsetDelta
    varintAt(buf, p, recordEnd); // key length
    if (varintValue < 0) return i;
    p = recordEnd;
  }
  return -1;
}

/** Sets base offset and leader epoch in place; the CRC does not cover them, so it stays valid. */
export function assignOffsetsInPlace(buf: Buffer, pos: number, baseOffset: number, partitionLeaderEpoch: number): void {
  writeInt64(buf, pos + BatchField.baseOffset, baseOffset);
  buf.writeInt32BE(partitionLeaderEpoch, pos + BatchField.partitionLeaderEpoch);
}

function headerBytes(headers: RecordHeader[] | undefined): number {
  let size = varintSize(headers ? headers.length : 0);
  if (!headers) return size;
  for (const h of headers) {
    const keyLength = Buffer.byteLength(h.key);
    size += varintSize(keyLength) + keyLength;
    size += h.value === null ? varintSize(-1) : varintSize(h.value.length) + h.value.length;
  }
  return size;
}

/**
 * Bytes of a record's body (everything after its length varint) at `offsetDelta` and
 * `timestampDelta`; the record takes varintSize(body) + body bytes in its batch.
 */
export function recordBodySize(record: RecordInput, offsetDelta: number, timestampDelta: number): number {
  const key = record.key ?? null;
  const value = record.value;
  return (
    1 + // attributes
    varintSize(timestampDelta) +
    varintSize(offsetDelta) +
    (key === null ? 1 : varintSize(key.length) + key.length) +
    (value === null ? 1 : varintSize(value.length) + value.length) +
    headerBytes(record.headers)
  );
}

/** Builds one uncompressed v2 batch holding `records`, CRC included. */
export function encodeRecordBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a record batch holds at least one record');
  const baseTimestamp = options.baseTimestamp ?? records[0].timestamp ?? Date.now();
  let maxTimestamp = baseTimestamp;
  const bodySizes = new Array<number>(records.length);
  let total = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const timestamp = records[i].timestamp ?? baseTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const body = recordBodySize(records[i], i, timestamp - baseTimestamp);
    bodySizes[i] = body;
    total += varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    pos = writeRecord(buf, pos, records[i], bodySizes[i], i, (records[i].timestamp ?? baseTimestamp) - baseTimestamp);
  }
  writeBatchHeader(buf, 0, { ...options, sizeBytes: total, recordCount: records.length, baseTimestamp, maxTimestamp });
  return buf;
}

/** What a batch's header says besides the constants (magic 2, no attributes) and the CRC. */
export interface BatchHeaderFields extends BatchOptions {
  /** The whole batch, header included. */
  sizeBytes: number;
  recordCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

/**
 * Writes the 61-byte header of the batch at `pos` whose records are already written after it,
 * and last the CRC-32C over attributes..end: the one place a batch is sealed.
 */
export function writeBatchHeader(buf: Buffer, pos: number, fields: BatchHeaderFields): void {
  writeInt64(buf, pos + BatchField.baseOffset, fields.baseOffset ?? 0);
  buf.writeInt32BE(fields.sizeBytes - LOG_OVERHEAD_BYTES, pos + BatchField.batchLength);
  buf.writeInt32BE(fields.partitionLeaderEpoch ?? -1, pos + BatchField.partitionLeaderEpoch);
  buf.writeInt8(MAGIC_V2, pos + BatchField.magic);
  buf.writeInt16BE(0, pos + BatchField.attributes);
  buf.writeInt32BE(fields.recordCount - 1, pos + BatchField.lastOffsetDelta);
  writeInt64(buf, pos + BatchField.baseTimestamp, fields.baseTimestamp);
  writeInt64(buf, pos + BatchField.maxTimestamp, fields.maxTimestamp);
  writeInt64(buf, pos + BatchField.producerId, fields.producerId ?? -1);
  buf.writeInt16BE(fields.producerEpoch ?? -1, pos + BatchField.producerEpoch);
  buf.writeInt32BE(fields.baseSequence ?? -1, pos + BatchField.baseSequence);
  buf.writeInt32BE(fields.recordCount, pos + BatchField.recordCount);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, fields.sizeBytes), pos + BatchField.crc);
}

function writeBytesField(buf: Buffer, pos: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos); // TypedArray set: cheaper than Buffer.copy for the small values of most records
  return pos + bytes.length;
}

/** Writes one record (length varint, then `bodySize` bytes of body) at `pos`; returns the position after it. */
export function writeRecord(buf: Buffer, pos: number, record: RecordInput, bodySize: number, offsetDelta: number, timestampDelta: number): number {
  pos = writeVarint(buf, pos, bodySize);
  buf[pos++] = 0; // record attributes: unused in v2
  pos = writeVarint(buf, pos, timestampDelta);
  pos = writeVarint(buf, pos, offsetDelta);
  pos = writeBytesField(buf, pos, record.key ?? null);
  pos = writeBytesField(buf, pos, record.value);
  const headers = record.headers ?? [];
  pos = writeVarint(buf, pos, headers.length);
  for (const h of headers) {
    const keyLength = Buffer.byteLength(h.key);
    pos = writeVarint(buf, pos, keyLength);
    pos += buf.write(h.key, pos, 'utf8');
    pos = writeBytesField(buf, pos, h.value);
  }
  return pos;
}

function readBytesField(cursor: ByteCursor): Buffer | null {
  const length = cursor.varint();
  return length < 0 ? null : cursor.bytes(length);
}

/**
 * Decodes the records of the (already checked) batch at `pos`. Keys, values and header values
 * share memory with `buf`: copy what must outlive it.
 */
export function decodeRecords(buf: Buffer, pos = 0): BatchRecord[] {
  const header = readBatchHeader(buf, pos);
  const codec = header.attributes & COMPRESSION_CODEC_MASK;
  if (codec !== 0) {
    throw new RangeError(`batch at offset ${header.baseOffset} is compressed with ${COMPRESSION_NAMES[codec] ?? codec}; Josef reads only uncompressed batches`);
  }
  const end = pos + header.batchLength + LOG_OVERHEAD_BYTES;
  const cursor = new ByteCursor(buf, pos + BATCH_HEADER_BYTES, end);
  const records = new Array<BatchRecord>(header.recordCount);
  for (let i = 0; i < header.recordCount; i++) {
    const length = cursor.varint();
    const recordEnd = cursor.pos + length;
    cursor.int8(); // attributes
    const timestampDelta = cursor.varint();
    const offsetDelta = cursor.varint();
    const key = readBytesField(cursor);
    const value = readBytesField(cursor);
    const headerCount = cursor.varint();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const keyLength = cursor.varint();
      const headerKey = cursor.bytes(keyLength).toString('utf8');
      headers.push({ key: headerKey, value: readBytesField(cursor) });
    }
    if (cursor.pos !== recordEnd) {
      throw new RangeError(`record ${i} of batch at offset ${header.baseOffset} declares ${length} bytes but holds ${cursor.pos - (recordEnd - length)}`);
    }
    records[i] = { offset: header.baseOffset + offsetDelta, timestamp: header.baseTimestamp + timestampDelta, key, value, headers };
  }
  return records;
}

/** Where one batch sits in a buffer of concatenated batches. */
export interface BatchLocation {
  position: number;
  size: number;
}

/**
 * Walks concatenated batches by their length fields only. Stops before a batch that does not fit
 * whole (a fetch may end in a partial batch, as in Kafka).
 */
export function* batchLocations(buf: Buffer, start = 0, end = buf.length): Generator<BatchLocation> {
  let pos = start;
  while (pos + LOG_OVERHEAD_BYTES <= end) {
    const size = buf.readInt32BE(pos + BatchField.batchLength) + LOG_OVERHEAD_BYTES;
    if (size < BATCH_HEADER_BYTES || pos + size > end) return;
    yield { position: pos, size };
    pos += size;
  }
}

/** Decodes every whole batch in `buf` (e.g. a fetch response's record bytes) into records. */
export function decodeBatches(buf: Buffer): BatchRecord[] {
  const out: BatchRecord[] = [];
  for (const { position } of batchLocations(buf)) {
    for (const record of decodeRecords(buf, position)) out.push(record);
  }
  return out;
}
