/** max.broker.partitions (KIP-578) as a pure check of a new assignment against what each broker hosts. */
import { ErrorCode } from '../../../src/common/errors';
import { brokerPartitionLimitProblem, checkBrokerPartitionLimit } from '../../../src/coordination/partition-limit';

const assignment = (lists: number[][]): Map<number, number[]> => new Map(lists.map((replicas, p) => [p, replicas]));

describe('max.broker.partitions', () => {
  it.each([
    { name: 'room on every broker', current: [[1, 3], [2, 3]], added: [[1, 2], [2, 1]], max: 5, over: undefined },
    { name: 'exactly at the limit', current: [[1, 3]], added: [[1, 2], [1, 3]], max: 5, over: undefined },
    { name: 'one past the limit on broker 1', current: [[1, 4]], added: [[1, 2], [2, 1]], max: 5, over: 'broker 1 hosts 4 and would get 2 more' },
    { name: 'a broker hosting nothing yet', current: [], added: [[3], [3], [3]], max: 2, over: 'broker 3 hosts 0 and would get 3 more' },
  ])('$name', ({ current, added, max, over }) => {
    const problem = brokerPartitionLimitProblem(assignment(added), new Map(current as [number, number][]), max);
    if (over === undefined) expect(problem).toBeUndefined();
    else expect(problem).toBe(`${over}: that exceeds max.broker.partitions (${max} partition replicas per broker)`);
  });

  it('names every broker past the limit, in id order', () => {
    expect(brokerPartitionLimitProblem(assignment([[2, 1], [1, 2]]), new Map(), 1)).toBe(
      'broker 1 hosts 0 and would get 2 more; broker 2 hosts 0 and would get 2 more: that exceeds max.broker.partitions (1 partition replicas per broker)',
    );
  });

  it('refuses with POLICY_VIOLATION, and checks nothing without a limit', () => {
    const limit = { maxBrokerPartitions: 1, replicasPerBroker: () => new Map([[1, 1]]) };
    expect(() => checkBrokerPartitionLimit(assignment([[1]]), limit)).toThrow(expect.objectContaining({ code: ErrorCode.POLICY_VIOLATION.code }));
    expect(() => checkBrokerPartitionLimit(assignment([[1]]), undefined)).not.toThrow();
  });
});
