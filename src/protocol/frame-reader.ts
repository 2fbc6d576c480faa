/**
 * Cuts a client's socket stream into frames, reading into memory the reader owns: Node lets a
 * client socket (net.connect's `onread`, not a server's) read into buffers the caller hands it,
 * where otherwise it allocates and zero-fills a fresh buffer for every read.
 *
 * Reads go into one reused buffer, and each frame is copied out of it into memory of its own once
 * its length prefix is known (pooled memory for a large frame, which the caller may hand back with
 * `recycle`). While much of a frame is still to come, the socket reads the rest straight into the
 * frame's memory instead: a follower's or a consumer's large Fetch response is written once, by
 * the kernel, and no read allocates. Every frame is memory of its own, so what is decoded from it
 * may be kept.
 *
 * A socket made without `onread` (a test's) feeds its 'data' chunks to `push`: the same cutting.
 */
import { FRAME_LENGTH_BYTES, FrameTooLargeError } from './frame';
import { FrameBufferPool, POOLED_FRAME_BYTES_MIN } from './frame-buffer-pool';

/** The reused buffer small reads go into (Node's own read size). */
const readBufferBytes = 64 * 1024;
/** With at least this much of a frame still to come, the socket reads it straight into the frame. */
const directReadBytesMin = 16 * 1024;

export class FrameReader {
  private readonly readBuffer = Buffer.allocUnsafeSlow(readBufferBytes);
  private readonly pool = new FrameBufferPool();
  /** The length prefix of the next frame, as far as it has arrived. */
  private readonly prefix = Buffer.alloc(FRAME_LENGTH_BYTES);
  private prefixFilled = 0;
  /** The frame being filled, once its length is known. */
  private frame: Buffer | undefined;
  private frameFilled = 0;
  /** The buffer last handed to the socket is the rest of `frame`, not readBuffer. */
  private readingIntoFrame = false;
  private failure: FrameTooLargeError | undefined;
  /** Hears each whole frame (its value, without the length prefix), in order. */
  onFrame: (frame: Buffer) => void = () => undefined;

  /** @param frameBytesMax the largest frame value accepted; a longer one fails the stream */
  constructor(readonly frameBytesMax: number) {}

  /**
   * net.connect's `onread` option for this reader. What a read makes throw (an oversize frame,
   * whatever onFrame throws) goes to `onError`, and the socket stops reading.
   */
  onread(onError: (err: unknown) => void): { buffer: () => Buffer; callback: (bytesRead: number) => boolean } {
    return {
      buffer: () => this.nextBuffer(),
      callback: (bytesRead) => {
        try {
          this.onRead(bytesRead);
          return true;
        } catch (err) {
          onError(err);
          return false;
        }
      },
    };
  }

  /** Where the socket reads next: the rest of the frame being filled, if much of it is to come. */
  private nextBuffer(): Buffer {
    const frame = this.frame;
    this.readingIntoFrame = frame !== undefined && frame.length - this.frameFilled >= directReadBytesMin && this.failure === undefined;
    return this.readingIntoFrame ? (frame as Buffer).subarray(this.frameFilled) : this.readBuffer;
  }

  /**
   * `bytesRead` bytes arrived in the buffer nextBuffer() gave last. Throws FrameTooLargeError for
   * an oversize length (the stream cannot be cut after that), and whatever onFrame throws.
   */
  private onRead(bytesRead: number): void {
    if (this.readingIntoFrame) {
      this.frameFilled += bytesRead;
      this.deliverIfWhole();
    } else {
      this.consume(this.readBuffer, bytesRead);
    }
  }

  /** Bytes from a socket read without `onread`: copied out as from the read buffer. */
  push(chunk: Buffer): void {
    this.consume(chunk, chunk.length);
  }

  /** Hands back a frame's memory (via any Buffer decoded from it) once nothing refers to it. */
  recycle(decoded: Buffer): void {
    this.pool.recycle(decoded);
  }

  /** Copies `length` bytes from the start of `bytes` into the prefix and frames they belong to. */
  private consume(bytes: Buffer, length: number): void {
    if (this.failure) throw this.failure;
    let at = 0;
    while (at < length) {
      if (this.frame === undefined) {
        const take = Math.min(FRAME_LENGTH_BYTES - this.prefixFilled, length - at);
        bytes.copy(this.prefix, this.prefixFilled, at, at + take);
        this.prefixFilled += take;
        at += take;
        if (this.prefixFilled < FRAME_LENGTH_BYTES) return;
        this.startFrame(this.prefix.readUInt32BE(0));
        continue;
      }
      const take = Math.min(this.frame.length - this.frameFilled, length - at);
      bytes.copy(this.frame, this.frameFilled, at, at + take);
      this.frameFilled += take;
      at += take;
      this.deliverIfWhole();
    }
  }

  private startFrame(frameBytes: number): void {
    if (frameBytes > this.frameBytesMax) {
      this.failure = new FrameTooLargeError(frameBytes, this.frameBytesMax, undefined);
      throw this.failure;
    }
    this.frame = frameBytes >= POOLED_FRAME_BYTES_MIN ? this.pool.take(frameBytes) : Buffer.allocUnsafe(frameBytes);
    this.frameFilled = 0;
    this.deliverIfWhole();
  }

  private deliverIfWhole(): void {
    const frame = this.frame;
    if (frame === undefined || this.frameFilled < frame.length) return;
    this.frame = undefined;
    this.prefixFilled = 0;
    this.onFrame(frame);
  }
}
