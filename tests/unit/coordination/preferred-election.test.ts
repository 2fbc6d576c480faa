/**
 * The pure parts of preferred-leader election: Kafka's PreferredReplicaPartitionLeaderElectionStrategy,
 * the per-broker leader imbalance of checkAndTriggerAutoLeaderRebalance, and the request znode's JSON.
 */
import { electPreferredLeader, NO_LEADER } from '../../../src/coordination/controller/election';
import { leaderImbalance, type PartitionLeaderSnapshot } from '../../../src/coordination/controller/leader-imbalance';
import { parsePreferredReplicaElection, serializePreferredReplicaElection } from '../../../src/coordination/znodes';

const set = (ids: number[]) => new Set(ids);

describe('preferred leader election (Kafka preferredReplicaPartitionLeaderElection)', () => {
  it.each([
    { why: 'the preferred replica, alive and in sync, leads again; the ISR stays', replicas: [1, 2, 3], isr: [2, 3, 1], leader: 2, live: [1, 2, 3], want: { leader: 1, isr: [2, 3, 1] } },
    { why: 'an offline partition gets its preferred replica back', replicas: [1, 2], isr: [1], leader: NO_LEADER, live: [1, 2], want: { leader: 1, isr: [1] } },
    { why: 'already leading: no election, no new leader epoch', replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, live: [1, 2, 3], want: { skipped: 'preferred replica already leads' } },
    { why: 'a dead preferred replica is skipped', replicas: [1, 2, 3], isr: [2, 3, 1], leader: 2, live: [2, 3], want: { skipped: 'preferred replica is not alive' } },
    { why: 'a preferred replica still catching up is skipped', replicas: [1, 2, 3], isr: [2, 3], leader: 2, live: [1, 2, 3], want: { skipped: 'preferred replica is not in the ISR' } },
    { why: 'only the first replica counts, never the next one in sync', replicas: [3, 1, 2], isr: [1, 2], leader: 2, live: [1, 2], want: { skipped: 'preferred replica is not alive' } },
  ])('$why', ({ replicas, isr, leader, live, want }) => {
    expect(electPreferredLeader({ replicas, isr, leader, liveBrokerIds: set(live) })).toEqual(want);
  });

  it('does not share its ISR array with the input', () => {
    const isr = [2, 1];
    const result = electPreferredLeader({ replicas: [1, 2], isr, leader: 2, liveBrokerIds: set([1, 2]) });
    expect(result).toEqual({ leader: 1, isr: [2, 1] });
    expect('isr' in result && result.isr).not.toBe(isr);
  });
});

describe('leader imbalance (Kafka checkAndTriggerAutoLeaderRebalance)', () => {
  const p = (partition: number, replicas: number[], leader: number | undefined, isr = replicas): PartitionLeaderSnapshot =>
    ({ tp: { topic: 't', partition }, replicas, leader, isr });

  it('counts per preferred broker the partitions led elsewhere', () => {
    const partitions = [p(0, [1, 2, 3], 2), p(1, [1, 2, 3], 1), p(2, [2, 3, 1], 2), p(3, [3, 1, 2], NO_LEADER, [3])];
    expect(leaderImbalance(partitions, set([1, 2, 3]), 10).brokers).toEqual([
      { brokerId: 1, preferredCount: 2, notLedCount: 1, imbalanceRatio: 0.5 },
      { brokerId: 2, preferredCount: 1, notLedCount: 0, imbalanceRatio: 0 },
      { brokerId: 3, preferredCount: 1, notLedCount: 1, imbalanceRatio: 1 },
    ]);
  });

  it('elects for a broker above the percentage, only where its replica is alive and in the ISR', () => {
    const partitions = [
      p(0, [1, 2, 3], 2), // moves back
      p(1, [1, 2, 3], 2, [2, 3]), // broker 1 not in the ISR yet
      p(2, [2, 1, 3], 2), // balanced
      p(3, [1, 3, 2], 3), // moves back
    ];
    expect(leaderImbalance(partitions, set([1, 2, 3]), 10).candidates).toEqual([{ topic: 't', partition: 0 }, { topic: 't', partition: 3 }]);
  });

  it('leaves a broker at or below the percentage alone (the ratio must be above it)', () => {
    const partitions = [p(0, [1, 2], 2), ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => p(i, [1, 2], 1))];
    expect(leaderImbalance(partitions, set([1, 2]), 10).candidates).toEqual([]);
    expect(leaderImbalance(partitions, set([1, 2]), 9).candidates).toEqual([{ topic: 't', partition: 0 }]);
    expect(leaderImbalance(partitions, set([1, 2]), 0).candidates).toEqual([{ topic: 't', partition: 0 }]);
  });

  it('does not elect a dead or shutting-down preferred broker, and ignores partitions without a state yet', () => {
    expect(leaderImbalance([p(0, [1, 2], 2)], set([2]), 10).candidates).toEqual([]);
    const decision = leaderImbalance([p(0, [1, 2], undefined, [])], set([1, 2]), 10);
    expect(decision).toEqual({ brokers: [{ brokerId: 1, preferredCount: 1, notLedCount: 0, imbalanceRatio: 0 }], candidates: [] });
  });
});

describe('/admin/preferred_replica_election JSON', () => {
  it('is Kafka\'s {"version":1,"partitions":[{"topic","partition"}]} and reads back', () => {
    const partitions = [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 2 }];
    const bytes = serializePreferredReplicaElection(partitions);
    expect(JSON.parse(bytes.toString())).toEqual({ version: 1, partitions });
    expect(parsePreferredReplicaElection('/admin/preferred_replica_election', bytes)).toEqual(partitions);
  });

  it('refuses a partition listed twice and a malformed list, naming the path', () => {
    const path = '/admin/preferred_replica_election';
    expect(() => parsePreferredReplicaElection(path, Buffer.from('{"version":1,"partitions":[{"topic":"a","partition":0},{"topic":"a","partition":0}]}')))
      .toThrow('malformed znode /admin/preferred_replica_election: partition a-0 is listed twice');
    expect(() => parsePreferredReplicaElection(path, Buffer.from('{"version":1}'))).toThrow('field "partitions" is not a list');
  });
});
