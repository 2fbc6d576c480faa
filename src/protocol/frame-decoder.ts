/**
 * Cuts a byte stream (socket chunks as they arrive) into frames: each 4-byte big-endian length
 * and the value after it. Chunks are kept as a list and each byte is copied at most once, only
 * when a frame straddles chunks; a frame inside one chunk is returned as a view of it. A length
 * over `frameBytesMax` is reported as soon as the prefix is read, before the body is buffered.
 *
 * Large straddling frames are assembled in pooled buffers (frame-buffer-pool.ts) the caller may
 * hand back with `recycle` once nothing refers to the frame any more (the broker does for Produce
 * requests, whose batches are written to the log before the answer).
 *
 * The broker's side uses this: Node reads a server socket into memory of its own choosing. A
 * client's socket can read into memory the client owns; frame-reader.ts does that.
 */
import { assert } from '../common/assert';
import { FRAME_LENGTH_BYTES, FrameTooLargeError, peekRequestHeader } from './frame';
import { FrameBufferPool, POOLED_FRAME_BYTES_MIN } from './frame-buffer-pool';

/** Body bytes looked at, when a frame is too large, for the request header it may start with. */
const headerPeekBytes = 24;

export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  /** Bytes of chunks[0] already consumed. */
  private headOffset = 0;
  private bufferedBytesTotal = 0;
  private failure: FrameTooLargeError | undefined;
  /** Memory for large frames that straddle chunks. */
  private readonly pool = new FrameBufferPool();

  /**
   * @param frameBytesMax the largest frame value (excluding the length prefix) accepted
   * @param carries what the frames are: an oversize request may still show its correlation id
   */
  constructor(
    readonly frameBytesMax: number,
    private readonly carries: 'requests' | 'responses',
  ) {
    assert(Number.isInteger(frameBytesMax) && frameBytesMax > 0, `frameBytesMax ${frameBytesMax}`);
  }

  /** True once an oversize frame has ended the stream. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.bufferedBytesTotal;
  }

  /** Adds received bytes; after an oversize frame they are dropped, since no frame can follow. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.failure) return;
    this.chunks.push(chunk);
    this.bufferedBytesTotal += chunk.length;
  }

  /**
   * The next whole frame's value (without its length prefix), or undefined until more bytes
   * arrive. Throws FrameTooLargeError for an oversize length; the stream cannot be resynchronized
   * after that, so every later call throws the same error.
   */
  next(): Buffer | undefined {
    if (this.failure) throw this.failure;
    if (this.bufferedBytesTotal < FRAME_LENGTH_BYTES) return undefined;
    const head = this.chunks[0];
    const frameBytes =
      this.headOffset + FRAME_LENGTH_BYTES <= head.length
        ? head.readUInt32BE(this.headOffset)
        : this.peek(0, FRAME_LENGTH_BYTES).readUInt32BE(0);
    if (frameBytes > this.frameBytesMax) {
      this.failure = new FrameTooLargeError(frameBytes, this.frameBytesMax, this.peekCorrelationId());
      throw this.failure;
    }
    if (this.bufferedBytesTotal < FRAME_LENGTH_BYTES + frameBytes) return undefined;
    const frame = frameBytes === 0 ? Buffer.alloc(0) : this.peek(FRAME_LENGTH_BYTES, frameBytes, frameBytes >= POOLED_FRAME_BYTES_MIN);
    this.skip(FRAME_LENGTH_BYTES + frameBytes);
    return frame;
  }

  /**
   * Hands back a frame that next() returned (or any view of it) once nothing refers to it any more
   * (no view of it is kept anywhere): its memory may hold the next large frame. Frames that were
   * views of received chunks, or small copies, are not reused and recycling them does nothing.
   */
  recycle(frame: Buffer): void {
    this.pool.recycle(frame);
  }

  /** The correlation id at the start of an oversize request's body, if enough of it is here. */
  private peekCorrelationId(): number | undefined {
    if (this.carries !== 'requests') return undefined;
    const available = Math.min(headerPeekBytes, this.bufferedBytesTotal - FRAME_LENGTH_BYTES);
    if (available <= 0) return undefined;
    return peekRequestHeader(this.peek(FRAME_LENGTH_BYTES, available))?.correlationId;
  }

  /**
   * `length` bytes from `offset` past the read position, without consuming them: a view when
   * they lie in one chunk, else one copy (into a recyclable buffer when asked). The caller has
   * checked that they are buffered.
   */
  private peek(offset: number, length: number, recyclable = false): Buffer {
    let position = this.headOffset + offset;
    let index = 0;
    while (position >= this.chunks[index].length) position -= this.chunks[index++].length;
    const first = this.chunks[index];
    if (position + length <= first.length) return first.subarray(position, position + length);
    const bytes = recyclable ? this.pool.take(length) : Buffer.allocUnsafe(length);
    let copied = 0;
    while (copied < length) {
      const chunk = this.chunks[index++];
      copied += chunk.copy(bytes, copied, position, Math.min(chunk.length, position + length - copied));
      position = 0;
    }
    return bytes;
  }

  /** Consumes `length` bytes; drops the chunks used up with one splice, so n chunks cost O(n). */
  private skip(length: number): void {
    let position = this.headOffset + length;
    let used = 0;
    while (used < this.chunks.length && position >= this.chunks[used].length) position -= this.chunks[used++].length;
    if (used > 0) this.chunks.splice(0, used);
    this.headOffset = position;
    this.bufferedBytesTotal -= length;
  }
}
