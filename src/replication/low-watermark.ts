/**
 * The leader's DeleteRecords arithmetic, as pure functions (Kafka's Partition.deleteRecordsOnLeader
 * and lowWatermarkIfLeader): which offset a request moves the log start to, and the low watermark,
 * the lowest log start offset among the leader and every replica on a live broker. A DeleteRecords
 * is done once the low watermark reaches the offset it asked for: then no live replica can serve
 * the deleted records any more.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { DELETE_UP_TO_HIGH_WATERMARK } from '../protocol/messages';
import { UNKNOWN_OFFSET } from './high-watermark';

/**
 * The log start offset a DeleteRecords asks for: its offset, or the high watermark for -1. Never
 * past the high watermark, never negative (OFFSET_OUT_OF_RANGE, as Kafka).
 */
export function deleteRecordsTarget(requestedOffset: number, highWatermark: number, partitionName: string): number {
  if (!Number.isSafeInteger(requestedOffset)) throw new JosefError(ErrorCode.INVALID_REQUEST, `${partitionName}: DeleteRecords offset ${String(requestedOffset)} is not an integer`);
  const target = requestedOffset === DELETE_UP_TO_HIGH_WATERMARK ? highWatermark : requestedOffset;
  if (target < 0 || target > highWatermark) {
    throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE, `${partitionName}: cannot delete records before offset ${requestedOffset}: it is outside [0, high watermark ${highWatermark}]`);
  }
  return target;
}

export interface LowWatermarkInput {
  leaderLogStartOffset: number;
  /** The partition's other replicas. */
  followers: readonly number[];
  /** The log start offset a follower's last fetch carried; undefined or UNKNOWN_OFFSET before one. */
  followerLogStartOffset: (brokerId: number) => number | undefined;
  /** Whether a broker is alive (registered): a dead broker's replica does not hold DeleteRecords up. */
  isAlive: (brokerId: number) => boolean;
}

/**
 * Kafka's lowWatermarkIfLeader: the lowest log start offset among the leader and the replicas on
 * live brokers, in or out of the ISR. A live follower not heard from yet counts as UNKNOWN_OFFSET,
 * so nothing waiting on the low watermark completes until it has fetched.
 */
export function lowWatermark(input: LowWatermarkInput): number {
  let low = input.leaderLogStartOffset;
  for (const id of input.followers) {
    if (!input.isAlive(id)) continue;
    low = Math.min(low, input.followerLogStartOffset(id) ?? UNKNOWN_OFFSET);
  }
  return low;
}
