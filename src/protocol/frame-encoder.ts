/**
 * Writes one Josef frame (length prefix + msgpack value) as a list of chunks for a gathered write
 * (writev), without copying large binary values: a record batch goes to the socket from the
 * Buffer it is in (chunk-writer.ts). Only the plain msgpack types the messages use are written
 * (maps from plain objects, arrays, strings, numbers, booleans, nil, bin); anything else is a
 * programmer error. Integers beyond 32 bits are written as float64, as msgpackr writes them.
 */
import { ChunkWriter, type FrameChunks } from './chunk-writer';

export { ZERO_COPY_BYTES_MIN, type FrameChunks } from './chunk-writer';

/** The longest header any value needs: a str32 / bin32 / map32 tag plus its length, or a float64. */
const headerBytesMax = 9;

/** msgpack's fix forms: the tag a short length is or-ed into, and the longest length it holds. */
const fixStr = { tag: 0xa0, max: 31 } as const;
const fixArray = { tag: 0x90, max: 15 } as const;
const fixMap = { tag: 0x80, max: 15 } as const;

class FrameWriter extends ChunkWriter {
  write(value: unknown): void {
    switch (typeof value) {
      case 'number':
        this.writeNumber(value);
        return;
      case 'string':
        this.writeString(value);
        return;
      case 'boolean':
        this.byte(value ? 0xc3 : 0xc2);
        return;
      case 'undefined':
        this.byte(0xc0);
        return;
      case 'bigint':
        this.reserve(headerBytesMax);
        this.buf[this.pos] = 0xd3;
        this.buf.writeBigInt64BE(value, this.pos + 1);
        this.pos += 9;
        return;
      case 'object':
        if (value === null) this.byte(0xc0);
        else if (Array.isArray(value)) this.writeArray(value);
        else if (value instanceof Uint8Array) this.writeBin(value);
        else this.writeMap(value as Record<string, unknown>);
        return;
      default:
        throw new TypeError(`a frame cannot carry a ${typeof value}`);
    }
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  /** A type tag for a length: the fix form when it fits, else the 8-bit (if any), 16- and 32-bit forms. */
  private lengthHeader(length: number, fix: { tag: number; max: number } | undefined, tag8: number | undefined, tag16: number, tag32: number): void {
    this.reserve(headerBytesMax);
    if (fix !== undefined && length <= fix.max) {
      this.buf[this.pos++] = fix.tag | length;
    } else if (tag8 !== undefined && length <= 0xff) {
      this.buf[this.pos++] = tag8;
      this.buf[this.pos++] = length;
    } else if (length <= 0xffff) {
      this.buf[this.pos++] = tag16;
      this.buf.writeUInt16BE(length, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = tag32;
      this.buf.writeUInt32BE(length, this.pos);
      this.pos += 4;
    }
  }

  private writeNumber(n: number): void {
    this.reserve(headerBytesMax);
    const at = this.pos;
    // -0 is an integer to JavaScript but not to msgpack: as a double it reads back as -0, as msgpackr writes it.
    if (!Number.isInteger(n) || n > 0xffffffff || n < -0x80000000 || Object.is(n, -0)) {
      this.buf[at] = 0xcb;
      this.buf.writeDoubleBE(n, at + 1);
      this.pos += 9;
    } else if (n >= 0) {
      if (n <= 0x7f) {
        this.buf[at] = n;
        this.pos += 1;
      } else if (n <= 0xff) {
        this.buf[at] = 0xcc;
        this.buf[at + 1] = n;
        this.pos += 2;
      } else if (n <= 0xffff) {
        this.buf[at] = 0xcd;
        this.buf.writeUInt16BE(n, at + 1);
        this.pos += 3;
      } else {
        this.buf[at] = 0xce;
        this.buf.writeUInt32BE(n, at + 1);
        this.pos += 5;
      }
    } else if (n >= -32) {
      this.buf[at] = n & 0xff;
      this.pos += 1;
    } else if (n >= -0x80) {
      this.buf[at] = 0xd0;
      this.buf.writeInt8(n, at + 1);
      this.pos += 2;
    } else if (n >= -0x8000) {
      this.buf[at] = 0xd1;
      this.buf.writeInt16BE(n, at + 1);
      this.pos += 3;
    } else {
      this.buf[at] = 0xd2;
      this.buf.writeInt32BE(n, at + 1);
      this.pos += 5;
    }
  }

  private writeString(s: string): void {
    // Field names and topic names are short ASCII: copied by hand, they skip two calls into C++
    // (byteLength, utf8Write), which cost more than the copy for a few characters.
    if (s.length <= fixStr.max && this.writeShortAscii(s)) return;
    const length = Buffer.byteLength(s, 'utf8');
    this.lengthHeader(length, fixStr, 0xd9, 0xda, 0xdb);
    this.reserve(length);
    this.pos += this.buf.write(s, this.pos, length, 'utf8');
  }

  /** Writes `s` as a fixstr if it is all ASCII (then its UTF-8 is its char codes); false, writing nothing, if not. */
  private writeShortAscii(s: string): boolean {
    const length = s.length;
    this.reserve(1 + length);
    const at = this.pos + 1;
    for (let i = 0; i < length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x80) return false;
      this.buf[at + i] = code;
    }
    this.buf[this.pos] = fixStr.tag | length;
    this.pos = at + length;
    return true;
  }

  private writeBin(bytes: Uint8Array): void {
    this.lengthHeader(bytes.length, undefined, 0xc4, 0xc5, 0xc6);
    this.appendBytes(bytes);
  }

  private writeArray(items: readonly unknown[]): void {
    this.lengthHeader(items.length, fixArray, undefined, 0xdc, 0xdd);
    for (const item of items) this.write(item);
  }

  private writeMap(map: Record<string, unknown>): void {
    const prototype: unknown = Object.getPrototypeOf(map);
    if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`a frame cannot carry a ${map.constructor?.name ?? 'non-plain object'}`);
    const keys = Object.keys(map);
    this.lengthHeader(keys.length, fixMap, undefined, 0xde, 0xdf);
    for (const key of keys) {
      this.writeString(key);
      this.write(map[key]);
    }
  }
}

/** The frame of `value`: its length prefix and msgpack encoding, as chunks to write in order. */
export function encodeFrameChunks(value: unknown): FrameChunks {
  const writer = new FrameWriter();
  writer.startFrame();
  writer.write(value);
  return writer.finishFrame();
}
