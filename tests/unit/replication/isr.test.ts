import { initialFollowerState, updateFollowerFetchState, type FollowerFetchState } from '../../../src/replication/high-watermark';
import { isrWith, isrWithout, outOfSyncReplicas, shouldJoinIsr } from '../../../src/replication/isr';

describe('ISR arithmetic', () => {
  const lagMs = 10_000;

  it('drops a member not caught up for longer than replica.lag.time.max.ms, never the leader', () => {
    const states = new Map<number, FollowerFetchState>([
      [2, { ...initialFollowerState(true, 0), lastCaughtUpTimeMs: 1_000 }],
      [3, { ...initialFollowerState(true, 0), lastCaughtUpTimeMs: 9_000 }],
    ]);
    expect(outOfSyncReplicas([1, 2, 3], 1, (id) => states.get(id), 11_000, lagMs)).toEqual([]);
    expect(outOfSyncReplicas([1, 2, 3], 1, (id) => states.get(id), 11_001, lagMs)).toEqual([2]);
    expect(outOfSyncReplicas([1, 2, 3], 1, (id) => states.get(id), 30_000, lagMs)).toEqual([2, 3]);
  });

  it('a follower that keeps fetching the leader\'s end stays in, one that stops fetching falls out', () => {
    let steady = initialFollowerState(true, 0);
    let stuck = initialFollowerState(true, 0);
    for (let t = 500; t <= 20_000; t += 500) {
      const leaderEnd = t; // one record per ms
      steady = updateFollowerFetchState(steady, leaderEnd - 100, leaderEnd, t); // behind by a fetch, never more
      if (t < 5_000) stuck = updateFollowerFetchState(stuck, leaderEnd, leaderEnd, t);
    }
    const states = new Map([[2, steady], [3, stuck]]);
    expect(outOfSyncReplicas([1, 2, 3], 1, (id) => states.get(id), 20_000, lagMs)).toEqual([3]);
  });

  it('lets a follower rejoin once it has everything up to the HW and the current epoch\'s start', () => {
    const base = { replicaId: 3, isr: [1, 2], replicas: [1, 2, 3], highWatermark: 100, leaderEpochStartOffset: 90 };
    expect(shouldJoinIsr({ ...base, followerLogEndOffset: 99 })).toBe(false);
    expect(shouldJoinIsr({ ...base, followerLogEndOffset: 100 })).toBe(true);
    expect(shouldJoinIsr({ ...base, followerLogEndOffset: 100, leaderEpochStartOffset: 120 })).toBe(false);
    expect(shouldJoinIsr({ ...base, followerLogEndOffset: 100, isr: [1, 2, 3] })).toBe(false);
    expect(shouldJoinIsr({ ...base, followerLogEndOffset: 100, replicas: [1, 2] })).toBe(false);
  });

  it('keeps the ISR in assignment order', () => {
    expect(isrWith([2, 1], 3, [3, 1, 2])).toEqual([3, 1, 2]);
    expect(isrWithout([3, 1, 2], [1])).toEqual([3, 2]);
  });
});
