import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from '../../../src/storage/offset-index';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('offset-index');
});
afterEach(() => rmDir(dir));

const indexPath = (): string => path.join(dir, '00000000000000000100.index');
const open = (maxIndexBytes = 1 << 20): OffsetIndex => OffsetIndex.open(indexPath(), 100, maxIndexBytes);

describe('OffsetIndex', () => {
  it('finds the greatest entry at or below an offset, or the segment start', () => {
    const index = open();
    index.append(110, 4200);
    index.append(125, 8500);
    index.append(160, 13000);
    expect(index.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(109)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(110)).toEqual({ offset: 110, position: 4200 });
    expect(index.lookup(124)).toEqual({ offset: 110, position: 4200 });
    expect(index.lookup(1e9)).toEqual({ offset: 160, position: 13000 });
    index.close();
  });

  it('writes Kafka\'s byte format: relative offset u32, position u32', () => {
    const index = open();
    index.append(110, 4200);
    index.append(125, 8500);
    index.persist();
    const bytes = fs.readFileSync(indexPath());
    expect(bytes.length).toBe(2 * OFFSET_INDEX_ENTRY_BYTES);
    expect([bytes.readUInt32BE(0), bytes.readUInt32BE(4), bytes.readUInt32BE(8), bytes.readUInt32BE(12)]).toEqual([10, 4200, 25, 8500]);
    index.close();
  });

  it('answers the same from memory, from the file after release, and after reopening', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 700 }), fc.array(fc.integer({ min: 90, max: 40_000 }), { minLength: 1, maxLength: 40 }), (steps, targets) => {
        fs.rmSync(indexPath(), { force: true });
        const index = open();
        const entries: { offset: number; position: number }[] = [];
        let offset = 100;
        let position = 0;
        for (const [offsetStep, positionStep] of steps) {
          offset += offsetStep;
          position += positionStep;
          index.append(offset, position);
          entries.push({ offset, position });
        }
        const expected = (target: number) => [...entries].reverse().find((e) => e.offset <= target) ?? { offset: 100, position: 0 };
        for (const t of targets) expect(index.lookup(t)).toEqual(expected(t));
        index.release();
        for (const t of targets) expect(index.lookup(t)).toEqual(expected(t));
        index.close();
        const reopened = open();
        expect(reopened.entryCount).toBe(entries.length);
        for (const t of targets) expect(reopened.lookup(t)).toEqual(expected(t));
        reopened.close();
      }),
      { numRuns: 60 },
    );
  });

  it('refuses entries that do not increase, and relative offsets past 2^31 - 1', () => {
    const index = open();
    index.append(110, 4200);
    expect(() => index.append(110, 5000)).toThrow(/does not follow/);
    expect(() => index.append(120, 4200)).toThrow(/does not follow/);
    expect(() => index.append(100 + 2 ** 31, 9000)).toThrow(/out of range/);
    index.close();
  });

  it('truncates to an offset in memory and in the file, and appends after that', () => {
    const index = open();
    for (let i = 1; i <= 5; i++) index.append(100 + i * 10, i * 1000);
    index.persist();
    index.truncateTo(130);
    expect(index.entryCount).toBe(2);
    expect(index.lastEntry()).toEqual({ offset: 120, position: 2000 });
    expect(fs.statSync(indexPath()).size).toBe(2 * OFFSET_INDEX_ENTRY_BYTES);
    index.append(125, 2500);
    expect(index.lookup(200)).toEqual({ offset: 125, position: 2500 });
    index.release();
    index.truncateTo(121);
    index.append(122, 2100);
    expect(index.lookup(200)).toEqual({ offset: 122, position: 2100 });
    index.close();
  });

  it('is full at segment.index.bytes', () => {
    const index = open(3 * OFFSET_INDEX_ENTRY_BYTES + 5);
    expect(index.maxEntries).toBe(3);
    for (let i = 1; i <= 3; i++) index.append(100 + i, i * 100);
    expect(index.isFull).toBe(true);
    expect(() => index.append(104, 400)).toThrow(/full index/);
    index.close();
  });

  it('reports why it cannot be trusted: a torn entry, disorder, a position past the log', () => {
    const index = open();
    index.append(110, 4200);
    index.append(120, 8400);
    index.close();
    expect(open().sanityProblem(10_000)).toBeUndefined();
    expect(open().sanityProblem(8400)).toMatch(/past the log's 8400 bytes/);
    const bytes = fs.readFileSync(indexPath());
    fs.writeFileSync(indexPath(), Buffer.concat([bytes.subarray(8, 16), bytes.subarray(0, 8)]));
    expect(open().sanityProblem(10_000)).toMatch(/does not follow/);
    fs.writeFileSync(indexPath(), bytes.subarray(0, 13));
    expect(open().sanityProblem(10_000)).toBe('partial trailing entry');
  });
});
