/**
 * Writes Kafka's primitive types into frame chunks (chunk-writer.ts): big-endian integers,
 * int16- or varint-prefixed strings, int32- or varint-prefixed bytes. Record batches of a Fetch
 * answer go out as chunks of their own, from the buffers the segment reads filled.
 */
import { AssertionError } from '../../common/assert';
import { ChunkWriter } from '../chunk-writer';

/** The longest fixed-size value or length prefix: an int64, a float64, a 5-byte varint. */
const scalarBytesMax = 8;

/**
 * The integers are written byte by byte: Buffer's writeInt32BE and its kin cost over ten times
 * as much. Each first checks that the value fits its type, as they do: a handler's answer with a
 * number out of range is a programmer error, not bytes to send.
 */
export class KafkaWriter extends ChunkWriter {
  int8(n: number): void {
    if ((n << 24) >> 24 !== n) outOfRange('int8', n);
    this.reserve(1);
    this.buf[this.pos++] = n;
  }

  int16(n: number): void {
    if ((n << 16) >> 16 !== n) outOfRange('int16', n);
    this.put16(n);
  }

  uint16(n: number): void {
    if ((n & 0xffff) !== n) outOfRange('uint16', n);
    this.put16(n);
  }

  int32(n: number): void {
    if ((n | 0) !== n) outOfRange('int32', n);
    this.put32(n);
  }

  /** A number (an integer of at most 53 bits) as a signed 64-bit integer. */
  int64(n: number): void {
    if (!Number.isSafeInteger(n)) outOfRange('int64 (a safe integer)', n);
    const high = Math.floor(n / 4294967296);
    this.put32(high);
    this.put32(n - high * 4294967296);
  }

  private put16(n: number): void {
    this.reserve(2);
    this.buf[this.pos] = n >>> 8;
    this.buf[this.pos + 1] = n;
    this.pos += 2;
  }

  /** The low 32 bits of `n`, big-endian. */
  private put32(n: number): void {
    this.reserve(4);
    const b = this.buf;
    const at = this.pos;
    b[at] = n >>> 24;
    b[at + 1] = n >>> 16;
    b[at + 2] = n >>> 8;
    b[at + 3] = n;
    this.pos = at + 4;
  }

  float64(n: number): void {
    this.reserve(scalarBytesMax);
    this.buf.writeDoubleBE(n, this.pos);
    this.pos += 8;
  }

  bool(b: boolean): void {
    this.reserve(1);
    this.buf[this.pos++] = b ? 1 : 0;
  }

  uvarint(n: number): void {
    this.reserve(scalarBytesMax);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A string: its UTF-8 length (int16, or varint length + 1 when compact), then its UTF-8. */
  string(s: string, compact: boolean): void {
    // Topic and group names are short ASCII: copied by hand they skip two calls into C++.
    if (s.length < 64 && this.shortAscii(s, compact)) return;
    const length = Buffer.byteLength(s, 'utf8');
    if (compact) this.uvarint(length + 1);
    else this.int16(length);
    this.reserve(length);
    this.pos += this.buf.write(s, this.pos, length, 'utf8');
  }

  /** Writes `s` with its length if it is all ASCII; false, writing nothing, if not. */
  private shortAscii(s: string, compact: boolean): boolean {
    const length = s.length;
    this.reserve(2 + length);
    const at = this.pos + (compact ? 1 : 2);
    for (let i = 0; i < length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x80) return false;
      this.buf[at + i] = code;
    }
    if (compact) {
      this.buf[this.pos] = length + 1; // under 0x80: one varint byte
    } else {
      this.buf[this.pos] = 0;
      this.buf[this.pos + 1] = length;
    }
    this.pos = at + length;
    return true;
  }

  /** Bytes after their length (int32, or varint length + 1 when compact); large ones are referenced, not copied. */
  bytesValue(b: Uint8Array, compact: boolean): void {
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    this.appendBytes(b);
  }
}

function outOfRange(type: string, n: number): never {
  throw new AssertionError(`${type} out of range: ${n}`);
}
