/**
 * The log cleaner on real segment files: what a reader finds in a cleaned log, tombstones and
 * their delete horizon, the segments and indexes a cleaning leaves, the cleaner checkpoint, an
 * abort when the log changes under a cleaning, and the retention of compact,delete logs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ManualClock } from '../../../src/common/clock';
import { batchLocations, readBatchHeader } from '../../../src/protocol/record-batch';
import { logConfig, type LogConfig } from '../../../src/storage/log-config';
import { LogManager } from '../../../src/storage/log-manager';
import type { PartitionLog } from '../../../src/storage/partition-log';
import { keyedBatch, latestValues, liveValues, readRecords, testCleanerConfig } from '../../helpers/compacted';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

const compacted = (overrides: Partial<LogConfig> = {}): LogConfig => logConfig({ segmentBytes: 4096, indexIntervalBytes: 256, cleanupPolicy: 'compact', deleteRetentionMs: 60_000, ...overrides });

let dir: string;
let clock: ManualClock;
let manager: LogManager;
beforeEach(() => {
  dir = tmpDir('cleaner');
  clock = new ManualClock(1_700_000_000_000);
  manager = LogManager.open([dir], compacted(), { clock, logger: quietLogger, cleaner: testCleanerConfig });
});
afterEach(() => {
  manager.close();
  rmDir(dir);
});

/** `count` records over `keys` keys (`k<i % keys>` = `v<i>`), three to a batch, then a roll so all of it is cleanable. */
function writeKeys(log: PartitionLog, from: number, count: number, keys: number): void {
  for (let i = from; i < from + count; i += 3) {
    const entries = [0, 1, 2].filter((j) => i + j < from + count).map((j): [string, string] => [`k${(i + j) % keys}`, `v${i + j}`]);
    log.appendAsLeader(keyedBatch(entries, clock.nowMs()), 0);
  }
  log.roll();
}

const clean = (): Promise<boolean> => manager.cleaner!.cleanFilthiestLog();

describe('the log cleaner', () => {
  it('leaves the latest value of every key at its own offset, in fewer bytes, and checkpoints where it cleaned to', async () => {
    const log = manager.getOrCreateLog('orders', 0, compacted());
    writeKeys(log, 0, 600, 20);
    const before = readRecords(log);
    const sizeBefore = log.sizeBytes;
    expect(await clean()).toBe(true);
    const after = readRecords(log);
    expect(latestValues(after)).toEqual(latestValues(before));
    // Each key once, at the offset it had: gaps where the older values were.
    expect(after.map((r) => r.offset)).toEqual(before.filter((r) => r.offset >= 580).map((r) => r.offset));
    expect(log.sizeBytes).toBeLessThan(sizeBefore / 10);
    expect(log.logEndOffset).toBe(600);
    expect(fs.readFileSync(path.join(dir, 'cleaner-offset-checkpoint'), 'utf8')).toBe('0\n1\norders 0 600\n');
    // Nothing is dirty now: the cleaner has nothing to do.
    expect(await clean()).toBe(false);
    manager.close();
    manager = LogManager.open([dir], compacted(), { clock, logger: quietLogger, cleaner: testCleanerConfig });
    expect(readRecords(manager.getLog('orders', 0)!)).toEqual(after);
  });

  it('merges the cleaned segments within segment.bytes, and every kept offset is found through the rebuilt indexes', async () => {
    const log = manager.getOrCreateLog('orders', 0, compacted({ minCleanableDirtyRatio: 0.01 }));
    writeKeys(log, 0, 900, 150);
    expect(log.segmentCount).toBeGreaterThan(8);
    await clean();
    // The first cleaning groups by the sizes before it; the second merges what it left.
    writeKeys(log, 900, 30, 150);
    await clean();
    const kept = readRecords(log);
    expect(Object.keys(latestValues(kept))).toHaveLength(150);
    expect(log.segmentCount).toBeLessThanOrEqual(5);
    for (const segment of log.logSegments().slice(0, -1)) expect(segment.sizeBytes).toBeLessThanOrEqual(4096);
    for (const { offset } of kept) {
      const bytes = log.read(offset, { maxBytes: 1 });
      expect(readBatchHeader(bytes).baseOffset).toBeLessThanOrEqual(offset);
      expect(readBatchHeader(bytes).baseOffset + readBatchHeader(bytes).lastOffsetDelta).toBeGreaterThanOrEqual(offset);
    }
    expect(log.logSegments().some((s) => s.index.entryCount > 0)).toBe(true);
  });

  it('keeps a tombstone for delete.retention.ms after the cleaning that first kept it, then drops it; a key written again lives on', async () => {
    // Every cleaning here runs: a tombstone goes at the first cleaning past its horizon, and only the dirty ratio makes one run.
    const log = manager.getOrCreateLog('orders', 0, compacted({ minCleanableDirtyRatio: 0.01 }));
    log.appendAsLeader(keyedBatch([['a', '1'], ['b', '2'], ['c', '3']], clock.nowMs()), 0);
    log.appendAsLeader(keyedBatch([['a', null], ['c', null]], clock.nowMs()), 0);
    log.appendAsLeader(keyedBatch([['c', '4']], clock.nowMs()), 0);
    log.roll();
    await clean();
    expect(readRecords(log)).toEqual([{ offset: 1, key: 'b', value: '2' }, { offset: 3, key: 'a', value: null }, { offset: 5, key: 'c', value: '4' }]);
    clock.advance(59_999);
    log.appendAsLeader(keyedBatch([['d', '5']], clock.nowMs()), 0);
    log.roll();
    await clean();
    expect(readRecords(log).map((r) => r.key)).toEqual(['b', 'a', 'c', 'd']);
    clock.advance(1);
    log.appendAsLeader(keyedBatch([['e', '6']], clock.nowMs()), 0);
    log.roll();
    await clean();
    expect(readRecords(log)).toEqual([
      { offset: 1, key: 'b', value: '2' }, { offset: 5, key: 'c', value: '4' }, { offset: 6, key: 'd', value: '5' }, { offset: 7, key: 'e', value: '6' },
    ]);
    expect(liveValues(readRecords(log))).toEqual({ b: '2', c: '4', d: '5', e: '6' });
  });

  it('keeps an empty batch where a segment of a group kept nothing, so the offsets of the segments it replaces stay covered', async () => {
    // segment.bytes small enough that every segment is its own group.
    const log = manager.getOrCreateLog('orders', 0, compacted({ segmentBytes: 200 }));
    log.appendAsLeader(keyedBatch([['a', '1']], clock.nowMs()), 0);
    log.roll();
    log.appendAsLeader(keyedBatch([['b', '2'], ['b', '3']], clock.nowMs()), 0);
    log.roll();
    log.appendAsLeader(keyedBatch([['b', '4']], clock.nowMs()), 0);
    log.roll();
    await clean();
    // The first two segments are one group: the second one's batch, all overwritten, stays as an empty batch.
    expect(log.segmentBaseOffsets()).toEqual([0, 3, 4]);
    const first = log.logSegments()[0];
    const bytes = first.readBatchesAt(0, 1 << 16);
    const batches = [...batchLocations(bytes)].map(({ position }) => readBatchHeader(bytes, position));
    expect(batches).toEqual([
      expect.objectContaining({ baseOffset: 0, lastOffsetDelta: 0, recordCount: 1 }),
      expect.objectContaining({ baseOffset: 1, lastOffsetDelta: 1, recordCount: 0 }),
    ]);
    expect(readRecords(log)).toEqual([{ offset: 0, key: 'a', value: '1' }, { offset: 3, key: 'b', value: '4' }]);
  });

  it('drops records without a key, from before the topic was compacted', async () => {
    const log = manager.getOrCreateLog('orders', 0, logConfig({ cleanupPolicy: 'delete' }));
    log.appendAsLeader(keyedBatch([[null, 'x'], ['a', '1'], [null, 'y']], clock.nowMs()), 0);
    log.config = compacted();
    log.appendAsLeader(keyedBatch([['a', '2']], clock.nowMs()), 0);
    log.roll();
    await clean();
    expect(readRecords(log)).toEqual([{ offset: 3, key: 'a', value: '2' }]);
  });

  it('does not clean segments holding records younger than min.compaction.lag.ms', async () => {
    const log = manager.getOrCreateLog('orders', 0, compacted({ minCompactionLagMs: 10_000 }));
    writeKeys(log, 0, 30, 3);
    clock.advance(20_000);
    writeKeys(log, 30, 30, 3);
    await clean();
    // Only the segments older than 10 s were cleaned: the young ones still hold every record.
    expect(readRecords(log).filter((r) => r.offset >= 30)).toHaveLength(30);
    expect(readRecords(log).filter((r) => r.offset < 30)).toHaveLength(3);
  });

  it('a cleaning aborted by a truncation leaves the log as it was and no .cleaned file; a truncation below the checkpoint lowers it', async () => {
    const log = manager.getOrCreateLog('orders', 0, compacted());
    const checkpoint = (): string => fs.readFileSync(path.join(dir, 'cleaner-offset-checkpoint'), 'utf8');
    writeKeys(log, 0, 300, 10);
    await clean();
    expect(checkpoint()).toBe('0\n1\norders 0 300\n');
    writeKeys(log, 300, 300, 10);
    const before = readRecords(log);
    // The cleaning runs until its first pause; the truncation comes then.
    const cleaning = clean();
    log.truncateTo(450);
    await cleaning;
    expect(readRecords(log)).toEqual(before.filter((r) => r.offset < 450));
    expect(fs.readdirSync(log.dir).filter((f) => f.endsWith('.cleaned'))).toEqual([]);
    expect(checkpoint()).toBe('0\n1\norders 0 300\n');
    // The truncation cuts at the batch holding offset 200: the checkpoint follows the log end wherever that lands.
    log.truncateTo(200);
    expect(log.logEndOffset).toBeLessThanOrEqual(200);
    expect(checkpoint()).toBe(`0\n1\norders 0 ${log.logEndOffset}\n`);
    writeKeys(log, 200, 30, 10);
    expect(await clean()).toBe(true);
    expect(latestValues(readRecords(log))).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`k${k}`, `v${220 + k}`])));
  });

  it('runs the retention of compact,delete logs; the retention timer leaves compacted logs to it', async () => {
    // The old segment is full: the cleaning cannot merge it with the new one, whose records are younger.
    const log = manager.getOrCreateLog('orders', 0, compacted({ cleanupPolicy: 'compact,delete', retentionMs: 1000, segmentBytes: 1000 }));
    writeKeys(log, 0, 30, 30);
    clock.advance(5000);
    writeKeys(log, 30, 3, 30);
    expect(manager.deleteRetentionSegments()).toBe(0);
    const startBefore = log.logStartOffset;
    await clean();
    expect(log.logStartOffset).toBeGreaterThan(startBefore);
    expect(readRecords(log).every((r) => r.offset >= 30)).toBe(true);
  });
});
