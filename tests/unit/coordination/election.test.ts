import { assignReplicasToBrokers } from '../../../src/coordination/controller/assignment';
import { electForControlledShutdown, electForNewPartition, electForOfflinePartition } from '../../../src/coordination/controller/election';
import { parsePartitionState, parseTopicAssignment, serializePartitionState, serializeTopicAssignment } from '../../../src/coordination/znodes';

const live = (...ids: number[]) => new Set(ids);

describe('leader election (pure)', () => {
  it.each([
    { replicas: [1, 2, 3], isr: [1, 2, 3], live: [2, 3], unclean: false, leader: 2, isr2: [2, 3] },
    { replicas: [1, 2, 3], isr: [3, 1], live: [1, 2, 3], unclean: false, leader: 1, isr2: [3, 1] },
    { replicas: [1, 2, 3], isr: [1], live: [2, 3], unclean: false, leader: -1, isr2: [1] },
    { replicas: [1, 2, 3], isr: [1], live: [3, 2], unclean: true, leader: 2, isr2: [2] },
    { replicas: [1, 2, 3], isr: [1], live: [], unclean: true, leader: -1, isr2: [1] },
  ])('offline partition $replicas isr $isr live $live unclean $unclean -> $leader', (c) => {
    const result = electForOfflinePartition({ replicas: c.replicas, isr: c.isr, liveBrokerIds: live(...c.live) }, c.unclean);
    expect(result.leader).toBe(c.leader);
    expect(result.isr).toEqual(c.isr2);
    expect(result.unclean).toBe(c.unclean && c.leader !== -1);
  });

  it('new partitions take the first live replica and every live replica as ISR', () => {
    expect(electForNewPartition({ replicas: [3, 1, 2], isr: [], liveBrokerIds: live(1, 2) })).toEqual({ leader: 1, isr: [1, 2], unclean: false });
  });

  it('controlled shutdown moves leadership to another live ISR member, or nowhere', () => {
    expect(electForControlledShutdown({ replicas: [1, 2, 3], isr: [1, 3], liveBrokerIds: live(1, 2, 3) }, live(1))).toEqual({ leader: 3, isr: [3], unclean: false });
    expect(electForControlledShutdown({ replicas: [1, 2], isr: [1], liveBrokerIds: live(1, 2) }, live(1))).toBeUndefined();
  });
});

describe('replica assignment (pure)', () => {
  it('spreads leaders round-robin from the start index and never repeats a broker in a partition', () => {
    const assignment = assignReplicasToBrokers({ numPartitions: 6, replicationFactor: 3, brokerIds: [3, 1, 2], randomInt: () => 0 });
    expect([...assignment.values()].map((r) => r[0])).toEqual([1, 2, 3, 1, 2, 3]);
    for (const replicas of assignment.values()) expect(new Set(replicas).size).toBe(3);
  });

  it('refuses a replication factor above the live brokers', () => {
    expect(() => assignReplicasToBrokers({ numPartitions: 1, replicationFactor: 4, brokerIds: [1, 2, 3] })).toThrow(/larger than available brokers: 3/);
  });
});

describe('znode JSON', () => {
  it('round-trips partition state and assignment in Kafka\'s field names', () => {
    const state = { leader: 2, leaderEpoch: 7, isr: [2, 3], controllerEpoch: 4 };
    const bytes = serializePartitionState(state);
    expect(JSON.parse(bytes.toString())).toEqual({ controller_epoch: 4, leader: 2, version: 1, leader_epoch: 7, isr: [2, 3] });
    expect(parsePartitionState('/p', bytes)).toEqual(state);
    const assignment = new Map([[0, [1, 2]], [1, [2, 3]]]);
    expect(parseTopicAssignment('/t', serializeTopicAssignment(assignment))).toEqual(assignment);
    expect(() => parsePartitionState('/brokers/topics/t/partitions/0/state', Buffer.from('{"leader":"x"}'))).toThrow(/malformed znode \/brokers\/topics\/t\/partitions\/0\/state/);
  });
});
