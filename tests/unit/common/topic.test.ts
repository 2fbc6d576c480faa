import * as path from 'path';
import { ErrorCode } from '../../../src/common/errors';
import { parsePartitionDirName, partitionDir, validateTopicName } from '../../../src/common/topic';

describe('topic names', () => {
  it.each(['orders', 'a.b_c-D9', '__consumer_offsets', 'x'.repeat(249), '...'])('accepts %s', (name) => expect(() => validateTopicName(name)).not.toThrow());

  it.each([
    ['', /empty/], ['.', /"\." and "\.\."/], ['..', /"\." and "\.\."/], ['../etc', /only ASCII/], ['a/b', /only ASCII/],
    ['a b', /only ASCII/], ['x'.repeat(250), /250 characters long, the limit is 249/], ['é', /only ASCII/],
  ])('refuses %j, saying why', (name, why) => {
    expect(() => validateTopicName(name)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TOPIC_EXCEPTION.code }));
    expect(() => validateTopicName(name)).toThrow(why);
  });
});

describe('partition folders', () => {
  it('lays partitions out as <log.dir>/<topic>/<partition>', () => {
    expect(partitionDir('/data/logs', 'orders', 3)).toBe(path.join('/data/logs', 'orders', '3'));
    expect(() => partitionDir('/data', 'orders', -1)).toThrow(RangeError);
  });

  it('parses only canonical partition numbers', () => {
    expect(['0', '7', '2147483647'].map(parsePartitionDirName)).toEqual([0, 7, 2147483647]);
    expect(['', '01', '-1', '1.5', '3-delete', '2147483648', 'x'].map(parsePartitionDirName)).toEqual(Array(7).fill(undefined));
  });
});
