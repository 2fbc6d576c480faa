/**
 * The cleaner's offset map (Kafka's SkimpyOffsetMap): key -> the latest offset of that key in the
 * dirty part of a log, kept as a 128-bit hash of the key and the offset, 24 bytes a slot, in an
 * open-addressed table of fixed size (linear probing). The table never holds more than `loadFactor`
 * of its slots, so a probe ends quickly; when it is that full, `put` refuses and the cleaning stops
 * mapping there. As in Kafka only hashes are kept, so two keys with the same 128-bit hash would be
 * taken for one (Kafka uses MD5; Josef MurmurHash3 x86_128, some ten times faster in JavaScript,
 * equally unlikely to collide by chance).
 */
import { assert } from '../common/assert';

/** Bytes a slot takes: the key's 128-bit hash and its offset. */
export const OFFSET_MAP_SLOT_BYTES = 24;
const emptyOffset = -1;

export class OffsetMap {
  private readonly hashes: Int32Array;
  private readonly offsets: Float64Array;
  private readonly hash = new Int32Array(4);
  private entries = 0;
  /** The last offset of the last batch mapped whole (Kafka's latestOffset): the map covers the log up to it. */
  latestOffset = -1;
  readonly maxEntries: number;

  /** A map of `slots` slots, filled to `loadFactor` of them at most. */
  constructor(readonly slots: number, loadFactor: number) {
    assert(slots >= 1 && loadFactor > 0 && loadFactor <= 1, () => `offset map of ${slots} slots at load factor ${loadFactor}`);
    this.hashes = new Int32Array(slots * 4);
    this.offsets = new Float64Array(slots).fill(emptyOffset);
    this.maxEntries = Math.max(1, Math.floor(slots * loadFactor));
  }

  get size(): number {
    return this.entries;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Share of the slots in use (Kafka's buffer utilization). */
  get utilization(): number {
    return this.entries / this.slots;
  }

  /** Forgets every key. */
  clear(): void {
    this.offsets.fill(emptyOffset);
    this.entries = 0;
    this.latestOffset = -1;
  }

  /** Records `offset` as the latest of the key in buf[start, start + length); false (nothing changed) when the map is full and the key new. */
  put(buf: Buffer, start: number, length: number, offset: number): boolean {
    murmur3x86128(buf, start, length, 0, this.hash);
    const slot = this.find();
    if (this.offsets[slot] === emptyOffset) {
      if (this.isFull) return false;
      this.hashes.set(this.hash, slot * 4);
      this.entries++;
    }
    this.offsets[slot] = offset;
    return true;
  }

  /** A batch ending at `offset` is mapped whole. */
  updateLatestOffset(offset: number): void {
    this.latestOffset = offset;
  }

  /** The latest offset of the key in buf[start, start + length), or -1 when it is not in the map. */
  get(buf: Buffer, start: number, length: number): number {
    murmur3x86128(buf, start, length, 0, this.hash);
    return this.offsets[this.find()];
  }

  /** The slot holding `this.hash`, or the empty slot where it would go. */
  private find(): number {
    const h = this.hash;
    let slot = (h[0] >>> 0) % this.slots;
    for (;;) {
      if (this.offsets[slot] === emptyOffset) return slot;
      const at = slot * 4;
      if (this.hashes[at] === h[0] && this.hashes[at + 1] === h[1] && this.hashes[at + 2] === h[2] && this.hashes[at + 3] === h[3]) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The tail's words, reused (hashing is synchronous). */
const tailWords = new Int32Array(4);
const c1 = 0x239b961b;
const c2 = 0xab0e9789;
const c3 = 0x38b34ae5;
const c4 = 0xa1e38b93;

/** Austin Appleby's MurmurHash3_x86_128 of buf[start, start + length) into `out` (h1..h4 as signed 32-bit words). */
export function murmur3x86128(buf: Buffer, start: number, length: number, seed: number, out: Int32Array): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocksEnd = start + (length & ~15);
  for (let p = start; p < blocksEnd; p += 16) {
    let k1 = buf.readInt32LE(p);
    let k2 = buf.readInt32LE(p + 4);
    let k3 = buf.readInt32LE(p + 8);
    let k4 = buf.readInt32LE(p + 12);
    k1 = Math.imul(rotl(Math.imul(k1, c1), 15), c2);
    h1 ^= k1;
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, c2), 16), c3);
    h2 ^= k2;
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, c3), 17), c4);
    h3 ^= k3;
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, c4), 18), c1);
    h4 ^= k4;
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  // The tail: up to 15 bytes, little-endian into k1..k4, each mixed in when it holds any.
  const tail = length & 15;
  const k = tailWords.fill(0);
  for (let i = 0; i < tail; i++) k[i >> 2] |= buf[blocksEnd + i] << ((i & 3) * 8);
  if (tail > 12) h4 ^= Math.imul(rotl(Math.imul(k[3], c4), 18), c1);
  if (tail > 8) h3 ^= Math.imul(rotl(Math.imul(k[2], c3), 17), c4);
  if (tail > 4) h2 ^= Math.imul(rotl(Math.imul(k[1], c2), 16), c3);
  if (tail > 0) h1 ^= Math.imul(rotl(Math.imul(k[0], c1), 15), c2);
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}
