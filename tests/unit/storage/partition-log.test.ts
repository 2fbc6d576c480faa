import * as fs from 'fs';
import * as path from 'path';
import { ManualClock } from '../../../src/common/clock';
import { ErrorCode } from '../../../src/common/errors';
import { BatchField, assignOffsetsInPlace, checkBatch, decodeBatches, encodeRecordBatch, writeBatchHeader } from '../../../src/protocol/record-batch';
import { logConfig } from '../../../src/storage/log-config';
import { PartitionLog } from '../../../src/storage/partition-log';
import { checkedOffsets, markedCompressed, numberedBatch, openLog, quietLogger, readAll } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('log');
});
afterEach(() => rmDir(dir));

const values = (bytes: Buffer): string[] => decodeBatches(bytes).map((r) => r.value!.toString().replace(/x+$/, ''));
const offsets = (bytes: Buffer): number[] => decodeBatches(bytes).map((r) => r.offset);
const withCode = (code: { code: number }) => expect.objectContaining({ code: code.code });

describe('PartitionLog appends', () => {
  it('assigns contiguous offsets and the leader epoch in place, and reads back the same bytes', () => {
    const log = openLog(dir);
    const first = numberedBatch(0, 3);
    expect(log.appendAsLeader(first, 5)).toEqual({ baseOffset: 0, lastOffset: 2, recordCount: 3, logAppendTimeMs: -1 });
    expect(log.appendAsLeader(Buffer.concat([numberedBatch(3, 2), numberedBatch(5, 1)]), 5)).toMatchObject({ baseOffset: 3, lastOffset: 5, recordCount: 3 });
    expect(log.logEndOffset).toBe(6);
    const bytes = log.read(0, { maxBytes: 1 << 20 });
    expect(values(bytes)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(checkedOffsets(bytes, 0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(bytes.readInt32BE(BatchField.partitionLeaderEpoch)).toBe(5);
    expect(bytes.subarray(0, first.length).equals(first)).toBe(true);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 5, startOffset: 0 }]);
    log.appendAsLeader(numberedBatch(6, 1), 7);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 5, startOffset: 0 }, { epoch: 7, startOffset: 6 }]);
    log.close();
  });

  it('refuses a bad batch with the wire error Kafka uses, and stores nothing of the request', () => {
    const log = openLog(dir, { maxMessageBytes: 500, segmentBytes: 4000 });
    const good = numberedBatch(0, 1);
    const flipped = numberedBatch(0, 2);
    flipped[flipped.length - 1] ^= 0xff;
    const compressed = markedCompressed(numberedBatch(0, 1), 1);
    const miscounted = numberedBatch(0, 2);
    writeBatchHeader(miscounted, 0, { sizeBytes: miscounted.length, recordCount: 2, baseTimestamp: 0, maxTimestamp: 0 });
    miscounted.writeInt32BE(5, BatchField.lastOffsetDelta);
    miscounted.writeUInt32BE(0, BatchField.crc);
    const cases: [Buffer, { code: number }][] = [
      [Buffer.concat([good, flipped]), ErrorCode.CORRUPT_MESSAGE],
      [Buffer.concat([good, good.subarray(0, 30)]), ErrorCode.CORRUPT_MESSAGE],
      [Buffer.alloc(0), ErrorCode.CORRUPT_MESSAGE],
      [compressed, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE],
      [numberedBatch(0, 10, 1, 100), ErrorCode.MESSAGE_TOO_LARGE],
      [Buffer.concat(Array(20).fill(numberedBatch(0, 1, 1, 200))), ErrorCode.RECORD_LIST_TOO_LARGE],
    ];
    for (const [records, code] of cases) expect(() => log.appendAsLeader(records, 0)).toThrow(withCode(code));
    expect(checkBatch(miscounted, 0).ok).toBe(false);
    expect([log.logEndOffset, log.sizeBytes]).toEqual([0, 0]);
    expect(log.leaderEpochCache.all()).toEqual([]);
    log.close();
  });

  it('in a compacted topic refuses a request holding a record without a key, INVALID_RECORD as Kafka answers it; other policies take it', () => {
    const log = openLog(dir, { cleanupPolicy: 'compact' });
    const keyless = encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { value: Buffer.from('2') }]);
    expect(() => log.appendAsLeader(Buffer.concat([numberedBatch(0, 1), keyless]), 0)).toThrow(/INVALID_RECORD: Compacted topic cannot accept message without key in topic partition orders-0/);
    expect(log.logEndOffset).toBe(0);
    expect(log.appendAsLeader(numberedBatch(0, 2), 0).lastOffset).toBe(1);
    log.config = logConfig({ cleanupPolicy: 'delete' });
    expect(log.appendAsLeader(Buffer.from(keyless), 0)).toMatchObject({ baseOffset: 2, lastOffset: 3 });
    log.close();
  });

  it('as follower keeps the leader\'s offsets and epochs, takes a gap a compacted leader leaves, refuses going back, and takes an empty fetch', () => {
    const leader = openLog(dir);
    leader.appendAsLeader(numberedBatch(0, 3), 4);
    leader.appendAsLeader(numberedBatch(3, 2), 6);
    const bytes = leader.read(0, { maxBytes: 1 << 20 });
    const followerDir = tmpDir('follower');
    const follower = openLog(followerDir);
    expect(follower.appendAsFollower(Buffer.alloc(0))).toMatchObject({ baseOffset: 0, lastOffset: -1, recordCount: 0 });
    expect(follower.appendAsFollower(Buffer.from(bytes))).toMatchObject({ baseOffset: 0, lastOffset: 4, recordCount: 5 });
    expect(follower.read(0, { maxBytes: 1 << 20 }).equals(bytes)).toBe(true);
    expect(follower.leaderEpochCache.all()).toEqual([{ epoch: 4, startOffset: 0 }, { epoch: 6, startOffset: 3 }]);
    expect(() => follower.appendAsFollower(Buffer.from(bytes))).toThrow(withCode(ErrorCode.OFFSET_OUT_OF_RANGE));
    const gap = numberedBatch(0, 1);
    assignOffsetsInPlace(gap, 0, 7, 6);
    expect(follower.appendAsFollower(gap)).toMatchObject({ baseOffset: 7, lastOffset: 7 });
    expect(follower.logEndOffset).toBe(8);
    const behind = numberedBatch(0, 1);
    assignOffsetsInPlace(behind, 0, 6, 6);
    expect(() => follower.appendAsFollower(behind)).toThrow(/does not continue the log end 8/);
    follower.close();
    leader.close();
    rmDir(followerDir);
  });
});

describe('PartitionLog when the disk fails', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers KAFKA_STORAGE_ERROR, keeps the log consistent, and the next append overwrites the partial write', () => {
    const log = openLog(dir, { indexIntervalBytes: 0 });
    log.appendAsLeader(numberedBatch(0, 2), 0);
    const realWriteSync = fs.writeSync;
    // The module object itself (the `import * as` namespace's bindings cannot be redefined).
    const nodeFs = require('fs') as typeof fs;
    jest.spyOn(nodeFs, 'writeSync').mockImplementationOnce(((fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position: number) => {
      realWriteSync(fd, buffer, offset, Math.floor(length / 2), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    }) as unknown as typeof fs.writeSync);
    expect(() => log.appendAsLeader(numberedBatch(2, 3), 0)).toThrow(withCode(ErrorCode.KAFKA_STORAGE_ERROR));
    expect(log.logEndOffset).toBe(2);
    expect(log.appendAsLeader(numberedBatch(2, 3), 0).baseOffset).toBe(2);
    expect(checkedOffsets(readAll(log), 0)).toHaveLength(5);
    log.close();
    const reopened = openLog(dir, { indexIntervalBytes: 0 });
    expect(checkedOffsets(readAll(reopened), 0)).toHaveLength(5);
    reopened.close();
  });
});

describe('PartitionLog reads', () => {
  it('reads from the batch holding the offset, at least one whole batch, within maxBytes', () => {
    const log = openLog(dir);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 10, 10, 1, 100), 0);
    expect(offsets(log.read(15, { maxBytes: 1 }))).toEqual([...Array(10).keys()].map((i) => 10 + i));
    const threeBatchesBytes = [0, 10, 20].reduce((sum, offset) => sum + log.read(offset, { maxBytes: 1 }).length, 0);
    expect(offsets(log.read(0, { maxBytes: threeBatchesBytes - 1 }))).toHaveLength(20);
    expect(offsets(log.read(0, { maxBytes: threeBatchesBytes }))).toHaveLength(30);
    expect(log.read(100, { maxBytes: 100 })).toHaveLength(0);
    log.close();
  });

  it('never returns a batch reaching maxOffsetExclusive (the high watermark)', () => {
    const log = openLog(dir);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 10, 10, 1, 100), 0);
    expect(offsets(log.read(0, { maxBytes: 1 << 20, maxOffsetExclusive: 30 })).at(-1)).toBe(29);
    expect(log.read(30, { maxBytes: 1 << 20, maxOffsetExclusive: 30 })).toHaveLength(0);
    // A bound inside a batch holds that whole batch back, as Kafka bounds by the high watermark's batch.
    expect(offsets(log.read(0, { maxBytes: 1 << 20, maxOffsetExclusive: 35 })).at(-1)).toBe(29);
    expect(log.read(31, { maxBytes: 1 << 20, maxOffsetExclusive: 35 })).toHaveLength(0);
    expect(offsets(log.read(0, { maxBytes: 1 << 20, maxOffsetExclusive: 1000 })).at(-1)).toBe(99);
    log.close();
  });

  it('reads into a caller\'s buffer when the bytes fit, and into a fresh one when they do not', () => {
    const log = openLog(dir, { segmentBytes: 3000 });
    for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 10, 10, 1, 100), 0);
    const into = Buffer.alloc(4096); // more than a segment's 3000 bytes
    const readOn = (maxBytes: number): number[] => {
      const seen: number[] = [];
      for (let offset = 0; offset < log.logEndOffset; ) {
        const bytes = log.read(offset, { maxBytes, into });
        expect(bytes.buffer).toBe(into.buffer);
        seen.push(...checkedOffsets(bytes, offset));
        offset = seen[seen.length - 1] + 1;
      }
      return seen;
    };
    // Reading on from where the last read ended (remembered positions), across segment ends, twice.
    expect(readOn(into.length)).toEqual([...Array(200).keys()]);
    expect(readOn(1)).toEqual([...Array(200).keys()]);
    expect(offsets(log.read(15, { maxBytes: 1, into }))).toEqual([...Array(10).keys()].map((i) => 10 + i));
    const tooSmall = Buffer.alloc(100);
    const fresh = log.read(0, { maxBytes: 1 << 20, into: tooSmall });
    expect(fresh.buffer).not.toBe(tooSmall.buffer);
    expect(offsets(fresh)).toEqual([...Array(20).keys()]);
    log.close();
  });

  it('does not trust a remembered read position after a truncation', () => {
    const log = openLog(dir);
    for (let i = 0; i < 4; i++) log.appendAsLeader(numberedBatch(i * 10, 10, 1, 100), 0);
    expect(offsets(log.read(10, { maxBytes: 1 }))).toHaveLength(10); // remembers where offset 20 starts
    log.truncateTo(10);
    log.appendAsLeader(numberedBatch(0, 3, 1, 30), 1);
    log.appendAsLeader(numberedBatch(0, 10, 1, 100), 1); // offsets 13..22: that position is now inside this batch
    expect(offsets(log.read(20, { maxBytes: 1 }))).toEqual([...Array(10).keys()].map((i) => 13 + i));
    log.close();
  });

  it('answers OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]', () => {
    const log = openLog(dir);
    log.appendAsLeader(numberedBatch(0, 5), 0);
    expect(log.read(5, { maxBytes: 100 })).toHaveLength(0);
    expect(() => log.read(6, { maxBytes: 100 })).toThrow(withCode(ErrorCode.OFFSET_OUT_OF_RANGE));
    expect(() => log.read(-1, { maxBytes: 100 })).toThrow(/outside \[0, 5\]/);
    log.close();
  });

  it('finds the first offset at or after a timestamp across segments', () => {
    const log = openLog(dir, { segmentBytes: 400, indexIntervalBytes: 100 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i, 1, 1000 + i * 10, 100), 0);
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1045)).toEqual({ offset: 5, timestamp: 1050 });
    expect(log.offsetForTimestamp(1090)).toEqual({ offset: 9, timestamp: 1090 });
    expect(log.offsetForTimestamp(2000)).toBeUndefined();
    log.close();
  });
});

describe('PartitionLog segments', () => {
  it('writes sparse index entries and finds offsets through them after reopening', () => {
    const log = openLog(dir, { indexIntervalBytes: 1000 });
    for (let i = 0; i < 50; i++) log.appendAsLeader(numberedBatch(i * 5, 5, 1, 100), 0);
    log.close();
    const indexBytes = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
    expect(indexBytes.length / 8).toBeGreaterThan(5);
    expect(indexBytes.length / 8).toBeLessThan(50);
    const reopened = openLog(dir, { indexIntervalBytes: 1000 }, undefined, 250, true);
    for (const offset of [0, 7, 123, 249]) expect(offsets(reopened.read(offset, { maxBytes: 1 }))[0]).toBe(offset - (offset % 5));
    reopened.close();
  });

  it('rolls before an append would pass segment.bytes, naming segments by their base offset', () => {
    const log = openLog(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 3, 3, 1, 100), 0);
    const bases = log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(3);
    expect(bases[0]).toBe(0);
    for (const base of bases) {
      const file = path.join(dir, `${String(base).padStart(20, '0')}.log`);
      expect(fs.statSync(file).size).toBeLessThanOrEqual(1000);
      expect(checkedOffsets(fs.readFileSync(file), base).length).toBeGreaterThan(0);
    }
    expect(checkedOffsets(readAll(log), 0)).toHaveLength(30);
    log.close();
  });

  it('rolls a segment older than segment.ms, counting from its first append', () => {
    const clock = new ManualClock(1_000_000);
    const log = openLog(dir, { segmentMs: 60_000 }, clock);
    clock.advance(120_000); // an empty segment's age does not count
    log.appendAsLeader(numberedBatch(0, 1), 0);
    clock.advance(60_000);
    log.appendAsLeader(numberedBatch(1, 1), 0);
    expect(log.segmentBaseOffsets()).toEqual([0]);
    clock.advance(1);
    log.appendAsLeader(numberedBatch(2, 1), 0);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    log.close();
  });

  it('fsyncs rolled segments in the background and then moves the recovery point to the new segment', async () => {
    const log = openLog(dir, { segmentBytes: 600 });
    for (let i = 0; i < 8; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 100), 0);
    expect(log.recoveryPoint).toBe(0);
    await log.whenBackgroundFlushed();
    expect(log.recoveryPoint).toBe(log.segmentBaseOffsets().at(-1));
    log.close();
  });

  it('flushes by flush.messages, by flush.ms, and otherwise leaves it to the OS', () => {
    const clock = new ManualClock(0);
    const byCount = openLog(dir, { flushIntervalMessages: 5 }, clock);
    byCount.appendAsLeader(numberedBatch(0, 3), 0);
    expect(byCount.recoveryPoint).toBe(0);
    byCount.appendAsLeader(numberedBatch(3, 2), 0);
    expect(byCount.recoveryPoint).toBe(5);
    byCount.close();
    const timeDir = tmpDir('flush-ms');
    const byTime = openLog(timeDir, { flushIntervalMs: 1000 }, clock);
    byTime.appendAsLeader(numberedBatch(0, 3), 0);
    clock.advance(999);
    byTime.maybeFlushByTime();
    expect(byTime.recoveryPoint).toBe(0);
    clock.advance(1);
    byTime.maybeFlushByTime();
    expect(byTime.recoveryPoint).toBe(3);
    byTime.close();
    rmDir(timeDir);
  });
});

describe('PartitionLog retention', () => {
  it('deletes oldest segments over retention.bytes, never the active one, and moves the log start', () => {
    const log = openLog(dir, { segmentBytes: 600, retentionBytes: 1500, retentionMs: -1 });
    log.appendAsLeader(numberedBatch(0, 2, 1, 100), 1);
    for (let i = 1; i < 20; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 100), 2);
    const before = log.segmentCount;
    expect(log.deleteRetentionSegments()).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(before);
    expect(log.sizeBytes).toBeGreaterThanOrEqual(1500 - 600);
    expect(log.sizeBytes).toBeLessThan(1500 + 600);
    expect(log.logStartOffset).toBe(log.segmentBaseOffsets()[0]);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 2, startOffset: log.logStartOffset }]);
    expect(() => log.read(0, { maxBytes: 100 })).toThrow(withCode(ErrorCode.OFFSET_OUT_OF_RANGE));
    expect(checkedOffsets(readAll(log), log.logStartOffset).at(-1)).toBe(39);
    const tiny = openLog(tmpDir('tiny'), { retentionBytes: 0, retentionMs: -1 });
    tiny.appendAsLeader(numberedBatch(0, 2), 0);
    expect(tiny.deleteRetentionSegments()).toBe(0);
    tiny.delete();
    log.close();
  });

  it('deletes segments whose newest record is older than retention.ms, but not the active one', () => {
    const clock = new ManualClock(10_000_000);
    const log = openLog(dir, { segmentBytes: 300, retentionMs: 1000 }, clock);
    for (let i = 0; i < 6; i++) log.appendAsLeader(numberedBatch(i, 1, 9_000_000 + i, 150), 0);
    log.appendAsLeader(numberedBatch(6, 1, 10_000_000, 150), 0);
    const active = log.segmentBaseOffsets().at(-1);
    const inactiveSegments = log.segmentCount - 1;
    expect(log.deleteRetentionSegments()).toBe(inactiveSegments);
    expect(log.segmentBaseOffsets()).toEqual([active]);
    clock.advance(5_000);
    expect(log.deleteRetentionSegments()).toBe(0);
    expect(log.logStartOffset).toBe(active);
    log.close();
  });

  it('keeps segments holding offsets at or past the high watermark', () => {
    const log = openLog(dir, { segmentBytes: 300, retentionBytes: 0, retentionMs: -1 });
    for (let i = 0; i < 6; i++) log.appendAsLeader(numberedBatch(i, 1, 1, 150), 0);
    const bases = log.segmentBaseOffsets();
    expect(log.deleteRetentionSegments(bases[2])).toBe(2);
    expect(log.logStartOffset).toBe(bases[2]);
    log.close();
  });
});

describe('PartitionLog truncation', () => {
  it('truncates to an offset across segments, fixes the epoch cache, and appends continue there', () => {
    const log = openLog(dir, { segmentBytes: 500 });
    for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 50), i < 10 ? 1 : 2);
    log.flush();
    log.truncateTo(21);
    expect(log.logEndOffset).toBe(20);
    expect(log.recoveryPoint).toBe(20);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 1, startOffset: 0 }]);
    expect(checkedOffsets(readAll(log), 0)).toHaveLength(20);
    expect(log.appendAsLeader(numberedBatch(100, 1), 3).baseOffset).toBe(20);
    log.truncateTo(8);
    expect(log.logEndOffset).toBe(8);
    expect(log.segmentBaseOffsets().every((b) => b <= 8)).toBe(true);
    log.close();
    const reopened = openLog(dir, { segmentBytes: 500 });
    expect(checkedOffsets(readAll(reopened), 0)).toHaveLength(8);
    reopened.close();
  });

  it('empties the log and starts it at an offset', () => {
    const log = openLog(dir);
    log.appendAsLeader(numberedBatch(0, 3), 4);
    log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.recoveryPoint]).toEqual([100, 100, 100]);
    expect(log.leaderEpochCache.all()).toEqual([]);
    expect(log.appendAsLeader(numberedBatch(0, 1), 5).baseOffset).toBe(100);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log'))).toEqual(['00000000000000000100.log']);
    log.close();
  });
});

describe('PartitionLog reopening', () => {
  it('reopens after a clean close with the same offsets, bytes and epochs', () => {
    const log = openLog(dir, { segmentBytes: 700 });
    for (let i = 0; i < 15; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 80), i < 5 ? 1 : 3);
    const before = readAll(log);
    const end = log.logEndOffset;
    log.flush();
    log.close();
    const reopened = openLog(dir, { segmentBytes: 700 }, undefined, end, true);
    expect(reopened.logEndOffset).toBe(end);
    expect(reopened.recoveryPoint).toBe(end);
    expect(readAll(reopened).equals(before)).toBe(true);
    expect(reopened.leaderEpochCache.all()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }]);
    expect(reopened.appendAsLeader(numberedBatch(99, 1), 3).baseOffset).toBe(end);
    reopened.close();
  });
});

describe('PartitionLog log start offset (DeleteRecords)', () => {
  /** Ten segments of two 2-record batches each: offsets 0..39, segment i starts at 4i; epochs 1 then 2 from offset 20. */
  const tenSegments = (overrides = {}, onLogStartOffsetChanged?: () => void): ReturnType<typeof openLog> => {
    const log = PartitionLog.open(dir, 'orders', 0, logConfig({ segmentBytes: 450, ...overrides }), {
      recoveryPoint: 0, hadCleanShutdown: false, clock: new ManualClock(1_700_000_000_000), logger: quietLogger, onLogStartOffsetChanged,
    });
    for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 60), i < 10 ? 1 : 2);
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    return log;
  };

  it('raises the start inside a segment: reads below it are out of range, the segments wholly below it go, and it never moves back', () => {
    const changes: number[] = [];
    const log = tenSegments({}, () => changes.push(log.logStartOffset));
    expect(log.maybeIncrementLogStartOffset(10, 'test')).toBe(true);
    expect([log.logStartOffset, log.firstSegmentBaseOffset]).toEqual([10, 8]);
    expect(log.segmentBaseOffsets()[0]).toBe(8);
    expect(fs.existsSync(path.join(dir, '00000000000000000004.log'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '00000000000000000008.log'))).toBe(true);
    expect(() => log.read(9, { maxBytes: 100 })).toThrow(withCode(ErrorCode.OFFSET_OUT_OF_RANGE));
    // Whole batches as ever: the one holding the start begins at it here (batches of two).
    expect(offsets(log.read(10, { maxBytes: 1 << 20 }))[0]).toBe(10);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 10, timestamp: 1 });
    expect(changes).toEqual([10]);

    expect(log.maybeIncrementLogStartOffset(6, 'lower')).toBe(false);
    expect(log.maybeIncrementLogStartOffset(10, 'same')).toBe(false);
    expect(log.logStartOffset).toBe(10);
    // At a segment boundary the files say it all: nothing for the checkpoint.
    expect(log.maybeIncrementLogStartOffset(24, 'test')).toBe(true);
    expect([log.logStartOffset, log.firstSegmentBaseOffset]).toEqual([24, 24]);
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 2, startOffset: 24 }]);
    expect(changes).toEqual([10]);
    expect(() => log.maybeIncrementLogStartOffset(41, 'past the end')).toThrow(/past the log end 40/);
    log.close();
  });

  it('keeps the active segment: what it holds below the start goes once it rolled, at the next retention check', () => {
    const log = tenSegments({ retentionMs: -1, retentionBytes: -1 });
    log.maybeIncrementLogStartOffset(40, 'everything');
    expect(log.segmentBaseOffsets()).toEqual([36]);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([40, 40]);
    expect(log.read(40, { maxBytes: 100 })).toHaveLength(0);
    log.roll();
    expect(log.deleteRetentionSegments()).toBe(1);
    expect([log.segmentBaseOffsets(), log.logStartOffset]).toEqual([[40], 40]);
    log.close();
  });

  it('reopens at the start it is given, the first segment\'s base when that is higher; a log ending before its start is emptied there', () => {
    tenSegments().close();
    const at = (logStartOffset: number): PartitionLog => PartitionLog.open(dir, 'orders', 0, logConfig({ segmentBytes: 450 }), {
      recoveryPoint: 40, hadCleanShutdown: true, clock: new ManualClock(1_700_000_000_000), logger: quietLogger, logStartOffset,
    });
    const reopened = at(13);
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([13, 40]);
    expect(() => reopened.read(12, { maxBytes: 100 })).toThrow(withCode(ErrorCode.OFFSET_OUT_OF_RANGE));
    reopened.close();
    const lost = at(55);
    expect([lost.logStartOffset, lost.logEndOffset, lost.segmentBaseOffsets()]).toEqual([55, 55, [55]]);
    lost.close();
  });

  it('emptying the log at a lower offset tells the checkpoint; emptying it higher does not need to', () => {
    const changes: number[] = [];
    const log = tenSegments({}, () => changes.push(log.logStartOffset));
    log.maybeIncrementLogStartOffset(30, 'test');
    log.truncateFullyAndStartAt(50);
    expect(changes).toEqual([30]);
    log.truncateFullyAndStartAt(20);
    expect(changes).toEqual([30, 20]);
    log.close();
  });
});
