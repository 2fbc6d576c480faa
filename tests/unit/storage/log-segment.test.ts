import * as fs from 'fs';
import * as path from 'path';
import { assignOffsetsInPlace, decodeBatches, encodeRecordBatch } from '../../../src/protocol/record-batch';
import { LeaderEpochEntries } from '../../../src/storage/leader-epoch-cache';
import { LogSegment, type RollParams } from '../../../src/storage/log-segment';
import { numberedBatch } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('segment');
});
afterEach(() => rmDir(dir));

const settings = { indexIntervalBytes: 300, segmentIndexBytes: 1 << 20 };
const open = (baseOffset = 0): LogSegment => LogSegment.open(dir, baseOffset, settings, 1000);

/** Appends `batches` batches of `perBatch` records from `firstOffset`, epoch 2; returns their bytes. */
function fill(segment: LogSegment, firstOffset: number, batches: number, perBatch = 3, timestamp = (i: number) => 10_000 + i): Buffer[] {
  const written: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const offset = firstOffset + i * perBatch;
    const batch = numberedBatch(offset, perBatch, timestamp(i), 40);
    assignOffsetsInPlace(batch, 0, offset, 2);
    segment.append(batch, 2000);
    written.push(batch);
  }
  return written;
}

/** Where each batch starts when they are written back to back. */
const positionsOf = (batches: Buffer[]): number[] => batches.map((_, i) => batches.slice(0, i).reduce((sum, b) => sum + b.length, 0));

const offsetsOf = (bytes: Buffer | undefined): number[] => decodeBatches(bytes ?? Buffer.alloc(0)).map((r) => r.offset);

describe('LogSegment', () => {
  it('stores the appended bytes unchanged and names its files by base offset', () => {
    const segment = open(40);
    const written = fill(segment, 40, 5);
    expect(fs.readdirSync(dir).sort()).toEqual(['00000000000000000040.index', '00000000000000000040.log', '00000000000000000040.timeindex']);
    expect(fs.readFileSync(segment.logPath).equals(Buffer.concat(written))).toBe(true);
    expect(segment.nextOffset).toBe(55);
    segment.close();
  });

  it('indexes, as Kafka, a batch\'s last offset and start position once more than index.interval.bytes passed', () => {
    const segment = open();
    const written = fill(segment, 0, 12);
    const starts = positionsOf(written);
    const entries = Array.from({ length: segment.index.entryCount }, (_, i) => segment.index.entry(i));
    expect(entries.length).toBeGreaterThan(2);
    let previousPosition = 0;
    for (const entry of entries) {
      const batch = starts.indexOf(entry.position);
      expect(batch).toBeGreaterThan(0);
      expect(entry.offset).toBe(batch * 3 + 2);
      const bytesBefore = entry.position - previousPosition;
      expect(bytesBefore).toBeGreaterThan(settings.indexIntervalBytes);
      expect(bytesBefore - written[batch - 1].length).toBeLessThanOrEqual(settings.indexIntervalBytes);
      previousPosition = entry.position;
    }
    segment.close();
  });

  it('reads whole batches from the one holding an offset, at least one, never past maxPosition', () => {
    const segment = open();
    const written = fill(segment, 0, 10);
    const starts = positionsOf(written);
    expect(offsetsOf(segment.read(7, 1))).toEqual([6, 7, 8]);
    expect(offsetsOf(segment.read(7, written[2].length + written[3].length + 10))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(offsetsOf(segment.read(0, 1 << 20, starts[3]))).toEqual([...Array(9).keys()]);
    expect(segment.read(9, 1 << 20, starts[3])).toBeUndefined();
    expect(segment.read(30, 100)).toBeUndefined();
    expect(segment.readBound(9)).toBe(starts[3]);
    expect(segment.readBound(10)).toBe(starts[3]);
    expect(segment.readBound(30)).toBe(segment.sizeBytes);
    segment.close();
  });

  it('finds the first record at or after a time, inside a batch too', () => {
    const segment = open();
    const batch = encodeRecordBatch([1000, 1500, 1200].map((timestamp, i) => ({ value: Buffer.from(`r${i}`), timestamp })));
    segment.append(batch, 0);
    fill(segment, 3, 20, 3, (i) => 2000 + i * 100);
    expect(segment.findOffsetByTimestamp(1100, 0)).toEqual({ offset: 1, timestamp: 1500 });
    expect(segment.findOffsetByTimestamp(1500, 0)).toEqual({ offset: 1, timestamp: 1500 });
    expect(segment.findOffsetByTimestamp(1500, 2)).toEqual({ offset: 3, timestamp: 2000 });
    expect(segment.findOffsetByTimestamp(3250, 0)).toEqual({ offset: 3 + 13 * 3, timestamp: 3300 });
    expect(segment.findOffsetByTimestamp(10_000, 0)).toBeUndefined();
    segment.close();
  });

  it('truncates before the batch holding an offset, and appends continue from there', () => {
    const segment = open();
    const written = fill(segment, 0, 10);
    const cutBytes = segment.sizeBytes - positionsOf(written)[4];
    expect(segment.truncateTo(13)).toBe(cutBytes);
    expect(segment.nextOffset).toBe(12);
    expect(segment.index.lastEntry().offset).toBeLessThan(12);
    fill(segment, 12, 2);
    expect(offsetsOf(segment.read(0, 1 << 20))).toEqual([...Array(18).keys()]);
    segment.close();
  });

  it('says why to roll: size, age, a full index, an offset past 32 bits; never when empty', () => {
    const segment = open(100);
    const params: RollParams = { incomingBytes: 10, maxOffset: 110, nowMs: 1000, segmentBytes: 1000, segmentMs: 500 };
    expect(segment.shouldRoll({ ...params, incomingBytes: 5000, nowMs: 1e9 })).toBeUndefined();
    fill(segment, 100, 1);
    const size = segment.sizeBytes;
    expect(segment.shouldRoll(params)).toBeUndefined();
    expect(segment.shouldRoll({ ...params, incomingBytes: 1000 - size + 1 })).toBe('segment.bytes');
    expect(segment.shouldRoll({ ...params, nowMs: 2000 + 500 })).toBeUndefined();
    expect(segment.shouldRoll({ ...params, nowMs: 2000 + 501 })).toBe('segment.ms');
    expect(segment.shouldRoll({ ...params, maxOffset: 100 + 2 ** 31 })).toBe('offset range');
    segment.close();
    const tiny = LogSegment.open(dir, 0, { indexIntervalBytes: 0, segmentIndexBytes: 16 }, 0);
    fill(tiny, 0, 3);
    expect(tiny.shouldRoll(params)).toBe('index full');
    tiny.close();
  });

  it('recovers: keeps valid batches, cuts a torn tail, rebuilds the indexes, learns epochs', () => {
    const segment = open();
    const written = fill(segment, 0, 10);
    segment.close();
    const total = Buffer.concat(written).length;
    fs.truncateSync(path.join(dir, '00000000000000000000.log'), total - 7);
    fs.rmSync(path.join(dir, '00000000000000000000.index'));
    const reopened = open();
    const epochs = new LeaderEpochEntries();
    expect(reopened.recover(epochs)).toEqual({ truncatedBytes: written[9].length - 7, validBytes: total - written[9].length, reason: expect.stringMatching(/torn batch/) });
    expect(reopened.nextOffset).toBe(27);
    expect(epochs.all()).toEqual([{ epoch: 2, startOffset: 0 }]);
    expect(reopened.index.entryCount).toBeGreaterThan(0);
    reopened.close();
  });

  it('loads a trusted segment from its indexes, rebuilding a missing one without reading records', () => {
    const segment = open();
    fill(segment, 0, 10);
    segment.close();
    const reopened = open();
    expect(reopened.load()).toEqual({ damage: undefined });
    expect([reopened.nextOffset, reopened.maxTimestamp]).toEqual([30, 10_009]);
    reopened.close();
    fs.rmSync(path.join(dir, '00000000000000000000.timeindex'));
    const rebuilt = open();
    expect(rebuilt.load()).toEqual({ indexRebuildReason: 'the .timeindex file was missing', damage: undefined });
    expect([rebuilt.nextOffset, rebuilt.maxTimestamp]).toEqual([30, 10_009]);
    rebuilt.close();
  });
});
