/**
 * Kafka's OfflineReplica transition for a replica on a failed log dir, as a pure function: a
 * leader hands over to an online ISR member, a follower leaves the ISR, the ISR never empties, and
 * a transition already made is not made again (no leader epoch raised for nothing).
 */
import { offlineReplicaTransition } from '../../../src/coordination/controller/log-dir-events';

const online = (...ids: number[]): Set<number> => new Set(ids);
const input = (replica: number, onlineBrokerIds: Set<number>, uncleanLeaderElectionEnable = false) => ({ replicas: [1, 2, 3], replica, onlineBrokerIds, uncleanLeaderElectionEnable });

describe('offlineReplicaTransition', () => {
  it('moves leadership from the offline replica to the first online ISR member', () => {
    expect(offlineReplicaTransition({ leader: 1, isr: [1, 2, 3] }, input(1, online(2, 3)))).toEqual({ leader: 2, isr: [2, 3] });
    expect(offlineReplicaTransition({ leader: 1, isr: [1, 3] }, input(1, online(2, 3)))).toEqual({ leader: 3, isr: [3] });
  });

  it('takes an offline follower out of the ISR and leaves the leader', () => {
    expect(offlineReplicaTransition({ leader: 2, isr: [2, 1, 3] }, input(1, online(2, 3)))).toEqual({ leader: 2, isr: [2, 3] });
    expect(offlineReplicaTransition({ leader: 2, isr: [2, 3] }, input(1, online(2, 3)))).toBeUndefined();
  });

  it('leaves the partition offline, keeping its last ISR member, when no other in-sync replica is online', () => {
    expect(offlineReplicaTransition({ leader: 1, isr: [1] }, input(1, online(2, 3)))).toEqual({ leader: -1, isr: [1] });
    // Asked again (the broker answers KAFKA_STORAGE_ERROR once more): nothing left to change.
    expect(offlineReplicaTransition({ leader: -1, isr: [1] }, input(1, online(2, 3)))).toBeUndefined();
    expect(offlineReplicaTransition({ leader: 1, isr: [1] }, input(1, online(2, 3), true))).toEqual({ leader: 2, isr: [2] });
  });
});
