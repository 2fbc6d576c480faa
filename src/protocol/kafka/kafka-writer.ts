/**
 * Writes Kafka's primitive types into frame chunks (chunk-writer.ts): big-endian integers,
 * int16- or varint-prefixed strings, int32- or varint-prefixed bytes. Record batches of a Fetch
 * answer go out as chunks of their own, from the buffers the segment reads filled.
 */
import { ChunkWriter } from '../chunk-writer';
import { writeInt64 } from '../varint';

/** The longest fixed-size value or length prefix: an int64, a float64, a 5-byte varint. */
const scalarBytesMax = 8;

export class KafkaWriter extends ChunkWriter {
  int8(n: number): void {
    this.reserve(1);
    this.buf.writeInt8(n, this.pos);
    this.pos += 1;
  }

  int16(n: number): void {
    this.reserve(2);
    this.buf.writeInt16BE(n, this.pos);
    this.pos += 2;
  }

  uint16(n: number): void {
    this.reserve(2);
    this.buf.writeUInt16BE(n, this.pos);
    this.pos += 2;
  }

  int32(n: number): void {
    this.reserve(4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4;
  }

  int64(n: number): void {
    this.reserve(scalarBytesMax);
    writeInt64(this.buf, this.pos, n);
    this.pos += 8;
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
    if (compact) this.buf[this.pos] = length + 1; // under 0x80: one varint byte
    else this.buf.writeInt16BE(length, this.pos);
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
