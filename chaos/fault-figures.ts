/**
 * The figures of a chaos run's faults, pure: the longest stretch without acknowledgements (in the
 * whole run's stream, and per partition), each zombie leader's window (from the moment ZooKeeper
 * named another leader until the old one last answered as leader) with what was acknowledged and
 * lost meanwhile, and the worst of each per fault kind.
 */
import type { LeaderChange, Observation, TimedAck } from './fault-observer';
import type { FaultAction } from './nemesis';

/** A leader change a fault caused, judged once the run's lost values are known. */
export interface ZombieWindow extends LeaderChange {
  /** How long the old leader still answered as leader after the new one was elected (0: it had stopped before). */
  windowMs: number;
  /** Acknowledgements of the partition from the fault until the old leader last answered as leader, and how many of them were lost. */
  acknowledged: number;
  lost: number;
  /** Of those lost, the ones acknowledged after the new leader was elected. */
  lostAfterElection: number;
}

export interface FaultFigures {
  action: FaultAction;
  victim: string;
  /** Ms since the run's start. */
  startMs: number;
  holdMs: number;
  /** The longest time without any acknowledgement, from the fault to 5 s after it was healed. */
  longestAckPauseMs: number;
  /** The longest time one partition got no acknowledgement, from the fault until the cluster had healed. */
  longestPartitionPauseMs: number;
  /** From the heal until every partition had a leader and its full ISR; undefined: not within the run's bound. */
  healMs: number | undefined;
  zombies: ZombieWindow[];
}

/** The longest stretch in [fromMs, toMs] with no acknowledgement, from the recorded pauses (pairs of start and end). */
export function longestPause(pauses: readonly number[], fromMs: number, toMs: number): number {
  let longest = 0;
  for (let i = 0; i < pauses.length; i += 2) {
    const start = Math.max(pauses[i], fromMs);
    const end = Math.min(pauses[i + 1], toMs);
    if (end > start) longest = Math.max(longest, end - start);
  }
  return longest;
}

/** The longest stretch in [fromMs, toMs] in which one of `partitions` got no acknowledgement, from acks in time order. */
export function longestPartitionPause(acks: readonly TimedAck[], partitions: number, fromMs: number, toMs: number): number {
  const last = new Array<number>(partitions).fill(fromMs);
  let longest = 0;
  for (const ack of acks) {
    if (ack.atMs < fromMs || ack.atMs > toMs || ack.partition >= partitions) continue;
    longest = Math.max(longest, ack.atMs - last[ack.partition]);
    last[ack.partition] = ack.atMs;
  }
  for (const at of last) longest = Math.max(longest, toMs - at);
  return longest;
}

/** Each leader change of an observed fault with its window and what was acknowledged and lost while the old leader still answered. */
export function zombieWindows(observation: Observation, faultStartMs: number, lost: ReadonlySet<string>): ZombieWindow[] {
  return observation.leaderChanges.map((change) => {
    const until = change.lastAnsweredAsLeaderAtMs;
    const acked = observation.acks.filter((a) => a.partition === change.partition && a.atMs >= faultStartMs && a.atMs <= until);
    const lostAcks = acked.filter((a) => lost.has(a.value));
    return {
      ...change,
      windowMs: Math.max(0, until - change.electedAtMs),
      acknowledged: acked.length,
      lost: lostAcks.length,
      lostAfterElection: lostAcks.filter((a) => a.atMs > change.electedAtMs).length,
    };
  });
}

export interface KindFigures {
  action: FaultAction;
  faults: number;
  longestAckPauseMs: number;
  longestPartitionPauseMs: number;
  /** The slowest heal (undefined when one did not heal within the bound). */
  longestHealMs: number | undefined;
  longestZombieWindowMs: number;
  /** Acknowledged writes lost of partitions whose old leader answered as leader meanwhile (acks=1 only, unless something is broken). */
  lostWhileOldLeaderAnswered: number;
}

/** The worst of each kind of fault, in the order kinds first struck. */
export function figuresByKind(faults: readonly FaultFigures[]): KindFigures[] {
  const byAction = new Map<FaultAction, KindFigures>();
  for (const f of faults) {
    const k = byAction.get(f.action) ?? {
      action: f.action, faults: 0, longestAckPauseMs: 0, longestPartitionPauseMs: 0, longestHealMs: 0, longestZombieWindowMs: 0, lostWhileOldLeaderAnswered: 0,
    };
    k.faults++;
    k.longestAckPauseMs = Math.max(k.longestAckPauseMs, f.longestAckPauseMs);
    k.longestPartitionPauseMs = Math.max(k.longestPartitionPauseMs, f.longestPartitionPauseMs);
    k.longestHealMs = f.healMs === undefined || k.longestHealMs === undefined ? undefined : Math.max(k.longestHealMs, f.healMs);
    for (const z of f.zombies) {
      k.longestZombieWindowMs = Math.max(k.longestZombieWindowMs, z.windowMs);
      k.lostWhileOldLeaderAnswered += z.lost;
    }
    byAction.set(f.action, k);
  }
  return [...byAction.values()];
}
