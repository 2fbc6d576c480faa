import { filthiestLog, logToClean, type CompactedLogState, type LogToClean } from '../../../src/storage/cleanable-logs';

const now = 10_000_000;

/** Segments of 100 bytes at base offsets 0, 10, 20, ...; the last is the active one. Timestamps: each a minute after the previous, the last at `now`. */
function log(overrides: Partial<CompactedLogState> = {}, segmentCount = 5): CompactedLogState {
  const segments = Array.from({ length: segmentCount }, (_, i) => ({
    baseOffset: i * 10, sizeBytes: 100, largestTimestampMs: now - (segmentCount - 1 - i) * 60_000, firstBatchTimestampMs: now - (segmentCount - 1 - i) * 60_000 - 30_000,
  }));
  return {
    name: 'orders-0', segments, logStartOffset: 0, logEndOffset: segmentCount * 10 - 5, highWatermark: segmentCount * 10 - 5, checkpoint: undefined,
    minCleanableDirtyRatio: 0.5, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER, ...overrides,
  };
}

describe('how far a compacted log may be cleaned (Kafka\'s cleanableOffsets)', () => {
  // [what, log, first dirty, first uncleanable, clean bytes, cleanable bytes]
  const cases: [string, CompactedLogState, number, number, number, number][] = [
    ['never cleaned: all but the active segment', log(), 0, 40, 0, 400],
    ['cleaned up to a checkpoint: the rest but the active segment', log({ checkpoint: 20 }), 20, 40, 200, 200],
    ['a checkpoint inside a segment counts it both clean and dirty', log({ checkpoint: 25 }), 25, 40, 300, 200],
    ['not past the high watermark, rounded down to its segment', log({ highWatermark: 25 }), 0, 20, 0, 200],
    ['not the segments holding records younger than min.compaction.lag.ms', log({ minCompactionLagMs: 150_000 }), 0, 20, 0, 200],
    ['a checkpoint below the log start starts at the log start', log({ checkpoint: 5, logStartOffset: 10 }), 10, 40, 100, 300],
    ['a checkpoint past the log end starts at the log start', log({ checkpoint: 99 }), 0, 40, 0, 400],
    ['a log with only an active segment has nothing to clean', log({}, 1), 0, 0, 0, 0],
  ];
  it.each(cases)('%s', (_, state, firstDirty, firstUncleanable, cleanBytes, cleanableBytes) => {
    expect(logToClean(state, now)).toMatchObject({ firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, cleanBytes, cleanableBytes });
  });

  it('says why a checkpoint was not used', () => {
    expect(logToClean(log({ checkpoint: 99 }), now).checkpointResetReason).toMatch(/checkpoint 99 is outside \[0, 45\]/);
    expect(logToClean(log({ checkpoint: 20 }), now).checkpointResetReason).toBeUndefined();
  });

  it('needs cleaning now once a dirty segment\'s first batch is older than max.compaction.lag.ms (KIP-354)', () => {
    // The oldest dirty segment's first batch is 4.5 minutes old.
    expect(logToClean(log({ maxCompactionLagMs: 300_000 }), now).needCompactionNow).toBe(false);
    expect(logToClean(log({ maxCompactionLagMs: 200_000 }), now).needCompactionNow).toBe(true);
    // A clean segment's age does not count.
    expect(logToClean(log({ maxCompactionLagMs: 200_000, checkpoint: 30 }), now).needCompactionNow).toBe(false);
  });
});

describe('which log the cleaner takes (Kafka\'s grabFilthiestCompactedLog)', () => {
  const candidate = (name: string, cleanBytes: number, cleanableBytes: number, extra: Partial<LogToClean> = {}): LogToClean => ({
    name, firstDirtyOffset: 0, firstUncleanableOffset: 0, cleanBytes, cleanableBytes, cleanableRatio: cleanableBytes / Math.max(1, cleanBytes + cleanableBytes),
    minCleanableDirtyRatio: 0.5, needCompactionNow: false, ...extra,
  });
  // [what, candidates, chosen]
  const cases: [string, LogToClean[], string | undefined][] = [
    ['the dirtiest of those past their ratio', [candidate('a', 40, 60), candidate('b', 10, 90), candidate('c', 80, 20)], 'b'],
    ['none when none is past its ratio', [candidate('a', 60, 40), candidate('b', 50, 50)], undefined],
    ['each log\'s own ratio', [candidate('a', 60, 40, { minCleanableDirtyRatio: 0.3 }), candidate('b', 50, 50)], 'a'],
    ['one waiting past max.compaction.lag.ms, whatever its ratio', [candidate('a', 90, 10, { needCompactionNow: true })], 'a'],
    ['but not when it has nothing cleanable', [candidate('a', 90, 0, { needCompactionNow: true })], undefined],
    ['the first of equals', [candidate('a', 10, 90), candidate('b', 10, 90)], 'a'],
    ['never an empty log', [candidate('a', 0, 0, { minCleanableDirtyRatio: 0, needCompactionNow: true })], undefined],
  ];
  it.each(cases)('%s', (_, candidates, chosen) => {
    expect(filthiestLog(candidates)?.name).toBe(chosen);
  });
});
