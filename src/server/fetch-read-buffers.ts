/**
 * The buffers the broker's Fetch path reads log data into, reused from one Fetch to the next
 * (what Kafka gets from sending segment bytes with sendfile). A fresh megabyte per partition
 * read costs its page faults and its collection: a third of the broker's CPU in a profile of one
 * consumer reading a full topic. A buffer is lent for one read, travels in the Fetch response as
 * the view the read returned, and comes back only when the response's bytes have been written to
 * the socket (the Fetch handler's AnswerThen); until then nothing else can read into it. A buffer never
 * given back is left to the collector, so a lost release costs memory, never correctness.
 */

/** Reads of at most this many bytes (Kafka's max.partition.fetch.bytes default) get a reused buffer. */
export const FETCH_READ_BUFFER_BYTES = 1024 * 1024;
/** Buffers kept for reuse at most: a broker answering this many partition reads at once reuses them all. */
const spareBuffersMax = 32;

export class FetchReadBuffers {
  private readonly spare: Buffer[] = [];
  /** Lent buffers by their memory, so that a view of one finds it (weakly: a lost one is collected). */
  private readonly lent = new WeakMap<ArrayBufferLike, Buffer>();

  /** A buffer to read up to `maxBytes` into, or undefined for a larger read (the log allocates one). */
  lease(maxBytes: number): Buffer | undefined {
    if (maxBytes > FETCH_READ_BUFFER_BYTES) return undefined;
    // Its own memory, never a slice of Node's shared pool, so a view of it names it alone.
    const buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(FETCH_READ_BUFFER_BYTES);
    this.lent.set(buffer.buffer, buffer);
    return buffer;
  }

  /** Gives back the buffer `view` lies in, if it is one of ours; anything else is ignored. */
  release(view: Buffer | null): void {
    if (view === null) return;
    const buffer = this.lent.get(view.buffer);
    if (buffer === undefined) return;
    this.lent.delete(view.buffer);
    if (this.spare.length < spareBuffersMax) this.spare.push(buffer);
  }
}

/** One pool per broker process: Fetch reads on every connection share it. */
export const fetchReadBuffers = new FetchReadBuffers();
