import { deleteHorizonFor, groupSegmentsBySize, shouldRetainRecord, type RecordToClean } from '../../../src/storage/cleaning-rules';

const now = 1_000_000;

describe('which records the cleaner keeps (Kafka\'s shouldRetainRecord)', () => {
  // [what, record, map's latest offset, batch's delete horizon, kept]
  const cases: [string, RecordToClean, number, number | undefined, boolean][] = [
    ['the latest value of its key', { offset: 5, hasKey: true, isTombstone: false, latestOffsetOfKey: 5 }, 20, undefined, true],
    ['a value written again later in the dirty part', { offset: 5, hasKey: true, isTombstone: false, latestOffsetOfKey: 9 }, 20, undefined, false],
    ['a key the dirty part does not have', { offset: 5, hasKey: true, isTombstone: false, latestOffsetOfKey: -1 }, 20, undefined, true],
    ['a value past the map\'s reach, even an overwritten one', { offset: 21, hasKey: true, isTombstone: false, latestOffsetOfKey: 9 }, 20, undefined, true],
    ['the record at the map\'s last offset', { offset: 20, hasKey: true, isTombstone: true, latestOffsetOfKey: 20 }, 20, now - 1, true],
    ['a record without a key (from before the topic compacted)', { offset: 5, hasKey: false, isTombstone: false, latestOffsetOfKey: -1 }, 20, undefined, false],
    ['a record without a key past the map\'s reach', { offset: 25, hasKey: false, isTombstone: false, latestOffsetOfKey: -1 }, 20, undefined, true],
    ['a latest tombstone never cleaned before (no horizon yet)', { offset: 5, hasKey: true, isTombstone: true, latestOffsetOfKey: 5 }, 20, undefined, true],
    ['a latest tombstone before its horizon', { offset: 5, hasKey: true, isTombstone: true, latestOffsetOfKey: 5 }, 20, now + 1, true],
    ['a latest tombstone at its horizon', { offset: 5, hasKey: true, isTombstone: true, latestOffsetOfKey: 5 }, 20, now, false],
    ['a latest tombstone past its horizon', { offset: 5, hasKey: true, isTombstone: true, latestOffsetOfKey: -1 }, 20, now - 1000, false],
    ['a value in a batch past its horizon (only tombstones go)', { offset: 5, hasKey: true, isTombstone: false, latestOffsetOfKey: 5 }, 20, now - 1000, true],
    ['an overwritten tombstone', { offset: 5, hasKey: true, isTombstone: true, latestOffsetOfKey: 7 }, 20, undefined, false],
  ];
  it.each(cases)('%s', (_, record, mapLatestOffset, horizon, kept) => {
    expect(shouldRetainRecord(record, mapLatestOffset, horizon, now)).toBe(kept);
  });
});

describe('the delete horizon a cleaned batch carries (KIP-534)', () => {
  const cases: [string, number | undefined, boolean, number | undefined][] = [
    ['a first cleaning that keeps a tombstone sets now + delete.retention.ms', undefined, true, now + 500],
    ['a batch keeping no tombstone gets none', undefined, false, undefined],
    ['a horizon set before stays as it is', now - 20, true, now - 20],
    ['a horizon set before stays even without tombstones left', now - 20, false, now - 20],
  ];
  it.each(cases)('%s', (_, existing, keepsTombstone, expected) => {
    expect(deleteHorizonFor(existing, keepsTombstone, now, 500)).toBe(expected);
  });
});

describe('grouping segments for cleaning (Kafka\'s groupSegmentsBySize)', () => {
  const segment = (baseOffset: number, sizeBytes: number, indexBytes = 8) => ({ baseOffset, sizeBytes, indexBytes, timeIndexBytes: indexBytes });
  it('fills each group up to segment.bytes, in order', () => {
    const segments = [segment(0, 400), segment(10, 300), segment(20, 300), segment(30, 900), segment(40, 50), segment(50, 50)];
    expect(groupSegmentsBySize(segments, 1000, 1000, 60)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(groupSegmentsBySize(segments, 600, 1000, 60)).toEqual([[0], [1, 2], [3], [4, 5]]);
  });
  it('keeps each group\'s index within segment.index.bytes', () => {
    const segments = [segment(0, 10, 400), segment(10, 10, 400), segment(20, 10, 400)];
    expect(groupSegmentsBySize(segments, 1000, 800, 30)).toEqual([[0, 1], [2]]);
  });
  it('keeps each group\'s offsets within a 32-bit relative range, except for empty segments', () => {
    const far = 2 ** 31;
    // A segment's offsets run to the next one's base: the second one's reach 2^31 + 4 - 0.
    expect(groupSegmentsBySize([segment(0, 10), segment(far - 10, 10), segment(far + 5, 10)], 1000, 1000, far + 100)).toEqual([[0], [1, 2]]);
    expect(groupSegmentsBySize([segment(0, 10), segment(100, 10), segment(far, 10)], 1000, 1000, far + 100)).toEqual([[0, 1], [2]]);
    expect(groupSegmentsBySize([segment(0, 10), segment(far - 10, 0), segment(far + 5, 10)], 1000, 1000, far + 100)).toEqual([[0, 1], [2]]);
  });
  it('makes no group of nothing', () => {
    expect(groupSegmentsBySize([], 1000, 1000, 0)).toEqual([]);
  });
});
