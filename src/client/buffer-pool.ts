/**
 * The producer's memory (Kafka's BufferPool): `bufferMemory` bytes handed out as batch buffers
 * and counted until their batch completes. Buffers of exactly `batchSize` bytes are kept for reuse
 * when given back (most batches), so a busy producer stops allocating; others are let go.
 */
import { assert } from '../common/assert';

export class BufferPool {
  private readonly free: Buffer[] = [];
  /** Bytes handed out and not yet given back. */
  private allocatedBytes = 0;

  constructor(
    readonly totalBytes: number,
    readonly poolableBytes: number,
  ) {
    assert(poolableBytes > 0 && poolableBytes <= totalBytes, () => `batch size ${poolableBytes} and buffer memory ${totalBytes}`);
  }

  /** Bytes in use by batches (pooled free buffers do not count). */
  get usedBytes(): number {
    return this.allocatedBytes;
  }

  hasRoomFor(bytes: number): boolean {
    return this.allocatedBytes + bytes <= this.totalBytes;
  }

  /** A buffer of at least `bytes` (batchSize when smaller); the caller checked hasRoomFor first. */
  allocate(bytes: number): Buffer {
    const size = Math.max(bytes, this.poolableBytes);
    assert(this.hasRoomFor(size), () => `allocating ${size} bytes with ${this.allocatedBytes} of ${this.totalBytes} in use`);
    this.allocatedBytes += size;
    if (size === this.poolableBytes && this.free.length > 0) return this.free.pop()!;
    // Free buffers plus used bytes stay within totalBytes: drop free ones to make room for a new one.
    while (this.free.length > 0 && this.allocatedBytes + this.free.length * this.poolableBytes > this.totalBytes) this.free.pop();
    return Buffer.allocUnsafeSlow(size);
  }

  /** Takes a buffer back once nothing reads it any more (its batch was acknowledged or failed). */
  deallocate(buffer: Buffer): void {
    this.allocatedBytes -= buffer.length;
    assert(this.allocatedBytes >= 0, 'more bytes given back than handed out');
    // Free plus used bytes stay within totalBytes (see allocate), so the free list is bounded too.
    if (buffer.length === this.poolableBytes) this.free.push(buffer);
  }
}
