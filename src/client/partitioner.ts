/**
 * Which partition a record goes to, as Kafka's Java client decides it (DefaultPartitioner with
 * the StickyPartitionCache of Kafka 2.4, KIP-480): keyed records by murmur2 of the key bytes, so
 * a key lands where a Java producer would put it; unkeyed records stick to one partition until a
 * new batch would be needed, then move to another randomly chosen available partition.
 */

/** Kafka's Utils.murmur2 seed. */
const murmur2Seed = 0x9747b28c;
const murmur2M = 0x5bd1e995;

/**
 * Kafka's Utils.murmur2: MurmurHash2 over the bytes, in Java's signed 32-bit arithmetic
 * (Math.imul multiplies modulo 2^32; `>>>` is Java's unsigned shift; `| 0` keeps int32).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (murmur2Seed ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, murmur2M);
    k ^= k >>> 24;
    k = Math.imul(k, murmur2M);
    h = Math.imul(h, murmur2M);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's switch over length % 4 falls through from case 3 to case 1.
  const remaining = length & 3;
  if (remaining === 3) h ^= data[tail + 2] << 16;
  if (remaining >= 2) h ^= data[tail + 1] << 8;
  if (remaining >= 1) {
    h ^= data[tail];
    h = Math.imul(h, murmur2M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, murmur2M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: drops the sign bit (not Math.abs, which fails for -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition of a keyed record: the same as Kafka's Java client for the same key bytes and count. */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(keyBytes)) % numPartitions;
}

/** What the sticky cache needs to know about a topic's partitions right now. */
export interface TopicPartitionCounts {
  /** All partitions of the topic (ids 0..n-1). */
  partitionCount: number;
  /** Ids of partitions that have a leader now. */
  availablePartitions: readonly number[];
}

/** A source of uniformly random non-negative 31-bit integers; tests inject a seeded one. */
export type RandomInt = () => number;

export const defaultRandomInt: RandomInt = () => Math.floor(Math.random() * 0x80000000);

/**
 * Kafka's StickyPartitionCache: one current partition per topic for records without a key.
 * `partition` returns it (choosing one the first time); `nextPartition` is called when a new
 * batch would be started for the current one, and moves to a different available partition.
 */
export class StickyPartitionCache {
  private readonly current = new Map<string, number>();

  constructor(private readonly randomInt: RandomInt = defaultRandomInt) {}

  partition(topic: string, counts: TopicPartitionCounts): number {
    const partition = this.current.get(topic);
    return partition === undefined ? this.nextPartition(topic, counts, -1) : partition;
  }

  /**
   * Moves the topic off `previousPartition` (only if it is still the current one: two callers
   * that saw the same full batch move it once). Prefers partitions with a leader, as Kafka does;
   * with none available it picks any partition, and the send waits for a leader.
   */
  nextPartition(topic: string, counts: TopicPartitionCounts, previousPartition: number): number {
    const old = this.current.get(topic);
    if (old !== undefined && old !== previousPartition) return old;
    const available = counts.availablePartitions;
    let next: number;
    if (available.length === 0) {
      next = toPositive(this.randomInt()) % counts.partitionCount;
    } else if (available.length === 1) {
      next = available[0];
    } else {
      do {
        next = available[toPositive(this.randomInt()) % available.length];
      } while (next === old);
    }
    this.current.set(topic, next);
    return next;
  }
}
