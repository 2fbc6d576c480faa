import { murmur2, partitionForKey, StickyPartitionCache, toPositive } from '../../../src/client/partitioner';

/** Kafka's own vectors: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2. */
const kafkaVectors: Array<[string | number[], number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  [[0x61, 0x62, 0x63], 479470107],
];

/** A seeded generator (mulberry32) so that sticky choices reproduce. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) & 0x7fffffff;
  };
}

describe('murmur2', () => {
  it.each(kafkaVectors)('matches Kafka for %p', (input, expected) => {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
    expect(murmur2(bytes)).toBe(expected);
  });

  // Kafka's vectors leave a 1-byte tail untested; these come from another Java-compatible client's tests.
  it.each([
    ['', 275646681],
    ['hello', 2132663229],
    ['test-key', -1341026247],
  ])('matches published Java-compatible values for %p (tails of 0 and 1 bytes)', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  it('is toPositive(murmur2(key)) % numPartitions, as Kafka computes it', () => {
    // murmur2("foobar") = -790332482; toPositive drops the sign bit: 1357151166.
    expect(toPositive(-790332482)).toBe(1357151166);
    expect(partitionForKey(Buffer.from('foobar'), 3)).toBe(1357151166 % 3);
    expect(partitionForKey(Buffer.from('21'), 10)).toBe(toPositive(-973932308) % 10);
  });

  it('toPositive keeps -2^31 non-negative (where Math.abs would not)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
  });
});

describe('StickyPartitionCache', () => {
  const counts = { partitionCount: 4, availablePartitions: [0, 1, 2, 3] };

  it('sticks to one partition until told a new batch is needed, then moves to a different one', () => {
    const cache = new StickyPartitionCache(seeded(7));
    const first = cache.partition('t', counts);
    expect(cache.partition('t', counts)).toBe(first);
    const next = cache.nextPartition('t', counts, first);
    expect(next).not.toBe(first);
    expect(cache.partition('t', counts)).toBe(next);
  });

  it('moves only once when two callers report the same old partition', () => {
    const cache = new StickyPartitionCache(seeded(1));
    const first = cache.partition('t', counts);
    const second = cache.nextPartition('t', counts, first);
    expect(cache.nextPartition('t', counts, first)).toBe(second);
  });

  it('chooses among partitions with a leader, and any partition when none has one', () => {
    const cache = new StickyPartitionCache(seeded(3));
    for (let i = 0; i < 50; i++) {
      const p = cache.nextPartition('t', { partitionCount: 4, availablePartitions: [1, 3] }, cache.partition('t', counts));
      expect([1, 3]).toContain(p);
    }
    const only = cache.nextPartition('u', { partitionCount: 4, availablePartitions: [2] }, -1);
    expect(only).toBe(2);
    const none = cache.nextPartition('v', { partitionCount: 4, availablePartitions: [] }, -1);
    expect(none).toBeGreaterThanOrEqual(0);
    expect(none).toBeLessThan(4);
  });

  it('spreads over all available partitions over time', () => {
    const cache = new StickyPartitionCache(seeded(11));
    const seen = new Set<number>();
    let p = cache.partition('t', counts);
    for (let i = 0; i < 100; i++) {
      seen.add(p);
      p = cache.nextPartition('t', counts, p);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });
});
