import * as fs from 'fs';
import * as path from 'path';
import { LeaderEpochEntries, LeaderEpochFileCache, UNDEFINED_EPOCH } from '../../../src/storage/leader-epoch-cache';
import { rmDir, tmpDir } from '../../helpers/tmp';

const entries = (...pairs: [number, number][]) => pairs.map(([epoch, startOffset]) => ({ epoch, startOffset }));

describe('LeaderEpochEntries (Kafka\'s rules)', () => {
  it('assigns a new epoch at its start offset and ignores repeats of the latest one', () => {
    const cache = new LeaderEpochEntries();
    expect(cache.latestEpoch()).toBe(UNDEFINED_EPOCH);
    expect(cache.assign(1, 0)).toBe(true);
    expect(cache.assign(1, 5)).toBe(false);
    expect(cache.assign(3, 10)).toBe(true);
    expect(cache.assign(-1, 20)).toBe(false);
    expect(cache.all()).toEqual(entries([1, 0], [3, 10]));
    expect(cache.latestEpoch()).toBe(3);
  });

  it('drops entries a new one contradicts, keeping both columns increasing', () => {
    const sameEpochEarlier = new LeaderEpochEntries(entries([1, 0], [3, 10]));
    expect(sameEpochEarlier.assign(3, 8)).toBe(true);
    expect(sameEpochEarlier.all()).toEqual(entries([1, 0], [3, 8]));
    const newEpochAtOldStart = new LeaderEpochEntries(entries([1, 0], [3, 10]));
    expect(newEpochAtOldStart.assign(4, 10)).toBe(true);
    expect(newEpochAtOldStart.all()).toEqual(entries([1, 0], [4, 10]));
    const olderEpoch = new LeaderEpochEntries(entries([1, 0], [3, 10]));
    expect(olderEpoch.assign(2, 12)).toBe(true);
    expect(olderEpoch.all()).toEqual(entries([1, 0], [2, 12]));
  });

  it('refuses to be built from entries that do not increase', () => {
    expect(() => new LeaderEpochEntries(entries([2, 0], [1, 5]))).toThrow(/do not increase/);
    expect(() => new LeaderEpochEntries(entries([1, 5], [2, 5]))).toThrow(/do not increase/);
  });

  it('answers endOffsetFor as Kafka does (KIP-101)', () => {
    const cache = new LeaderEpochEntries(entries([1, 0], [3, 10], [6, 25]));
    const logEndOffset = 40;
    expect(cache.endOffsetFor(6, logEndOffset)).toEqual({ epoch: 6, endOffset: 40 }); // latest: the log end
    expect(cache.endOffsetFor(3, logEndOffset)).toEqual({ epoch: 3, endOffset: 25 }); // known: next epoch's start
    expect(cache.endOffsetFor(1, logEndOffset)).toEqual({ epoch: 1, endOffset: 10 });
    expect(cache.endOffsetFor(4, logEndOffset)).toEqual({ epoch: 3, endOffset: 25 }); // unknown, between: the one below it
    expect(cache.endOffsetFor(0, logEndOffset)).toEqual({ epoch: 0, endOffset: 0 }); // older than all: first start
    expect(cache.endOffsetFor(7, logEndOffset)).toEqual({ epoch: -1, endOffset: -1 }); // newer than all
    expect(cache.endOffsetFor(UNDEFINED_EPOCH, logEndOffset)).toEqual({ epoch: -1, endOffset: -1 });
    expect(new LeaderEpochEntries().endOffsetFor(0, 5)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('truncates from the end: entries starting at or past the new end go', () => {
    const cache = new LeaderEpochEntries(entries([1, 0], [3, 10], [6, 25]));
    expect(cache.truncateFromEnd(30)).toBe(false);
    expect(cache.truncateFromEnd(25)).toBe(true);
    expect(cache.all()).toEqual(entries([1, 0], [3, 10]));
    cache.truncateFromEnd(0);
    expect(cache.all()).toEqual([]);
  });

  it('truncates from the start: the epoch covering the new start moves up to it', () => {
    const cache = new LeaderEpochEntries(entries([1, 0], [3, 10], [6, 25]));
    expect(cache.truncateFromStart(0)).toBe(false);
    expect(cache.truncateFromStart(12)).toBe(true);
    expect(cache.all()).toEqual(entries([3, 12], [6, 25]));
    expect(cache.truncateFromStart(25)).toBe(true);
    expect(cache.all()).toEqual(entries([6, 25]));
    expect(cache.truncateFromStart(5)).toBe(false);
  });
});

describe('LeaderEpochFileCache', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('epochs');
  });
  afterEach(() => rmDir(dir));
  const file = (): string => path.join(dir, 'leader-epoch-checkpoint');

  it('writes the changes in Kafka\'s checkpoint format at flush, not before, and reads them back', () => {
    const cache = LeaderEpochFileCache.open(dir);
    cache.assign(0, 0);
    cache.assign(2, 17);
    expect(fs.existsSync(file())).toBe(false);
    cache.flush();
    expect(fs.readFileSync(file(), 'utf8')).toBe('0\n2\n0 0\n2 17\n');
    expect(LeaderEpochFileCache.open(dir).all()).toEqual(entries([0, 0], [2, 17]));
    cache.truncateFromEnd(17);
    expect(fs.readFileSync(file(), 'utf8')).toBe('0\n2\n0 0\n2 17\n');
    cache.flush();
    expect(fs.readFileSync(file(), 'utf8')).toBe('0\n1\n0 0\n');
    cache.clear();
    cache.flush();
    expect(fs.readFileSync(file(), 'utf8')).toBe('0\n0\n');
    expect(fs.readdirSync(dir)).toEqual(['leader-epoch-checkpoint']);
  });

  it('names the file and the problem when the checkpoint is malformed', () => {
    fs.writeFileSync(file(), '0\n1\nnot numbers\n');
    expect(() => LeaderEpochFileCache.open(dir)).toThrow(/leader-epoch-checkpoint.*entry "not numbers"/);
    fs.writeFileSync(file(), '0\n2\n3 10\n1 20\n');
    expect(() => LeaderEpochFileCache.open(dir)).toThrow(/do not increase/);
  });
});
