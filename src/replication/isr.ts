/**
 * The leader's in-sync-replica arithmetic, as pure functions (Kafka's Partition.getOutOfSyncReplicas
 * and isFollowerInSync): a follower leaves the ISR once it has not been caught up with the leader
 * for `replica.lag.time.max.ms`, and comes back once it holds everything up to the high watermark
 * and at least the start of the current leader epoch (so a new ISR member has all this leader's
 * committed history, not only an older leader's).
 */
import type { FollowerFetchState } from './high-watermark';

/** ISR members (the leader excepted) not caught up for longer than maxLagMs. */
export function outOfSyncReplicas(
  isr: readonly number[],
  leaderId: number,
  follower: (id: number) => FollowerFetchState | undefined,
  nowMs: number,
  maxLagMs: number,
): number[] {
  return isr.filter((id) => {
    if (id === leaderId) return false;
    const state = follower(id);
    return state === undefined || nowMs - state.lastCaughtUpTimeMs > maxLagMs;
  });
}

export interface ExpandInput {
  replicaId: number;
  isr: readonly number[];
  replicas: readonly number[];
  followerLogEndOffset: number;
  highWatermark: number;
  leaderEpochStartOffset: number;
}

/** True when a follower outside the ISR has caught up enough to rejoin it. */
export function shouldJoinIsr(input: ExpandInput): boolean {
  return !input.isr.includes(input.replicaId)
    && input.replicas.includes(input.replicaId)
    && input.followerLogEndOffset >= input.highWatermark
    && input.followerLogEndOffset >= input.leaderEpochStartOffset;
}

/** The ISR without `removed`, in its order. */
export function isrWithout(isr: readonly number[], removed: readonly number[]): number[] {
  return isr.filter((id) => !removed.includes(id));
}

/** The ISR with `added`, kept in the order of the assignment (as Kafka's describe shows it). */
export function isrWith(isr: readonly number[], added: number, replicas: readonly number[]): number[] {
  const members = new Set([...isr, added]);
  const ordered = replicas.filter((id) => members.has(id));
  return [...ordered, ...[...members].filter((id) => !replicas.includes(id))];
}
