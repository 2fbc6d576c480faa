import fc from 'fast-check';
import {
  UNKNOWN_OFFSET, initialFollowerState, initialHighWatermark, isrMinLogEndOffset, nextHighWatermark, updateFollowerFetchState,
} from '../../../src/replication/high-watermark';

describe('high-watermark arithmetic', () => {
  const input = (leo: number, isr: number[], followers: Record<number, number>, hw = 0) => ({
    currentHighWatermark: hw, leaderId: 1, leaderLogEndOffset: leo, isr, followerLogEndOffset: (id: number) => followers[id],
  });

  it('with the leader alone in the ISR, HW = its LEO', () => {
    expect(nextHighWatermark(input(42, [1], {}))).toBe(42);
  });

  it('is the lowest LEO among ISR members, ignoring replicas outside the ISR', () => {
    expect(nextHighWatermark(input(50, [1, 2, 3], { 2: 40, 3: 45, 4: 1 }))).toBe(40);
  });

  it('an ISR member whose LEO is unknown holds the HW where it is', () => {
    expect(isrMinLogEndOffset(input(50, [1, 2], { 2: UNKNOWN_OFFSET }))).toBeUndefined();
    expect(nextHighWatermark(input(50, [1, 2], {}, 7))).toBe(7);
  });

  it('never moves backwards', () => {
    expect(nextHighWatermark(input(50, [1, 2], { 2: 10 }, 30))).toBe(30);
  });

  it('property: HW never decreases and never exceeds any ISR member LEO it knows', () => {
    fc.assert(fc.property(
      fc.nat(1000), fc.array(fc.nat(1000), { maxLength: 4 }), fc.nat(1000),
      (leaderLeo, followerLeos, hw) => {
        const followers = Object.fromEntries(followerLeos.map((leo, i) => [i + 2, leo]));
        const isr = [1, ...followerLeos.map((_, i) => i + 2)];
        const next = nextHighWatermark(input(leaderLeo, isr, followers, hw));
        expect(next).toBeGreaterThanOrEqual(hw);
        if (next > hw) expect(next).toBeLessThanOrEqual(Math.min(leaderLeo, ...followerLeos));
      },
    ));
  });

  it('a checkpointed HW is kept within the log', () => {
    expect(initialHighWatermark(undefined, 0, 10)).toBe(0);
    expect(initialHighWatermark(5, 0, 10)).toBe(5);
    expect(initialHighWatermark(50, 0, 10)).toBe(10);
    expect(initialHighWatermark(2, 4, 10)).toBe(4);
  });

  it('follower fetch state: caught up now at the leader LEO, or as of the last fetch when past its LEO then', () => {
    let state = initialFollowerState(false, 1000);
    expect(state.lastCaughtUpTimeMs).toBe(0);
    state = updateFollowerFetchState(state, 5, 10, 2000, 0); // behind
    expect(state).toEqual({ logEndOffset: 5, logStartOffset: 0, lastCaughtUpTimeMs: 0, lastFetchLeaderLogEndOffset: 10, lastFetchTimeMs: 2000 });
    state = updateFollowerFetchState(state, 10, 12, 3000, 4); // reached what the leader had at the previous fetch
    expect(state).toMatchObject({ lastCaughtUpTimeMs: 2000, logStartOffset: 4 });
    state = updateFollowerFetchState(state, 12, 12, 4000); // at the leader's LEO, its log start not said: kept
    expect(state).toMatchObject({ lastCaughtUpTimeMs: 4000, logStartOffset: 4 });
    expect(initialFollowerState(true, 1000).lastCaughtUpTimeMs).toBe(1000);
  });
});
