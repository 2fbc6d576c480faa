/**
 * Leader election as pure functions of a snapshot, as Kafka's Election.scala: who leads a partition
 * given its replica list, ISR and the live brokers. The controller applies the result to ZooKeeper.
 */

export interface ElectionInput {
  /** The assignment; the first replica is the preferred leader. */
  replicas: readonly number[];
  isr: readonly number[];
  liveBrokerIds: ReadonlySet<number>;
}

export interface ElectionResult {
  /** -1: no eligible replica; the partition is offline. */
  leader: number;
  isr: number[];
  /** True when the leader came from outside the ISR (data may be lost). */
  unclean: boolean;
}

export const OFFLINE: ElectionResult = { leader: -1, isr: [], unclean: false };

/** A new partition: the first live replica leads; every live replica is in sync (all are empty). */
export function electForNewPartition({ replicas, liveBrokerIds }: ElectionInput): ElectionResult {
  const live = replicas.filter((r) => liveBrokerIds.has(r));
  return live.length === 0 ? { leader: -1, isr: [...replicas], unclean: false } : { leader: live[0], isr: live, unclean: false };
}

/**
 * The leader died or the partition is offline: the first replica in assignment order that is alive
 * and in the ISR. None: offline, keeping the last ISR (Kafka keeps it so a returning member can
 * lead), unless unclean election is allowed, then the first live replica.
 */
export function electForOfflinePartition(input: ElectionInput, uncleanLeaderElectionEnable: boolean): ElectionResult {
  const { replicas, isr, liveBrokerIds } = input;
  const liveIsr = isr.filter((r) => liveBrokerIds.has(r));
  const leader = replicas.find((r) => liveIsr.includes(r));
  if (leader !== undefined) return { leader, isr: liveIsr, unclean: false };
  if (uncleanLeaderElectionEnable) {
    const first = replicas.find((r) => liveBrokerIds.has(r));
    if (first !== undefined) return { leader: first, isr: [first], unclean: true };
  }
  return { leader: -1, isr: [...isr], unclean: false };
}

/** Controlled shutdown of `shuttingDown`: the first other ISR member that is alive takes over. */
export function electForControlledShutdown(input: ElectionInput, shuttingDown: ReadonlySet<number>): ElectionResult | undefined {
  const { replicas, isr, liveBrokerIds } = input;
  const candidates = isr.filter((r) => liveBrokerIds.has(r) && !shuttingDown.has(r));
  const leader = replicas.find((r) => candidates.includes(r));
  if (leader === undefined) return undefined;
  return { leader, isr: candidates, unclean: false };
}
