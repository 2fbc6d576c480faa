/**
 * The memory both wire protocols build frames in: a frame is a list of chunks for one gathered
 * write (writev). Small parts are carved from a shared slab that only moves forward (a full slab
 * is replaced, never rewritten), so a chunk stays valid while a write holds it; a large Buffer
 * (a record batch from a producer's batch or a segment read) is referenced as a chunk of its own,
 * never copied: its owner must not change it until the write is done. That is what "disk format
 * = wire format" buys on the way out.
 *
 * One writer at a time uses the shared slab (encoding is synchronous); a writer made with
 * `privateSlab` has memory of its own, for a part whose length must be known before it is placed
 * (a Kafka tagged field).
 */
import { assert } from '../common/assert';

/** Binary values at least this long are referenced rather than copied into the frame. */
export const ZERO_COPY_BYTES_MIN = 1024;
/** The slab small parts are carved from. */
const slabBytes = 64 * 1024;
/** Bytes of the length prefix (Kafka's size field, also Josef's). */
const lengthPrefixBytes = 4;

/** The slab every shared writer carves from, and where the next one starts. */
const shared: { slab: Buffer; position: number } = { slab: Buffer.allocUnsafeSlow(slabBytes), position: 0 };

/** A frame's pieces in order, and their total length. */
export interface FrameChunks {
  chunks: Buffer[];
  bytes: number;
}

export class ChunkWriter {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  /** The slab being written, and the next byte of it; subclasses write `buf[pos++]` directly. */
  protected buf: Buffer;
  protected pos: number;
  /** Start of the piece of the slab written since the last chunk was cut. */
  private pieceStart: number;

  constructor(private readonly privateSlab = false) {
    this.buf = privateSlab ? Buffer.allocUnsafe(256) : shared.slab;
    this.pos = privateSlab ? 0 : shared.position;
    this.pieceStart = this.pos;
  }

  /** Room for `n` more bytes in the slab, cutting the piece so far and taking a new slab if needed. */
  protected reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.cutPiece();
    this.buf = this.privateSlab ? Buffer.allocUnsafe(Math.max(4096, n)) : Buffer.allocUnsafeSlow(Math.max(slabBytes, n));
    if (!this.privateSlab) shared.slab = this.buf;
    this.pos = 0;
    this.pieceStart = 0;
  }

  /** Ends the current slab piece as a chunk. */
  cutPiece(): void {
    if (this.pos > this.pieceStart) {
      this.chunks.push(this.buf.subarray(this.pieceStart, this.pos));
      this.bytes += this.pos - this.pieceStart;
    }
    this.pieceStart = this.pos;
    if (!this.privateSlab) shared.position = this.pos;
  }

  /** Appends `bytes`: referenced as a chunk of its own when large, else copied into the slab. */
  protected appendBytes(bytes: Uint8Array): void {
    if (bytes.length >= ZERO_COPY_BYTES_MIN) {
      this.cutPiece();
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      this.chunks.push(buffer);
      this.bytes += buffer.length;
      return;
    }
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Appends the chunks of another writer, already finished. */
  appendChunks(other: FrameChunks): void {
    this.cutPiece();
    for (const chunk of other.chunks) this.chunks.push(chunk);
    this.bytes += other.bytes;
  }

  /** Reserves the length prefix; finishFrame writes it once the value is done. */
  startFrame(): void {
    this.reserve(lengthPrefixBytes);
    this.pos += lengthPrefixBytes;
  }

  /** Cuts the last piece and fills the length prefix reserved by startFrame. */
  finishFrame(): FrameChunks {
    this.cutPiece();
    const first = this.chunks[0];
    const valueBytes = this.bytes - lengthPrefixBytes;
    assert(first !== undefined && first.length >= lengthPrefixBytes && valueBytes > 0 && valueBytes <= 0xffffffff, () => `frame value of ${valueBytes} bytes`);
    first.writeUInt32BE(valueBytes, 0);
    return { chunks: this.chunks, bytes: this.bytes };
  }

  /** The chunks written so far, without a length prefix (a part to place in another frame). */
  finish(): FrameChunks {
    this.cutPiece();
    return { chunks: this.chunks, bytes: this.bytes };
  }
}
