import * as fs from 'fs';
import * as path from 'path';
import { ManualClock } from '../../../src/common/clock';
import { ErrorCode } from '../../../src/common/errors';
import { validateTopicName } from '../../../src/common/topic';
import { checkBatch, decodeBatches } from '../../../src/protocol/record-batch';
import { numberedBatch, openLog } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('log');
});
afterEach(() => rmDir(dir));

const values = (bytes: Buffer): string[] => decodeBatches(bytes).map((r) => r.value!.toString());

describe('PartitionLog', () => {
  it('assigns contiguous offsets and the leader epoch, and reads back the same bytes', () => {
    const log = openLog(dir);
    expect(log.appendAsLeader(numberedBatch(0, 3), 5)).toMatchObject({ baseOffset: 0, lastOffset: 2, recordCount: 3 });
    expect(log.appendAsLeader(numberedBatch(3, 2), 5)).toMatchObject({ baseOffset: 3, lastOffset: 4 });
    expect(log.logEndOffset).toBe(5);
    const bytes = log.read(0, { maxBytes: 1 << 20 });
    expect(values(bytes)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(decodeBatches(bytes).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(bytes.readInt32BE(12)).toBe(5);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 5, startOffset: 0 }]);
    log.close();
  });

  it('reads from the batch holding the offset, returns at least one whole batch, and stops at the bound', () => {
    const log = openLog(dir);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 10, 10, 1, 100), 0);
    const one = log.read(15, { maxBytes: 1 });
    expect(decodeBatches(one).map((r) => r.offset)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const bounded = log.read(0, { maxBytes: 1 << 20, maxOffsetExclusive: 30 });
    expect(decodeBatches(bounded).at(-1)!.offset).toBe(29);
    expect(log.read(30, { maxBytes: 1 << 20, maxOffsetExclusive: 30 })).toHaveLength(0);
    expect(log.read(100, { maxBytes: 100 })).toHaveLength(0);
    expect(() => log.read(101, { maxBytes: 100 })).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE.code }));
    log.close();
  });

  it('refuses a batch that fails its CRC or exceeds message.max.bytes, and stores nothing of it', () => {
    const log = openLog(dir, { maxMessageBytes: 500 });
    const bad = numberedBatch(0, 2);
    bad[bad.length - 1] ^= 0xff;
    expect(() => log.appendAsLeader(bad, 0)).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_MESSAGE.code }));
    expect(() => log.appendAsLeader(numberedBatch(0, 10, 1, 100), 0)).toThrow(expect.objectContaining({ code: ErrorCode.MESSAGE_TOO_LARGE.code }));
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeBytes).toBe(0);
    log.close();
  });

  it('writes sparse index entries and finds offsets through them', () => {
    const log = openLog(dir, { indexIntervalBytes: 1000 });
    for (let i = 0; i < 50; i++) log.appendAsLeader(numberedBatch(i * 5, 5, 1, 100), 0);
    log.close();
    const indexBytes = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
    expect(indexBytes.length % 8).toBe(0);
    expect(indexBytes.length / 8).toBeGreaterThan(5);
    expect(indexBytes.length / 8).toBeLessThan(50);
    const reopened = openLog(dir, { indexIntervalBytes: 1000 }, undefined, 250, true);
    for (const offset of [0, 7, 123, 249]) {
      expect(decodeBatches(reopened.read(offset, { maxBytes: 1 }))[0].offset).toBe(offset - (offset % 5));
    }
    reopened.close();
  });

  it('rolls at log.segment.bytes and at log.segment.ms, naming segments by their base offset', () => {
    const clock = new ManualClock(1_000_000);
    const log = openLog(dir, { segmentBytes: 1000, segmentMs: 60_000 }, clock);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 3, 3, 1, 100), 0);
    expect(log.segmentCount).toBeGreaterThan(3);
    const bases = log.segmentBaseOffsets();
    expect(bases[0]).toBe(0);
    for (const base of bases) expect(fs.existsSync(path.join(dir, `${String(base).padStart(20, '0')}.log`))).toBe(true);
    const before = log.segmentCount;
    clock.advance(60_000);
    log.appendAsLeader(numberedBatch(30, 1), 0);
    expect(log.segmentCount).toBe(before + 1);
    expect(log.segmentBaseOffsets().at(-1)).toBe(30);
    expect(values(log.read(0, { maxBytes: 1 << 20 })).length).toBeGreaterThan(0);
    log.close();
  });

  it('deletes old segments by log.retention.bytes, never the active one, and moves the log start', () => {
    const log = openLog(dir, { segmentBytes: 600, retentionBytes: 1500 });
    for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 100), 0);
    const segmentsBefore = log.segmentCount;
    expect(log.deleteRetentionSegments()).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    expect(log.sizeBytes).toBeLessThan(1500 + 600);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(() => log.read(0, { maxBytes: 100 })).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE.code }));
    log.close();
  });

  it('deletes segments older than log.retention.ms but keeps the active one', () => {
    const clock = new ManualClock(10_000_000);
    const log = openLog(dir, { segmentBytes: 300, retentionMs: 1000 }, clock);
    for (let i = 0; i < 6; i++) log.appendAsLeader(numberedBatch(i, 1, 9_000_000 + i, 150), 0);
    log.appendAsLeader(numberedBatch(6, 1, 10_000_000, 150), 0);
    const active = log.segmentBaseOffsets().at(-1);
    clock.advance(5_000);
    log.deleteRetentionSegments();
    expect(log.segmentBaseOffsets()).toEqual([active]);
    expect(log.logStartOffset).toBe(active);
    log.close();
  });

  it('truncates to an offset across segments, and appends continue from there', () => {
    const log = openLog(dir, { segmentBytes: 500 });
    for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 50), i < 10 ? 1 : 2);
    log.truncateTo(9);
    expect(log.logEndOffset).toBe(8);
    const end = log.logEndOffset;
    expect(decodeBatches(log.read(0, { maxBytes: 1 << 20 })).at(-1)?.offset ?? -1).toBeLessThan(end);
    log.truncateTo(8);
    expect(log.logEndOffset).toBe(8);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(log.appendAsLeader(numberedBatch(100, 1), 3).baseOffset).toBe(8);
    log.close();
  });

  it('keeps the leader\'s offsets as follower and refuses a gap', () => {
    const leader = openLog(dir);
    leader.appendAsLeader(numberedBatch(0, 3), 4);
    const bytes = leader.read(0, { maxBytes: 1 << 20 });
    const followerDir = tmpDir('follower');
    const follower = openLog(followerDir);
    expect(follower.appendAsFollower(Buffer.from(bytes))).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    expect(follower.read(0, { maxBytes: 1 << 20 }).equals(bytes)).toBe(true);
    expect(() => follower.appendAsFollower(Buffer.from(bytes))).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE.code }));
    follower.truncateFullyAndStartAt(100);
    expect([follower.logStartOffset, follower.logEndOffset]).toEqual([100, 100]);
    follower.close();
    leader.close();
    rmDir(followerDir);
  });

  it('reopens after a clean close with the same offsets and bytes', () => {
    const log = openLog(dir, { segmentBytes: 700 });
    for (let i = 0; i < 15; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 80), 1);
    const before = log.read(0, { maxBytes: 1 << 20 });
    const end = log.logEndOffset;
    log.flush();
    log.close();
    const reopened = openLog(dir, { segmentBytes: 700 }, undefined, end, true);
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.read(0, { maxBytes: 1 << 20 }).equals(before)).toBe(true);
    expect(reopened.appendAsLeader(numberedBatch(99, 1), 1).baseOffset).toBe(end);
    reopened.close();
  });

  it('finds the first offset at or after a timestamp', () => {
    const log = openLog(dir, { segmentBytes: 400, indexIntervalBytes: 100 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i, 1, 1000 + i * 10, 100), 0);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1045)).toEqual({ offset: 5, timestamp: 1050 });
    expect(log.offsetForTimestamp(1090)).toEqual({ offset: 9, timestamp: 1090 });
    expect(log.offsetForTimestamp(2000)).toBeUndefined();
    log.close();
  });

  it('stores only batches that pass their CRC', () => {
    const log = openLog(dir);
    log.appendAsLeader(numberedBatch(0, 4), 0);
    const stored = fs.readFileSync(path.join(dir, '00000000000000000000.log'));
    expect(checkBatch(stored, 0).ok).toBe(true);
    log.close();
  });
});

describe('topic names', () => {
  it.each(['orders', 'a.b_c-D9', 'x'.repeat(249)])('accepts %s', (name) => expect(() => validateTopicName(name)).not.toThrow());
  it.each(['', '.', '..', '../etc', 'a/b', 'a b', 'x'.repeat(250), 'é'])('refuses %j', (name) =>
    expect(() => validateTopicName(name)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TOPIC_EXCEPTION.code })));
});
