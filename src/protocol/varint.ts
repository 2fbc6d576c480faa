/**
 * Zig-zag variable-length integers as Kafka's record format uses them (protobuf style), for
 * values up to 2^53 in magnitude. Arithmetic instead of bit operators keeps them exact past 32 bits.
 */

/** Bytes that `writeVarint` needs for `value`. */
export function varintSize(value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes `value` zig-zag encoded at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** A read position over a buffer; readers advance it. */
export class ByteCursor {
  constructor(public readonly buf: Buffer, public pos: number, public readonly end: number = buf.length) {}

  private need(bytes: number, what: string): void {
    if (this.pos + bytes > this.end) {
      throw new RangeError(`truncated ${what} at position ${this.pos} (need ${bytes} byte(s), ${this.end - this.pos} left)`);
    }
  }

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1, 'varint');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      multiplier *= 128;
    }
    throw new RangeError(`varint longer than 10 bytes at position ${this.pos}`);
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  /** A slice that shares memory with the underlying buffer. */
  bytes(length: number): Buffer {
    this.need(length, 'bytes');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

/** Reads a signed 64-bit big-endian integer as a number (exact up to 2^53). */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

/** Writes a number (|n| < 2^53) as a signed 64-bit big-endian integer. */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 4294967296);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * 4294967296, pos + 4);
}
