import { LeaderEpochEntries } from '../../../src/storage/leader-epoch-cache';
import { truncationOffset } from '../../../src/replication/truncation';

/** The follower's epoch history and log end, as endOffsetFor sees them. */
function follower(entries: [epoch: number, start: number][], logEndOffset: number, highWatermark = 0) {
  const cache = new LeaderEpochEntries(entries.map(([epoch, startOffset]) => ({ epoch, startOffset })));
  return { followerEndOffsetFor: (e: number) => cache.endOffsetFor(e, logEndOffset), followerLogEndOffset: logEndOffset, followerHighWatermark: highWatermark };
}

describe('truncationOffset (KIP-101)', () => {
  it('keeps the whole log when the leader has the same epoch ending at or past our end', () => {
    expect(truncationOffset({ leader: { epoch: 1, endOffset: 120 }, ...follower([[0, 0], [1, 50]], 100) })).toEqual({ truncateTo: 100, completed: true });
  });

  it('cuts the tail a deposed leader wrote in its epoch after the new leader took over', () => {
    // We led epoch 1 and wrote up to 100; the new leader's history has epoch 1 ending at 80.
    expect(truncationOffset({ leader: { epoch: 1, endOffset: 80 }, ...follower([[0, 0], [1, 50]], 100) })).toEqual({ truncateTo: 80, completed: true });
  });

  it('goes another round when the leader answers with an epoch we never had', () => {
    // We have epochs 0 and 2; the leader knows no epoch 2 and answers epoch 1 ending at 70. Our largest epoch <= 1 is 0, ending at 60.
    expect(truncationOffset({ leader: { epoch: 1, endOffset: 70 }, ...follower([[0, 0], [2, 60]], 90) }))
      .toEqual({ truncateTo: 60, completed: false, nextEpoch: 0 });
  });

  it('falls back to the high watermark when the leader knows no epoch at or below ours', () => {
    expect(truncationOffset({ leader: { epoch: -1, endOffset: -1 }, ...follower([[3, 0]], 40, 25) })).toEqual({ truncateTo: 25, completed: true });
  });

  it('cuts everything written in epochs the leader never had', () => {
    // Our history starts at offset 10 in epoch 5; the leader's latest epoch at or below 5 is 2: offsets from 10 on are not its.
    expect(truncationOffset({ leader: { epoch: 2, endOffset: 30 }, ...follower([[5, 10]], 40) })).toEqual({ truncateTo: 10, completed: true });
  });

  it('never asks to truncate past our own log end', () => {
    expect(truncationOffset({ leader: { epoch: -1, endOffset: 500 }, ...follower([], 40) }).truncateTo).toBe(40);
  });
});
