import {
  electAfterBrokerFailure, electForControlledShutdown, electForNewPartition, electForOfflinePartition, NO_LEADER, removeReplicaFromIsr,
} from '../../../src/coordination/controller/election';

const set = (ids: number[]) => new Set(ids);

describe('offline partition election (Kafka offlinePartitionLeaderElection)', () => {
  it.each([
    { why: 'first live ISR member in assignment order', replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, live: [2, 3], unclean: false, want: { leader: 2, isr: [2, 3], unclean: false } },
    { why: 'assignment order, not ISR order', replicas: [1, 2, 3], isr: [3, 2], leader: 1, live: [2, 3], unclean: false, want: { leader: 2, isr: [3, 2], unclean: false } },
    { why: 'a live replica outside the ISR is not chosen', replicas: [1, 2, 3], isr: [1, 3], leader: 1, live: [2, 3], unclean: false, want: { leader: 3, isr: [3], unclean: false } },
    { why: 'no live ISR member: offline, the old leader stays in the ISR', replicas: [1, 2, 3], isr: [1], leader: 1, live: [2, 3], unclean: false, want: { leader: NO_LEADER, isr: [1], unclean: false } },
    { why: 'both ISR members dead: the old leader is the one kept', replicas: [1, 2, 3], isr: [2, 1], leader: 1, live: [3], unclean: false, want: { leader: NO_LEADER, isr: [1], unclean: false } },
    { why: 'already offline: the last ISR member is kept', replicas: [1, 2], isr: [2], leader: NO_LEADER, live: [1], unclean: false, want: { leader: NO_LEADER, isr: [2], unclean: false } },
    { why: 'the kept ISR member returns: it leads cleanly', replicas: [1, 2], isr: [2], leader: NO_LEADER, live: [1, 2], unclean: false, want: { leader: 2, isr: [2], unclean: false } },
    { why: 'unclean: the first live replica, alone in the ISR', replicas: [1, 2, 3], isr: [1], leader: 1, live: [3, 2], unclean: true, want: { leader: 2, isr: [2], unclean: true } },
    { why: 'unclean with nobody alive: still offline', replicas: [1, 2, 3], isr: [1], leader: 1, live: [], unclean: true, want: { leader: NO_LEADER, isr: [1], unclean: false } },
    { why: 'unclean is not used while an ISR member lives', replicas: [1, 2, 3], isr: [1, 3], leader: 1, live: [2, 3], unclean: true, want: { leader: 3, isr: [3], unclean: false } },
  ])('$why', ({ replicas, isr, leader, live, unclean, want }) => {
    expect(electForOfflinePartition({ replicas, isr, leader, liveBrokerIds: set(live) }, unclean)).toEqual(want);
  });
});

describe('new partition election', () => {
  it.each([
    { replicas: [3, 1, 2], live: [1, 2, 3], want: { leader: 3, isr: [3, 1, 2], unclean: false } },
    { replicas: [3, 1, 2], live: [1, 2], want: { leader: 1, isr: [1, 2], unclean: false } },
    { replicas: [3, 1, 2], live: [4], want: undefined },
  ])('replicas $replicas, live $live', ({ replicas, live, want }) => {
    expect(electForNewPartition({ replicas, isr: [], liveBrokerIds: set(live) })).toEqual(want);
  });
});

describe('controlled shutdown election', () => {
  it.each([
    { why: 'the next ISR member in assignment order', replicas: [1, 2, 3], isr: [1, 3, 2], live: [1, 2, 3], down: [1], want: { leader: 2, isr: [3, 2], unclean: false } },
    { why: 'a replica outside the ISR cannot take over', replicas: [1, 2, 3], isr: [1, 3], live: [1, 2, 3], down: [1], want: { leader: 3, isr: [3], unclean: false } },
    { why: 'another broker shutting down is skipped', replicas: [1, 2, 3], isr: [1, 2, 3], live: [1, 2, 3], down: [1, 2], want: { leader: 3, isr: [3], unclean: false } },
    { why: 'a dead ISR member is not chosen', replicas: [1, 2, 3], isr: [1, 2, 3], live: [1, 3], down: [1], want: { leader: 3, isr: [2, 3], unclean: false } },
    { why: 'nobody else in sync: no move', replicas: [1, 2], isr: [1], live: [1, 2], down: [1], want: undefined },
  ])('$why', ({ replicas, isr, live, down, want }) => {
    expect(electForControlledShutdown({ replicas, isr, liveBrokerIds: set(live) }, set(down))).toEqual(want);
  });
});

describe('a replica going offline (Kafka removeReplicasFromIsr)', () => {
  it.each([
    { why: 'a follower leaves the ISR', state: { leader: 1, isr: [1, 2, 3] }, replica: 2, want: { leader: 1, isr: [1, 3] } },
    { why: 'the leader leaves leadership and ISR', state: { leader: 1, isr: [1, 2] }, replica: 1, want: { leader: NO_LEADER, isr: [2] } },
    { why: 'the last ISR member stays in it', state: { leader: 1, isr: [1] }, replica: 1, want: { leader: NO_LEADER, isr: [1] } },
    { why: 'a replica in neither: no change', state: { leader: 1, isr: [1, 2] }, replica: 3, want: undefined },
  ])('$why', ({ state, replica, want }) => {
    expect(removeReplicaFromIsr(state, replica)).toEqual(want);
  });
});

describe('after brokers die (Kafka onBrokerFailure)', () => {
  it.each([
    { why: 'a dead follower leaves the ISR', leader: 1, isr: [1, 2, 3], alive: [1, 3], eligible: [1, 3], want: { leader: 1, isr: [1, 3], unclean: false } },
    { why: 'nothing dead: no change', leader: 1, isr: [1, 2], alive: [1, 2, 3], eligible: [1, 2, 3], want: undefined },
    { why: 'a dead leader is replaced', leader: 1, isr: [1, 2, 3], alive: [2, 3], eligible: [2, 3], want: { leader: 2, isr: [2, 3], unclean: false } },
    { why: 'a shutting-down leader is alive: it keeps leading', leader: 1, isr: [1, 2], alive: [1, 2], eligible: [2], want: undefined },
    { why: 'offline stays offline: no change', leader: NO_LEADER, isr: [1], alive: [2, 3], eligible: [2, 3], want: undefined },
    { why: 'an offline partition whose ISR member returns gets it as leader', leader: NO_LEADER, isr: [1], alive: [1, 2], eligible: [1, 2], want: { leader: 1, isr: [1], unclean: false } },
  ])('$why', ({ leader, isr, alive, eligible, want }) => {
    expect(electAfterBrokerFailure({ replicas: [1, 2, 3], isr, leader, liveBrokerIds: set(eligible) }, set(alive), false)).toEqual(want);
  });
});
