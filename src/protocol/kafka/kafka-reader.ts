/**
 * Reads Kafka's primitive types from one frame, checking every length against the bytes that
 * are left before it believes it: a count or a length that claims more than the frame holds is
 * a KafkaDecodeError, never an allocation of what it claims. Bytes and record batches are views
 * into the frame, not copies (as Josef's msgpack decoding gives them, frame.ts).
 */

/** A request that does not decode as its API and version say it must. */
export class KafkaDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaDecodeError';
  }
}

export class KafkaReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(bytes: number, what: string): number {
    const at = this.pos;
    if (at + bytes > this.end) throw new KafkaDecodeError(`${what} needs ${bytes} byte(s) at byte ${at}, the frame has ${this.end - at} left`);
    this.pos = at + bytes;
    return at;
  }

  // The integers are put together from their bytes here: Buffer's readInt32BE and its kin check
  // their offset again (need() has) and cost several times as much, which a Fetch or Produce
  // request with many partitions pays for every field.

  int8(): number {
    return (this.buf[this.need(1, 'int8')] << 24) >> 24;
  }

  int16(): number {
    const at = this.need(2, 'int16');
    return ((this.buf[at] << 24) | (this.buf[at + 1] << 16)) >> 16;
  }

  uint16(): number {
    const at = this.need(2, 'uint16');
    return (this.buf[at] << 8) | this.buf[at + 1];
  }

  int32(): number {
    const at = this.need(4, 'int32');
    const b = this.buf;
    return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  }

  /** A signed 64-bit integer as a number: exact up to 2^53, which covers every offset and timestamp Josef meets. */
  int64(): number {
    const high = this.int32();
    const at = this.need(4, 'int64');
    const b = this.buf;
    const low = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    return high * 4294967296 + low;
  }

  float64(): number {
    return this.buf.readDoubleBE(this.need(8, 'float64'));
  }

  bool(): boolean {
    return this.buf[this.need(1, 'bool')] !== 0;
  }

  /** An unsigned varint (KIP-482's compact lengths and tags), at most 5 bytes (32 bits). */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buf[this.need(1, 'varint')];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new KafkaDecodeError(`unsigned varint at byte ${this.pos - 5} is longer than 5 bytes`);
  }

  /** `length` bytes as a view of the frame. */
  view(length: number, what: string): Buffer {
    const at = this.need(length, what);
    return this.buf.subarray(at, at + length);
  }

  /** `length` bytes of UTF-8 as a string; `last`, the string its field decoded last, if the bytes are the same. */
  utf8(length: number, what: string, last?: LastString): string {
    const at = this.need(length, what);
    return last === undefined ? this.buf.toString('utf8', at, at + length) : last.decode(this.buf, at, length);
  }

  skip(length: number, what: string): void {
    this.need(length, what);
  }
}

/** Strings up to this many bytes are remembered by LastString. */
const lastStringBytesMax = 64;

/**
 * The string a field decoded last, and its bytes. Client ids and topic names come again request
 * after request (librdkafka sends a Produce per partition, each naming the same topic): comparing
 * a few dozen bytes in JavaScript costs less than decoding them into a new string in C++, which
 * every Map lookup by it would then hash again. One per string field of a compiled message,
 * shared by every connection (what another client sent is just a miss).
 */
export class LastString {
  private readonly bytes = Buffer.allocUnsafe(lastStringBytesMax);
  private length = -1;
  private value = '';

  /** The `length` bytes of `buf` at `at` as a string: the last one when they are its bytes. */
  decode(buf: Buffer, at: number, length: number): string {
    if (length > lastStringBytesMax) return buf.toString('utf8', at, at + length);
    if (length === this.length && this.sameBytes(buf, at)) return this.value;
    const value = buf.toString('utf8', at, at + length);
    buf.copy(this.bytes, 0, at, at + length);
    this.length = length;
    this.value = value;
    return value;
  }

  private sameBytes(buf: Buffer, at: number): boolean {
    const bytes = this.bytes;
    for (let i = this.length - 1; i >= 0; i--) if (buf[at + i] !== bytes[i]) return false; // names differ most at their end
    return true;
  }
}
