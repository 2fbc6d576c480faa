import fc from 'fast-check';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { assignReplicasToBrokers, validateReplicaAssignment } from '../../../src/coordination/controller/assignment';

const toObject = (m: Map<number, number[]>) => Object.fromEntries(m);

describe('replica assignment (Kafka AdminUtils.assignReplicasToBrokers, rack unaware)', () => {
  it("gives Kafka's own answer for its test case (5 brokers, 10 partitions, RF 3, fixed start 0)", () => {
    // AdminTest.testReplicaAssignment in Kafka 2.x, where fixedStartIndex 0 fixes both random draws.
    const assignment = assignReplicasToBrokers({ numPartitions: 10, replicationFactor: 3, brokerIds: [0, 1, 2, 3, 4], randomInt: () => 0 });
    expect(toObject(assignment)).toEqual({
      0: [0, 1, 2], 1: [1, 2, 3], 2: [2, 3, 4], 3: [3, 4, 0], 4: [4, 0, 1],
      5: [0, 2, 3], 6: [1, 3, 4], 7: [2, 4, 0], 8: [3, 0, 1], 9: [4, 1, 2],
    });
  });

  it('starts at the random start index and shift, over the brokers sorted by id', () => {
    const draws = [2, 1];
    const assignment = assignReplicasToBrokers({ numPartitions: 3, replicationFactor: 2, brokerIds: [30, 10, 20], randomInt: () => draws.shift() as number });
    // Start index 2 -> broker 30 leads partition 0; shift 1 -> followers 2 places after the leader.
    expect(toObject(assignment)).toEqual({ 0: [30, 20], 1: [10, 30], 2: [20, 10] });
  });

  it('never repeats a broker in a partition and spreads leaders evenly, for any cluster', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer(), fc.integer(),
      (brokerCount, numPartitions, rf, a, b) => {
        fc.pre(rf <= brokerCount);
        const brokerIds = Array.from({ length: brokerCount }, (_, i) => i + 1);
        const draws = [Math.abs(a) % brokerCount, Math.abs(b) % brokerCount];
        const assignment = assignReplicasToBrokers({ numPartitions, replicationFactor: rf, brokerIds, randomInt: () => draws.shift() as number });
        expect(assignment.size).toBe(numPartitions);
        const leaderCounts = new Map<number, number>();
        for (const replicas of assignment.values()) {
          expect(replicas).toHaveLength(rf);
          expect(new Set(replicas).size).toBe(rf);
          leaderCounts.set(replicas[0], (leaderCounts.get(replicas[0]) ?? 0) + 1);
        }
        const counts = [...leaderCounts.values()];
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      },
    ));
  });

  it.each([
    { numPartitions: 1, replicationFactor: 4, brokers: [1, 2, 3], code: ErrorCode.INVALID_REPLICATION_FACTOR, message: /larger than available brokers: 3/ },
    { numPartitions: 1, replicationFactor: 0, brokers: [1], code: ErrorCode.INVALID_REPLICATION_FACTOR, message: /at least 1/ },
    { numPartitions: 0, replicationFactor: 1, brokers: [1], code: ErrorCode.INVALID_PARTITIONS, message: /at least 1/ },
    { numPartitions: 1, replicationFactor: 1, brokers: [], code: ErrorCode.INVALID_REPLICATION_FACTOR, message: /available brokers: 0/ },
  ])('refuses $numPartitions partitions with RF $replicationFactor over $brokers', ({ numPartitions, replicationFactor, brokers, code, message }) => {
    const attempt = () => assignReplicasToBrokers({ numPartitions, replicationFactor, brokerIds: brokers });
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(JosefError);
    try {
      attempt();
    } catch (err) {
      expect((err as JosefError).code).toBe(code.code);
    }
  });
});

describe('explicit assignment checks (Kafka AdminZkClient.validateTopicCreate)', () => {
  it.each([
    { assignment: [[0, [1, 2]], [1, [2, 3]]], error: undefined },
    { assignment: [], error: /no partitions/ },
    { assignment: [[0, [1]], [2, [2]]], error: /1 is missing/ },
    { assignment: [[0, [1, 2]], [1, [2]]], error: /same number of replicas/ },
    { assignment: [[0, [1, 1]]], error: /lists a broker twice/ },
    { assignment: [[0, []]], error: /no replicas/ },
  ] as { assignment: [number, number[]][]; error: RegExp | undefined }[])('%j', ({ assignment, error }) => {
    const check = () => validateReplicaAssignment(new Map(assignment));
    if (error) expect(check).toThrow(error);
    else expect(check).not.toThrow();
  });
});
