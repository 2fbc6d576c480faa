import { OffsetMap, murmur3x86128 } from '../../../src/storage/offset-map';

const hex = (words: Int32Array): string => [...words].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');

describe('MurmurHash3 x86_128', () => {
  it('gives the reference implementation\'s hashes', () => {
    // Vectors of the reference implementation (PeterScott/murmur3's test.c), h1..h4 in hex.
    const out = new Int32Array(4);
    const vectors: [string, number, string][] = [
      ['Hello, world!', 123, '61c9129e5a1aacd7a41621629e37c886'],
      ['Hello, world!', 321, 'd5fbdcb3c26c4193045880c5a7170f0f'],
      ['xxxxxxxxxxxxxxxxxxxxxxxxxxxx', 123, '5e40bab278825a164cf929d31fec6047'],
      ['', 0, '00000000000000000000000000000000'],
    ];
    for (const [text, seed, expected] of vectors) {
      const bytes = Buffer.from(`..${text}..`);
      murmur3x86128(bytes, 2, bytes.length - 4, seed, out);
      expect(hex(out)).toBe(expected);
    }
  });
});

describe('the cleaner\'s offset map', () => {
  const key = (s: string): [Buffer, number, number] => {
    const b = Buffer.from(`#${s}`);
    return [b, 1, b.length - 1];
  };

  it('keeps the latest offset per key and -1 for keys it does not have', () => {
    const map = new OffsetMap(16, 0.75);
    expect(map.put(...key('a'), 1)).toBe(true);
    expect(map.put(...key('b'), 2)).toBe(true);
    expect(map.put(...key('a'), 3)).toBe(true);
    expect(map.get(...key('a'))).toBe(3);
    expect(map.get(...key('b'))).toBe(2);
    expect(map.get(...key('c'))).toBe(-1);
    expect(map.size).toBe(2);
  });

  it('refuses a new key once it is filled to its load factor, still takes known ones, and empties on clear', () => {
    const map = new OffsetMap(4, 0.5);
    expect(map.maxEntries).toBe(2);
    expect(map.put(...key('a'), 1)).toBe(true);
    expect(map.put(...key('b'), 2)).toBe(true);
    expect(map.isFull).toBe(true);
    expect(map.put(...key('c'), 3)).toBe(false);
    expect(map.get(...key('c'))).toBe(-1);
    expect(map.put(...key('a'), 4)).toBe(true);
    expect(map.get(...key('a'))).toBe(4);
    expect(map.utilization).toBe(0.5);
    map.updateLatestOffset(4);
    map.clear();
    expect([map.size, map.latestOffset, map.get(...key('a'))]).toEqual([0, -1, -1]);
  });

  it('finds every key of a nearly full table (probing wraps around)', () => {
    const map = new OffsetMap(1000, 0.9);
    for (let i = 0; i < 900; i++) expect(map.put(...key(`key-${i}`), i)).toBe(true);
    for (let i = 0; i < 900; i++) expect(map.get(...key(`key-${i}`))).toBe(i);
    expect(map.put(...key('one-too-many'), 1)).toBe(false);
  });
});
