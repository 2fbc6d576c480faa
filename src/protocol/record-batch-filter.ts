/**
 * Rewriting a stored v2 batch to hold only some of its records (Kafka's MemoryRecords.filterTo, as
 * the log cleaner uses it): the batch keeps its header fields (base offset, last offset delta,
 * leader epoch, producer id, epoch and base sequence, max timestamp) so its offsets and a
 * producer's sequence numbers stay where they were; record count, length and CRC are written
 * anew. Records are copied byte for byte, except when the batch gets its delete horizon (KIP-534:
 * attribute bit 6 set, the horizon stored as the base timestamp): then each record's timestamp
 * delta is re-encoded against the new base, so every record keeps its own timestamp.
 */
import { assert } from '../common/assert';
import { BATCH_HEADER_BYTES, BatchField, LOG_OVERHEAD_BYTES, computeBatchCrc } from './record-batch';
import { readInt64, varintSize, writeInt64, writeVarint } from './varint';

/** Kafka's DefaultRecordBatch.DELETE_HORIZON_FLAG_MASK: the base timestamp is the batch's delete horizon. */
export const DELETE_HORIZON_FLAG = 0x40;

/** The delete horizon of the batch at `pos` (when its tombstones may go), or undefined when none was set. */
export function batchDeleteHorizonMs(buf: Buffer, pos: number): number | undefined {
  return buf.readInt16BE(pos + BatchField.attributes) & DELETE_HORIZON_FLAG ? readInt64(buf, pos + BatchField.baseTimestamp) : undefined;
}

/** Where one record of a batch lies and what the cleaner needs to know of it. Reused from record to record. */
export interface RecordSpan {
  /** The record's first byte (its length varint) and one past its last. */
  start: number;
  end: number;
  /** The record's attributes byte (unused in v2, kept as it is). */
  attributes: number;
  /** Where its offset delta starts: what follows the timestamp delta is copied unchanged. */
  afterTimestampDelta: number;
  timestampDelta: number;
  offsetDelta: number;
  /** -1 for a null key. */
  keyStart: number;
  keyLength: number;
  /** -1 for a null value: a tombstone. */
  valueLength: number;
}

export function emptyRecordSpan(): RecordSpan {
  return { start: 0, end: 0, attributes: 0, afterTimestampDelta: 0, timestampDelta: 0, offsetDelta: 0, keyStart: -1, keyLength: -1, valueLength: -1 };
}

/** One zig-zag varint at `cursor.pos`, advancing it. The batch was checked when it was stored. */
function varint(buf: Buffer, cursor: { pos: number }): number {
  let result = 0;
  let multiplier = 1;
  for (;;) {
    const byte = buf[cursor.pos++];
    result += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    multiplier *= 128;
  }
}

/** Calls `visit` with each record of the (stored, hence sound) batch at `pos`, in one reused span. */
export function walkRecords(buf: Buffer, pos: number, span: RecordSpan, visit: (span: RecordSpan) => void): void {
  const count = buf.readInt32BE(pos + BatchField.recordCount);
  const cursor = { pos: pos + BATCH_HEADER_BYTES };
  for (let i = 0; i < count; i++) {
    span.start = cursor.pos;
    const length = varint(buf, cursor);
    span.end = cursor.pos + length;
    span.attributes = buf[cursor.pos++];
    span.timestampDelta = varint(buf, cursor);
    span.afterTimestampDelta = cursor.pos;
    span.offsetDelta = varint(buf, cursor);
    span.keyLength = varint(buf, cursor);
    span.keyStart = span.keyLength < 0 ? -1 : cursor.pos;
    if (span.keyLength > 0) cursor.pos += span.keyLength;
    span.valueLength = varint(buf, cursor);
    cursor.pos = span.end;
    visit(span);
  }
}

/** The records of one batch that stay: their spans, copied out of the walk's reused one. */
export class RetainedRecords {
  private readonly spans: RecordSpan[] = [];
  count = 0;

  clear(): void {
    this.count = 0;
  }

  add(span: RecordSpan): void {
    if (this.count === this.spans.length) this.spans.push(emptyRecordSpan());
    Object.assign(this.spans[this.count++], span);
  }

  at(i: number): RecordSpan {
    return this.spans[i];
  }
}

/** Bytes the batch at `pos` takes with only `retained` in it and the given base timestamp. */
export function retainedBatchBytes(buf: Buffer, pos: number, retained: RetainedRecords, baseTimestampMs: number): number {
  const oldBase = readInt64(buf, pos + BatchField.baseTimestamp);
  let total = BATCH_HEADER_BYTES;
  for (let i = 0; i < retained.count; i++) total += recordBytes(retained.at(i), oldBase, baseTimestampMs);
  return total;
}

function recordBytes(span: RecordSpan, oldBase: number, newBase: number): number {
  if (oldBase === newBase) return span.end - span.start;
  const body = 1 + varintSize(span.timestampDelta + oldBase - newBase) + span.end - span.afterTimestampDelta;
  return varintSize(body) + body;
}

/**
 * Writes the batch at `pos` of `buf` holding only `retained` (in offset order; none leaves a
 * header-only batch that still spans its offsets) at `outPos` of `out`, which must have
 * retainedBatchBytes of room. With `deleteHorizonMs` the batch carries that horizon. Returns the
 * bytes written.
 */
export function writeRetainedBatch(buf: Buffer, pos: number, retained: RetainedRecords, deleteHorizonMs: number | undefined, out: Buffer, outPos: number): number {
  const oldBase = readInt64(buf, pos + BatchField.baseTimestamp);
  const newBase = deleteHorizonMs ?? oldBase;
  buf.copy(out, outPos, pos, pos + BATCH_HEADER_BYTES);
  let at = outPos + BATCH_HEADER_BYTES;
  for (let i = 0; i < retained.count; i++) {
    const span = retained.at(i);
    if (oldBase === newBase) {
      at += buf.copy(out, at, span.start, span.end);
      continue;
    }
    const timestampDelta = span.timestampDelta + oldBase - newBase;
    at = writeVarint(out, at, 1 + varintSize(timestampDelta) + span.end - span.afterTimestampDelta);
    out[at++] = span.attributes;
    at = writeVarint(out, at, timestampDelta);
    at += buf.copy(out, at, span.afterTimestampDelta, span.end);
  }
  const size = at - outPos;
  out.writeInt32BE(size - LOG_OVERHEAD_BYTES, outPos + BatchField.batchLength);
  out.writeInt32BE(retained.count, outPos + BatchField.recordCount);
  if (deleteHorizonMs !== undefined) {
    out.writeInt16BE(buf.readInt16BE(pos + BatchField.attributes) | DELETE_HORIZON_FLAG, outPos + BatchField.attributes);
    writeInt64(out, outPos + BatchField.baseTimestamp, deleteHorizonMs);
  }
  out.writeUInt32BE(computeBatchCrc(out, outPos, size), outPos + BatchField.crc);
  assert(size === retainedBatchBytes(buf, pos, retained, newBase), () => `rewritten batch at offset ${readInt64(buf, pos)} took ${size} bytes, ${retainedBatchBytes(buf, pos, retained, newBase)} were counted`);
  return size;
}
