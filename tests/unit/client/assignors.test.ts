import { rangeAssignor, roundRobinAssignor } from '../../../src/client/assignors';
import { javaStringHashCode, partitionForGroup } from '../../../src/group/coordinator-partition';

const names = (tps: { topic: string; partition: number }[] | undefined): string[] => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`);

describe('coordinator partition (Kafka: Utils.abs(groupId.hashCode) % partitions)', () => {
  it('matches Java String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('my-group')).toBe(-1906497762);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('maps Integer.MIN_VALUE to partition 0 and negative hashes through abs', () => {
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('my-group', 50)).toBe((-1906497762 & 0x7fffffff) % 50);
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
  });
});

describe('range assignor', () => {
  it('gives the first consumers of each topic one more (Kafka testTwoConsumersTwoTopicsSixPartitions)', () => {
    const result = rangeAssignor.assign(new Map([['t1', 3], ['t2', 3]]), [
      { memberId: 'consumer2', topics: ['t1', 't2'] },
      { memberId: 'consumer1', topics: ['t1', 't2'] },
    ]);
    expect(names(result.get('consumer1'))).toEqual(['t1-0', 't1-1', 't2-0', 't2-1']);
    expect(names(result.get('consumer2'))).toEqual(['t1-2', 't2-2']);
  });

  it('splits 6 partitions 2/2/2 and leaves unsubscribed and unknown topics alone', () => {
    const result = rangeAssignor.assign(new Map([['t', 6]]), [
      { memberId: 'a', topics: ['t'] }, { memberId: 'b', topics: ['t', 'missing'] }, { memberId: 'c', topics: ['t'] },
    ]);
    expect(names(result.get('a'))).toEqual(['t-0', 't-1']);
    expect(names(result.get('b'))).toEqual(['t-2', 't-3']);
    expect(names(result.get('c'))).toEqual(['t-4', 't-5']);
  });

  it('gives more consumers than partitions nothing to the last ones', () => {
    const result = rangeAssignor.assign(new Map([['t', 1]]), [{ memberId: 'a', topics: ['t'] }, { memberId: 'b', topics: ['t'] }]);
    expect(names(result.get('a'))).toEqual(['t-0']);
    expect(result.get('b')).toEqual([]);
  });
});

describe('round-robin assignor', () => {
  it('deals partitions of all topics in turn (Kafka testTwoConsumersTwoTopicsSixPartitions)', () => {
    const result = roundRobinAssignor.assign(new Map([['t1', 3], ['t2', 3]]), [
      { memberId: 'consumer1', topics: ['t1', 't2'] },
      { memberId: 'consumer2', topics: ['t1', 't2'] },
    ]);
    expect(names(result.get('consumer1'))).toEqual(['t1-0', 't1-2', 't2-1']);
    expect(names(result.get('consumer2'))).toEqual(['t1-1', 't2-0', 't2-2']);
  });

  it('skips members not subscribed to a topic', () => {
    const result = roundRobinAssignor.assign(new Map([['t1', 1], ['t2', 2]]), [
      { memberId: 'a', topics: ['t1'] }, { memberId: 'b', topics: ['t1', 't2'] },
    ]);
    expect(names(result.get('a'))).toEqual(['t1-0']);
    expect(names(result.get('b'))).toEqual(['t2-0', 't2-1']);
  });
});
