import { figuresByKind, longestPartitionPause, longestPause, zombieWindows, type FaultFigures } from '../../../chaos/fault-figures';
import type { Observation } from '../../../chaos/fault-observer';

describe('the figures of a fault', () => {
  it('finds the longest stretch without acknowledgements, in the stream and per partition', () => {
    expect(longestPause([100, 400, 1_000, 1_200], 0, 2_000)).toBe(300);
    expect(longestPause([100, 400, 1_000, 1_200], 300, 1_100)).toBe(100);
    const acks = [{ partition: 0, atMs: 10, value: 'a' }, { partition: 1, atMs: 20, value: 'b' }, { partition: 0, atMs: 500, value: 'c' }, { partition: 1, atMs: 900, value: 'd' }];
    expect(longestPartitionPause(acks, 2, 0, 1_000)).toBe(880); // partition 1: 20 -> 900
    expect(longestPartitionPause(acks, 3, 0, 1_000)).toBe(1_000); // partition 2 never acknowledged
  });

  it('names a zombie leader\'s window and what was acknowledged and lost while it still answered as leader', () => {
    const observation: Observation = {
      leadersAtStart: [2, 2],
      leaderChanges: [
        { partition: 0, oldLeader: 2, newLeader: 1, electedAtMs: 5_000, lastAnsweredAsLeaderAtMs: 6_500 },
        { partition: 1, oldLeader: 2, newLeader: 3, electedAtMs: 5_000, lastAnsweredAsLeaderAtMs: 4_200 },
      ],
      acks: [
        { partition: 0, atMs: 900, value: 'before-the-fault' },
        { partition: 0, atMs: 2_000, value: 'z1' },
        { partition: 0, atMs: 5_500, value: 'z2' },
        { partition: 0, atMs: 6_000, value: 'new-leader' },
        { partition: 0, atMs: 7_000, value: 'after' },
        { partition: 1, atMs: 3_000, value: 'y1' },
      ],
    };
    const windows = zombieWindows(observation, 1_000, new Set(['z1', 'z2', 'y1', 'before-the-fault']));
    expect(windows).toEqual([
      { ...observation.leaderChanges[0], windowMs: 1_500, acknowledged: 3, lost: 2, lostAfterElection: 1 },
      { ...observation.leaderChanges[1], windowMs: 0, acknowledged: 1, lost: 1, lostAfterElection: 0 },
    ]);
  });

  it('keeps the worst of each kind, and a heal that did not come', () => {
    const fault = (action: FaultFigures['action'], healMs: number | undefined, windowMs: number, lost: number): FaultFigures => ({
      action, victim: 'broker 1', startMs: 0, holdMs: 1_000, longestAckPauseMs: windowMs * 2, longestPartitionPauseMs: windowMs * 3, healMs,
      zombies: [{ partition: 0, oldLeader: 1, newLeader: 2, electedAtMs: 0, lastAnsweredAsLeaderAtMs: windowMs, windowMs, acknowledged: lost, lost, lostAfterElection: 0 }],
    });
    expect(figuresByKind([fault('partition-leader', 500, 10, 1), fault('drop-to-zk', 100, 0, 0), fault('partition-leader', 900, 5, 2)])).toEqual([
      { action: 'partition-leader', faults: 2, longestAckPauseMs: 20, longestPartitionPauseMs: 30, longestHealMs: 900, longestZombieWindowMs: 10, lostWhileOldLeaderAnswered: 3 },
      { action: 'drop-to-zk', faults: 1, longestAckPauseMs: 0, longestPartitionPauseMs: 0, longestHealMs: 100, longestZombieWindowMs: 0, lostWhileOldLeaderAnswered: 0 },
    ]);
    expect(figuresByKind([fault('partition-bridge', 500, 0, 0), fault('partition-bridge', undefined, 0, 0)])[0].longestHealMs).toBeUndefined();
  });
});
