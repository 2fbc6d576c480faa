/**
 * Memory for large frames that a reader assembles, lent out with each frame and taken back when
 * its user hands the frame back (`recycle`), so that the next large frame reuses it instead of
 * page-faulting in fresh memory. A frame never handed back is simply left to the collector.
 */

/**
 * Frames at least this long get pooled memory; smaller ones are cheap to allocate anyway. Low
 * enough for a Produce of one 16 KiB batch, what librdkafka sends (one partition per request):
 * each would otherwise be a fresh ArrayBuffer, over 100 MB a second of them at its rate.
 */
export const POOLED_FRAME_BYTES_MIN = 8 * 1024;
/** Handed-back buffers kept for reuse, per pool (per connection). */
const spareBuffersMax = 4;

export class FrameBufferPool {
  /** Buffers lent out in frames, by their memory, until handed back (weakly: most never are). */
  private readonly lent = new WeakMap<ArrayBufferLike, Buffer>();
  /** Buffers handed back and free for the next large frame. */
  private readonly spare: Buffer[] = [];

  /**
   * `length` bytes of memory of their own for a large frame: a spare buffer not much larger, or a
   * new one (rounded up to whole 8 KiB, so that frames of similar size fit each other's).
   */
  take(length: number): Buffer {
    const index = this.spare.findIndex((b) => b.length >= length && b.length <= 2 * length);
    const rounded = Math.ceil(length / POOLED_FRAME_BYTES_MIN) * POOLED_FRAME_BYTES_MIN;
    // Its own memory (never a slice of Node's shared pool), so `buffer` identifies it in recycle.
    const whole = index >= 0 ? this.spare.splice(index, 1)[0] : Buffer.allocUnsafeSlow(rounded);
    this.lent.set(whole.buffer, whole);
    return whole.subarray(0, length);
  }

  /**
   * Takes back the memory of a frame from take() (given as the frame or any view of it) once
   * nothing refers to it any more. Buffers that did not come from take() are ignored. At most once
   * per frame: the memory is known by itself, so a frame handed back twice would hand back the
   * later frame that took the same memory in between, still in use.
   */
  recycle(frame: Buffer): void {
    const whole = this.lent.get(frame.buffer);
    if (whole === undefined) return;
    this.lent.delete(frame.buffer);
    if (this.spare.length < spareBuffersMax) this.spare.push(whole);
  }
}
