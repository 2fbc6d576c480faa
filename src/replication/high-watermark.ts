/**
 * The leader's high-watermark arithmetic, as pure functions over what it knows of each replica:
 * HW = the lowest log end offset (LEO) among the ISR members (its own included), and it never
 * moves backwards. A follower's position comes from the fetch offsets it sends (Kafka's
 * Replica.updateFetchState); a member whose position is not known yet holds the HW where it is.
 */

/** A follower's offset the leader has not learned yet (Kafka's UnknownOffset). */
export const UNKNOWN_OFFSET = -1;

/** What the leader knows about one follower, from that follower's fetches. */
export interface FollowerFetchState {
  /** The fetch offset of its last fetch = its log end offset; UNKNOWN_OFFSET before one. */
  logEndOffset: number;
  /** The log start offset its last fetch carried (DeleteRecords waits for it); UNKNOWN_OFFSET before one. */
  logStartOffset: number;
  /** The last time it was known to hold everything the leader had (drives ISR shrink). */
  lastCaughtUpTimeMs: number;
  /** The leader's LEO when that follower last fetched, and when. */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
}

/** A follower the leader has heard nothing from; ISR members start as caught up now (Kafka's makeLeader). */
export function initialFollowerState(inIsr: boolean, nowMs: number): FollowerFetchState {
  return {
    logEndOffset: UNKNOWN_OFFSET,
    logStartOffset: UNKNOWN_OFFSET,
    lastCaughtUpTimeMs: inIsr ? nowMs : 0,
    lastFetchLeaderLogEndOffset: UNKNOWN_OFFSET,
    lastFetchTimeMs: 0,
  };
}

/**
 * Kafka's Replica.updateFetchState: a fetch at or past the leader's LEO means caught up now; a
 * fetch at or past the leader's LEO of the previous fetch means caught up as of that fetch. The
 * follower's log start offset is the one its fetch carried (kept when it carried none).
 */
export function updateFollowerFetchState(
  state: FollowerFetchState,
  fetchOffset: number,
  leaderLogEndOffset: number,
  fetchTimeMs: number,
  followerLogStartOffset = state.logStartOffset,
): FollowerFetchState {
  let lastCaughtUpTimeMs = state.lastCaughtUpTimeMs;
  if (fetchOffset >= leaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, fetchTimeMs);
  else if (fetchOffset >= state.lastFetchLeaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, state.lastFetchTimeMs);
  return {
    logEndOffset: fetchOffset,
    logStartOffset: followerLogStartOffset,
    lastCaughtUpTimeMs,
    lastFetchLeaderLogEndOffset: leaderLogEndOffset,
    lastFetchTimeMs: fetchTimeMs,
  };
}

export interface HighWatermarkInput {
  currentHighWatermark: number;
  leaderId: number;
  leaderLogEndOffset: number;
  isr: readonly number[];
  /** A follower's known LEO, or UNKNOWN_OFFSET / undefined when not known. */
  followerLogEndOffset: (brokerId: number) => number | undefined;
}

/** The lowest LEO among ISR members, or undefined when some member's LEO is unknown. */
export function isrMinLogEndOffset(input: HighWatermarkInput): number | undefined {
  let min = input.leaderLogEndOffset;
  for (const id of input.isr) {
    if (id === input.leaderId) continue;
    const leo = input.followerLogEndOffset(id);
    if (leo === undefined || leo === UNKNOWN_OFFSET) return undefined;
    min = Math.min(min, leo);
  }
  return min;
}

/** The new high watermark: the ISR's lowest LEO when that is higher, else the current one. */
export function nextHighWatermark(input: HighWatermarkInput): number {
  const candidate = isrMinLogEndOffset(input);
  return candidate === undefined ? input.currentHighWatermark : Math.max(input.currentHighWatermark, candidate);
}

/**
 * Where a partition's HW starts when its log opens: the checkpointed value, kept within
 * [logStartOffset, logEndOffset] (retention may have moved the start, a crash may have cut the end).
 */
export function initialHighWatermark(checkpointed: number | undefined, logStartOffset: number, logEndOffset: number): number {
  const hw = checkpointed ?? 0;
  return Math.min(Math.max(hw, logStartOffset), logEndOffset);
}
