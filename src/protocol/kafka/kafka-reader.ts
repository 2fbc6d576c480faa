/**
 * Reads Kafka's primitive types from one frame, checking every length against the bytes that
 * are left before it believes it: a count or a length that claims more than the frame holds is
 * a KafkaDecodeError, never an allocation of what it claims. Bytes and record batches are views
 * into the frame, not copies (as Josef's msgpack decoding gives them, frame.ts).
 */
import { readInt64 } from '../varint';

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

  int8(): number {
    return this.buf.readInt8(this.need(1, 'int8'));
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2, 'int16'));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.need(2, 'uint16'));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4, 'int32'));
  }

  /** A signed 64-bit integer as a number: exact up to 2^53, which covers every offset and timestamp Josef meets. */
  int64(): number {
    return readInt64(this.buf, this.need(8, 'int64'));
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

  /** `length` bytes of UTF-8 as a string. */
  utf8(length: number, what: string): string {
    const at = this.need(length, what);
    return this.buf.toString('utf8', at, at + length);
  }

  skip(length: number, what: string): void {
    this.need(length, what);
  }
}
