/**
 * Where a follower cuts its log before fetching from a (new) leader: Kafka's KIP-101 rule, as pure
 * arithmetic over the two epoch histories (AbstractFetcherThread.getOffsetTruncationState).
 *
 * The follower asks the leader where its own latest epoch E ends. The leader answers with the
 * largest epoch it knows that is <= E, and where that epoch ends in its log. If the follower has
 * that same epoch, the histories agree up to the smaller of the two end offsets: truncate there.
 * If the follower's largest epoch <= the leader's answer is a different one, the histories parted
 * earlier: ask again with that epoch (another round). Without epochs on one side, fall back to
 * the high watermark (the pre-KIP-101 rule), which is all that is known to be committed.
 */
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from '../storage/leader-epoch-cache';

export interface TruncationInput {
  /** The leader's answer to OffsetsForLeaderEpoch for `requestedEpoch`. */
  leader: EpochEndOffset;
  /** The follower's own endOffsetFor(leader.epoch): its largest epoch <= that one, and its end. */
  followerEndOffsetFor: (epoch: number) => EpochEndOffset;
  followerLogEndOffset: number;
  followerHighWatermark: number;
}

export interface TruncationDecision {
  /** Cut the follower's log to end here (a no-op when it is at or past the log end). */
  truncateTo: number;
  /** False: ask the leader again with `nextEpoch` before fetching. */
  completed: boolean;
  nextEpoch?: number;
}

export function truncationOffset(input: TruncationInput): TruncationDecision {
  const { leader, followerLogEndOffset } = input;
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) {
    // The leader knows no epoch <= ours (or we had none to ask with): only the HW is safe.
    return { truncateTo: Math.min(input.followerHighWatermark, followerLogEndOffset), completed: true };
  }
  if (leader.epoch === UNDEFINED_EPOCH) {
    return { truncateTo: Math.min(leader.endOffset, followerLogEndOffset), completed: true };
  }
  const follower = input.followerEndOffsetFor(leader.epoch);
  if (follower.endOffset === UNDEFINED_EPOCH_OFFSET) {
    // Every epoch of ours is newer than the leader's answer: keep only what the leader has.
    return { truncateTo: Math.min(leader.endOffset, followerLogEndOffset), completed: true };
  }
  if (follower.epoch === leader.epoch) {
    return { truncateTo: Math.min(leader.endOffset, follower.endOffset, followerLogEndOffset), completed: true };
  }
  // Our largest epoch below the leader's answer is another one: the histories diverged before it.
  return { truncateTo: Math.min(follower.endOffset, followerLogEndOffset), completed: false, nextEpoch: follower.epoch };
}
