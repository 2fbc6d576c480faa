/**
 * Leader election as pure functions of a snapshot, as Kafka's Election.scala and the replica
 * state machine's ISR rules: who leads a partition and who stays in its ISR, given its replica
 * list, its ISR and the brokers that may lead. The controller applies the results to ZooKeeper.
 */

/** No leader: the partition is offline (Kafka's LeaderAndIsr.NoLeader). */
export const NO_LEADER = -1;

export interface ElectionInput {
  /** The assignment; the first replica is the preferred leader. */
  replicas: readonly number[];
  isr: readonly number[];
  /** Brokers that may lead: alive and not shutting down (Kafka's isReplicaOnline). */
  liveBrokerIds: ReadonlySet<number>;
}

export interface LeaderAndIsr {
  leader: number;
  isr: number[];
}

export interface ElectionResult extends LeaderAndIsr {
  /** True when the leader came from outside the ISR: acknowledged records may be lost. */
  unclean: boolean;
}

/**
 * A partition without a state znode yet (Kafka's NewPartition -> OnlinePartition): the first live
 * replica leads and every live replica is in sync (all are empty). No live replica: undefined, and
 * as Kafka the partition stays new, without a state znode, until one of its replicas comes up.
 */
export function electForNewPartition({ replicas, liveBrokerIds }: ElectionInput): ElectionResult | undefined {
  const live = replicas.filter((r) => liveBrokerIds.has(r));
  return live.length === 0 ? undefined : { leader: live[0], isr: live, unclean: false };
}

/**
 * The leader died or the partition is offline (Kafka's offlinePartitionLeaderElection): the first
 * replica in assignment order that is alive and in the ISR leads; the ISR keeps its live members.
 * None: unclean election when enabled (the first live replica, alone in the ISR), else offline.
 * An offline partition keeps one ISR member, as Kafka's removeReplicasFromIsr never empties the
 * ISR, so that this member can lead cleanly when it returns: the old leader when it was in the
 * ISR (Kafka's order of removal is unspecified; the old leader surely has every committed record).
 */
export function electForOfflinePartition(input: ElectionInput & { leader: number }, uncleanLeaderElectionEnable: boolean): ElectionResult {
  const { replicas, isr, liveBrokerIds, leader: oldLeader } = input;
  const liveIsr = isr.filter((r) => liveBrokerIds.has(r));
  const leader = replicas.find((r) => liveIsr.includes(r));
  if (leader !== undefined) return { leader, isr: liveIsr, unclean: false };
  if (uncleanLeaderElectionEnable) {
    const first = replicas.find((r) => liveBrokerIds.has(r));
    if (first !== undefined) return { leader: first, isr: [first], unclean: true };
  }
  if (isr.length === 0) return { leader: NO_LEADER, isr: [], unclean: false };
  return { leader: NO_LEADER, isr: [isr.includes(oldLeader) ? oldLeader : isr[isr.length - 1]], unclean: false };
}

/**
 * Controlled shutdown of the brokers in `shuttingDown` (Kafka's controlledShutdownPartitionLeaderElection):
 * the first replica that is alive, in the ISR and not shutting down takes over; the ISR loses the
 * shutting-down brokers. Undefined when no one can: the leader stays until it stops.
 */
export function electForControlledShutdown(input: ElectionInput, shuttingDown: ReadonlySet<number>): ElectionResult | undefined {
  const { replicas, isr, liveBrokerIds } = input;
  const leader = replicas.find((r) => liveBrokerIds.has(r) && isr.includes(r) && !shuttingDown.has(r));
  if (leader === undefined) return undefined;
  return { leader, isr: isr.filter((r) => !shuttingDown.has(r)), unclean: false };
}

/**
 * A replica goes offline (Kafka's OfflineReplica transition, removeReplicasFromIsr): it leaves the
 * ISR unless it is the last member, and a leader so removed leaves no leader. Undefined: no change.
 */
export function removeReplicaFromIsr(state: LeaderAndIsr, replica: number): LeaderAndIsr | undefined {
  if (state.leader !== replica && !state.isr.includes(replica)) return undefined;
  const isr = state.isr.length === 1 ? [...state.isr] : state.isr.filter((r) => r !== replica);
  return { leader: state.leader === replica ? NO_LEADER : state.leader, isr };
}

/**
 * After brokers die (Kafka's onBrokerFailure): a partition whose leader is gone (or that had none)
 * gets an offline election among `liveBrokerIds`; one whose leader is still registered (in
 * `aliveBrokerIds`, shutting down or not) only loses its dead ISR members. Undefined: no change.
 */
export function electAfterBrokerFailure(
  input: ElectionInput & { leader: number }, aliveBrokerIds: ReadonlySet<number>, uncleanLeaderElectionEnable: boolean,
): ElectionResult | undefined {
  const { leader, isr } = input;
  if (leader !== NO_LEADER && aliveBrokerIds.has(leader)) {
    const aliveIsr = isr.filter((r) => aliveBrokerIds.has(r));
    // The leader is always in its own ISR, so aliveIsr is empty only for a corrupt state: leave it.
    return aliveIsr.length === isr.length || aliveIsr.length === 0 ? undefined : { leader, isr: aliveIsr, unclean: false };
  }
  const result = electForOfflinePartition(input, uncleanLeaderElectionEnable);
  const unchanged = result.leader === leader && result.isr.length === isr.length && result.isr.every((r, i) => r === isr[i]);
  return unchanged ? undefined : result;
}

/** Why a preferred-leader election leaves a partition as it is. */
export type PreferredLeaderSkip = 'preferred replica already leads' | 'preferred replica is not alive' | 'preferred replica is not in the ISR';

/**
 * Kafka's PreferredReplicaPartitionLeaderElectionStrategy (preferredReplicaPartitionLeaderElection):
 * the first replica of the assignment leads again when it is alive and in the ISR; the ISR stays
 * as it is. A partition it already leads is left alone (Kafka's ELECTION_NOT_NEEDED), so that no
 * leader epoch is raised for nothing.
 */
export function electPreferredLeader(input: ElectionInput & { leader: number }): LeaderAndIsr | { skipped: PreferredLeaderSkip } {
  const { replicas, isr, liveBrokerIds, leader } = input;
  const preferred = replicas[0];
  if (preferred === undefined) throw new Error('a partition without replicas has no preferred leader');
  if (leader === preferred) return { skipped: 'preferred replica already leads' };
  if (!liveBrokerIds.has(preferred)) return { skipped: 'preferred replica is not alive' };
  if (!isr.includes(preferred)) return { skipped: 'preferred replica is not in the ISR' };
  return { leader: preferred, isr: [...isr] };
}
