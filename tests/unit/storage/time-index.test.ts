import * as fs from 'fs';
import * as path from 'path';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from '../../../src/storage/time-index';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('time-index');
});
afterEach(() => rmDir(dir));

const indexPath = (): string => path.join(dir, '00000000000000000050.timeindex');
const open = (maxIndexBytes = 1 << 20): TimeIndex => TimeIndex.open(indexPath(), 50, maxIndexBytes);

describe('TimeIndex', () => {
  it('appends only timestamps newer than the last entry, and no entry for "no timestamp" (-1)', () => {
    const index = open();
    index.maybeAppend(-1, 50);
    index.maybeAppend(1000, 55);
    index.maybeAppend(1000, 60);
    index.maybeAppend(900, 61);
    index.maybeAppend(2000, 70);
    expect([index.entry(0), index.entry(1)]).toEqual([{ timestamp: 1000, offset: 55 }, { timestamp: 2000, offset: 70 }]);
    expect(index.entryCount).toBe(2);
    index.close();
    const bytes = fs.readFileSync(indexPath());
    expect(bytes.length).toBe(2 * TIME_INDEX_ENTRY_BYTES);
    expect([bytes.readBigInt64BE(0), bytes.readUInt32BE(8)]).toEqual([1000n, 5]);
  });

  it('finds the greatest entry at or below a timestamp, or (-1, base)', () => {
    const index = open();
    index.maybeAppend(1000, 55);
    index.maybeAppend(2000, 70);
    index.maybeAppend(3000, 90);
    expect(index.lookup(999)).toEqual({ timestamp: -1, offset: 50 });
    expect(index.lookup(1000)).toEqual({ timestamp: 1000, offset: 55 });
    expect(index.lookup(2999)).toEqual({ timestamp: 2000, offset: 70 });
    index.release();
    expect(index.lookup(5000)).toEqual({ timestamp: 3000, offset: 90 });
    index.close();
  });

  it('truncates entries at or past an offset', () => {
    const index = open();
    index.maybeAppend(1000, 55);
    index.maybeAppend(2000, 70);
    index.maybeAppend(3000, 90);
    index.truncateTo(70);
    expect(index.lastEntry()).toEqual({ timestamp: 1000, offset: 55 });
    index.maybeAppend(1500, 60);
    expect(index.lastEntry()).toEqual({ timestamp: 1500, offset: 60 });
    index.close();
  });

  it('when full, takes only the roll\'s last entry', () => {
    const index = open(2 * TIME_INDEX_ENTRY_BYTES);
    index.maybeAppend(1000, 55);
    index.maybeAppend(2000, 70);
    index.maybeAppend(3000, 80);
    expect(index.entryCount).toBe(2);
    index.maybeAppend(3000, 80, true);
    expect(index.lastEntry()).toEqual({ timestamp: 3000, offset: 80 });
    index.close();
  });

  it('reports entries out of order or torn', () => {
    const index = open();
    index.maybeAppend(1000, 55);
    index.maybeAppend(2000, 70);
    index.close();
    expect(open().sanityProblem()).toBeUndefined();
    const bytes = fs.readFileSync(indexPath());
    fs.writeFileSync(indexPath(), Buffer.concat([bytes.subarray(12), bytes.subarray(0, 12)]));
    expect(open().sanityProblem()).toMatch(/does not follow/);
    fs.writeFileSync(indexPath(), bytes.subarray(0, 20));
    expect(open().sanityProblem()).toBe('partial trailing entry');
  });
});
