/**
 * Writes one frame (length prefix + msgpack value) as a list of chunks for a gathered write
 * (writev), without copying large binary values: a record batch goes to the socket from the
 * Buffer it is in (the producer's batch buffer, the bytes a Fetch read from a segment), which is
 * what "disk format = wire format" buys. Only the plain msgpack types the messages use are
 * written (maps from plain objects, arrays, strings, numbers, booleans, nil, bin); anything else
 * is a programmer error. Integers beyond 32 bits are written as float64, as msgpackr writes them.
 *
 * Memory: the small parts are carved from a shared slab that only moves forward (a full slab is
 * replaced, never rewritten), so a chunk stays valid while a write holds it. A large Buffer in a
 * frame is referenced, not copied: its owner must not change it until the write is done.
 */
import { assert } from '../common/assert';

/** Binary values at least this long are referenced rather than copied into the frame. */
export const ZERO_COPY_BYTES_MIN = 1024;
/** The slab small parts are carved from. */
const slabBytes = 64 * 1024;
/** Bytes of the length prefix (Kafka's size field). */
const lengthPrefixBytes = 4;
/** The longest header any value needs: a str32 / bin32 / map32 tag plus its length, or a float64. */
const headerBytesMax = 9;

/** msgpack's fix forms: the tag a short length is or-ed into, and the longest length it holds. */
const fixStr = { tag: 0xa0, max: 31 } as const;
const fixArray = { tag: 0x90, max: 15 } as const;
const fixMap = { tag: 0x80, max: 15 } as const;

let slab = Buffer.allocUnsafeSlow(slabBytes);
/** Where the next write into the slab goes. */
let slabPosition = 0;

/** A frame's pieces in order, and their total length. */
export interface FrameChunks {
  chunks: Buffer[];
  bytes: number;
}

class FrameWriter {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  /** Start of the piece of the slab written since the last chunk was cut. */
  private pieceStart = slabPosition;

  /** Room for `n` more bytes in the slab, cutting the piece so far and taking a new slab if needed. */
  private reserve(n: number): void {
    if (slabPosition + n <= slab.length) return;
    this.cutPiece();
    slab = Buffer.allocUnsafeSlow(Math.max(slabBytes, n));
    slabPosition = 0;
    this.pieceStart = 0;
  }

  /** Ends the current slab piece as a chunk. */
  cutPiece(): void {
    if (slabPosition > this.pieceStart) {
      this.chunks.push(slab.subarray(this.pieceStart, slabPosition));
      this.bytes += slabPosition - this.pieceStart;
    }
    this.pieceStart = slabPosition;
  }

  /** Reserves the length prefix; fillLengthPrefix writes it once the value is done. */
  startFrame(): void {
    this.reserve(lengthPrefixBytes);
    slabPosition += lengthPrefixBytes;
  }

  fillLengthPrefix(): void {
    const first = this.chunks[0];
    const valueBytes = this.bytes - lengthPrefixBytes;
    assert(first !== undefined && first.length >= lengthPrefixBytes && valueBytes > 0 && valueBytes <= 0xffffffff, () => `frame value of ${valueBytes} bytes`);
    first.writeUInt32BE(valueBytes, 0);
  }

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
        slab[slabPosition] = 0xd3;
        slab.writeBigInt64BE(value, slabPosition + 1);
        slabPosition += 9;
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
    slab[slabPosition++] = b;
  }

  /** A type tag for a length: the fix form when it fits, else the 8-bit (if any), 16- and 32-bit forms. */
  private lengthHeader(length: number, fix: { tag: number; max: number } | undefined, tag8: number | undefined, tag16: number, tag32: number): void {
    this.reserve(headerBytesMax);
    if (fix !== undefined && length <= fix.max) {
      slab[slabPosition++] = fix.tag | length;
    } else if (tag8 !== undefined && length <= 0xff) {
      slab[slabPosition++] = tag8;
      slab[slabPosition++] = length;
    } else if (length <= 0xffff) {
      slab[slabPosition++] = tag16;
      slab.writeUInt16BE(length, slabPosition);
      slabPosition += 2;
    } else {
      slab[slabPosition++] = tag32;
      slab.writeUInt32BE(length, slabPosition);
      slabPosition += 4;
    }
  }

  private writeNumber(n: number): void {
    this.reserve(headerBytesMax);
    const at = slabPosition;
    // -0 is an integer to JavaScript but not to msgpack: as a double it reads back as -0, as msgpackr writes it.
    if (!Number.isInteger(n) || n > 0xffffffff || n < -0x80000000 || Object.is(n, -0)) {
      slab[at] = 0xcb;
      slab.writeDoubleBE(n, at + 1);
      slabPosition += 9;
    } else if (n >= 0) {
      if (n <= 0x7f) {
        slab[at] = n;
        slabPosition += 1;
      } else if (n <= 0xff) {
        slab[at] = 0xcc;
        slab[at + 1] = n;
        slabPosition += 2;
      } else if (n <= 0xffff) {
        slab[at] = 0xcd;
        slab.writeUInt16BE(n, at + 1);
        slabPosition += 3;
      } else {
        slab[at] = 0xce;
        slab.writeUInt32BE(n, at + 1);
        slabPosition += 5;
      }
    } else if (n >= -32) {
      slab[at] = n & 0xff;
      slabPosition += 1;
    } else if (n >= -0x80) {
      slab[at] = 0xd0;
      slab.writeInt8(n, at + 1);
      slabPosition += 2;
    } else if (n >= -0x8000) {
      slab[at] = 0xd1;
      slab.writeInt16BE(n, at + 1);
      slabPosition += 3;
    } else {
      slab[at] = 0xd2;
      slab.writeInt32BE(n, at + 1);
      slabPosition += 5;
    }
  }

  private writeString(s: string): void {
    // Field names and topic names are short ASCII: copied by hand, they skip two calls into C++
    // (byteLength, utf8Write), which cost more than the copy for a few characters.
    if (s.length <= fixStr.max && this.writeShortAscii(s)) return;
    const length = Buffer.byteLength(s, 'utf8');
    this.lengthHeader(length, fixStr, 0xd9, 0xda, 0xdb);
    this.reserve(length);
    slabPosition += slab.write(s, slabPosition, length, 'utf8');
  }

  /** Writes `s` as a fixstr if it is all ASCII (then its UTF-8 is its char codes); false, writing nothing, if not. */
  private writeShortAscii(s: string): boolean {
    const length = s.length;
    this.reserve(1 + length);
    const at = slabPosition + 1;
    for (let i = 0; i < length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x80) return false;
      slab[at + i] = code;
    }
    slab[slabPosition] = fixStr.tag | length;
    slabPosition = at + length;
    return true;
  }

  private writeBin(bytes: Uint8Array): void {
    this.lengthHeader(bytes.length, undefined, 0xc4, 0xc5, 0xc6);
    if (bytes.length >= ZERO_COPY_BYTES_MIN) {
      this.cutPiece();
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      this.chunks.push(buffer);
      this.bytes += buffer.length;
      return;
    }
    this.reserve(bytes.length);
    slab.set(bytes, slabPosition);
    slabPosition += bytes.length;
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
  writer.cutPiece();
  writer.fillLengthPrefix();
  return { chunks: writer.chunks, bytes: writer.bytes };
}
