/**
 * Partition reassignment decisions as pure functions (Kafka's ReplicaAssignment, isReassignmentComplete
 * and reassignPartitionLeaderElection): from the original replicas (ORS) and the target (TRS), the
 * full set a partition is replicated on meanwhile (RS = TRS + ORS), which replicas are being added
 * (RS - ORS) and removed (RS - TRS); when the move is complete (every TRS replica in the ISR); and
 * who leads at the end. The controller (partition-reassignment.ts) applies them to ZooKeeper.
 */

/** A partition's replicas as the topic znode holds them (Kafka's ReplicaAssignment). */
export interface FullReplicaAssignment {
  /** RS: every replica, the target ones first; the first is the preferred leader. */
  replicas: readonly number[];
  /** RS - ORS: replicas being added (empty when not being reassigned). */
  addingReplicas: readonly number[];
  /** RS - TRS: replicas being removed (empty when not being reassigned). */
  removingReplicas: readonly number[];
}

const without = (list: readonly number[], removed: readonly number[]): number[] => list.filter((r) => !removed.includes(r));

/** A partition not being reassigned. */
export function settledAssignment(replicas: readonly number[]): FullReplicaAssignment {
  return { replicas: [...replicas], addingReplicas: [], removingReplicas: [] };
}

/** ORS: the replicas before the reassignment began. */
export function originReplicas(a: FullReplicaAssignment): number[] {
  return without(a.replicas, a.addingReplicas);
}

/** TRS: the replicas once the reassignment is done. */
export function targetReplicas(a: FullReplicaAssignment): number[] {
  return without(a.replicas, a.removingReplicas);
}

export function isBeingReassigned(a: FullReplicaAssignment): boolean {
  return a.addingReplicas.length > 0 || a.removingReplicas.length > 0;
}

/**
 * Kafka's ReplicaAssignment.reassignTo: RS = TRS followed by the ORS replicas not in it. A partition
 * already being reassigned counts from its origin, so a new target replaces the old one.
 */
export function reassignTo(current: FullReplicaAssignment, target: readonly number[]): FullReplicaAssignment {
  const origin = originReplicas(current);
  const replicas = [...new Set([...target, ...origin])];
  return { replicas, addingReplicas: without(replicas, origin), removingReplicas: without(replicas, target) };
}

export function sameAssignment(a: FullReplicaAssignment, b: FullReplicaAssignment): boolean {
  const same = (x: readonly number[], y: readonly number[]): boolean => x.length === y.length && x.every((r, i) => r === y[i]);
  return same(a.replicas, b.replicas) && same(a.addingReplicas, b.addingReplicas) && same(a.removingReplicas, b.removingReplicas);
}

/**
 * Replicas of `current` that `next` no longer has (Kafka's unneededReplicas): a reassignment
 * replaced by another drops the replicas only the first one was adding.
 */
export function unneededReplicas(current: FullReplicaAssignment, next: FullReplicaAssignment): number[] {
  return without(current.replicas, next.replicas);
}

/** Kafka's isReassignmentComplete: not being reassigned, or every target replica is in the ISR. */
export function isReassignmentComplete(a: FullReplicaAssignment, isr: readonly number[]): boolean {
  return !isBeingReassigned(a) || targetReplicas(a).every((r) => isr.includes(r));
}

/** Why a reassignment request entry is dropped instead of started. */
export type ReassignmentSkip = 'unknown topic or partition' | 'topic is being deleted' | 'target equals the current assignment';

/**
 * What to do with one entry of /admin/reassign_partitions (Kafka's maybeBuildReassignment and
 * maybeTriggerPartitionReassignment): start moving to `next`, or drop the entry. A target equal to
 * what the partition already has, with no reassignment in progress, is done already.
 */
export function planReassignment(
  current: FullReplicaAssignment | undefined, target: readonly number[], topicBeingDeleted: boolean,
): { next: FullReplicaAssignment } | { skipped: ReassignmentSkip } {
  if (!current || current.replicas.length === 0) return { skipped: 'unknown topic or partition' };
  if (topicBeingDeleted) return { skipped: 'topic is being deleted' };
  const next = reassignTo(current, target);
  if (!isBeingReassigned(current) && sameAssignment(next, current)) return { skipped: 'target equals the current assignment' };
  return { next };
}

/**
 * Who leads once the move is complete (Kafka's moveReassignedPartitionLeaderIfRequired with
 * reassignPartitionLeaderElection): a live leader in TRS keeps leading; otherwise the first TRS
 * replica that is alive and in the ISR takes over, the ISR unchanged. None: wait (the partition
 * cannot finish moving until one is), where Kafka would carry on with a failed election.
 */
export function reassignmentLeader(
  a: FullReplicaAssignment, state: { leader: number; isr: readonly number[] }, liveBrokerIds: ReadonlySet<number>,
): { keep: number } | { elect: number } | { wait: string } {
  const target = targetReplicas(a);
  if (target.includes(state.leader) && liveBrokerIds.has(state.leader)) return { keep: state.leader };
  const leader = target.find((r) => liveBrokerIds.has(r) && state.isr.includes(r));
  if (leader !== undefined) return { elect: leader };
  return { wait: `no replica of the target [${target.join(',')}] is alive and in the ISR [${state.isr.join(',')}]` };
}

/**
 * The ISR once `removed` replicas go offline (Kafka's OfflineReplica transition, one write for all
 * of them): they leave it, but it never becomes empty. Kafka's doRemoveReplicasFromIsr takes them
 * out one by one and leaves an ISR of one member as it is, so when all of them go, the last one
 * removed stays alone (keeping them all left replicas a reassignment dropped in the ISR, outside
 * the replicas, for good: the simulation's seed 108067).
 */
export function isrWithoutRemoved(isr: readonly number[], removed: readonly number[]): number[] {
  const kept = without(isr, removed);
  if (kept.length > 0) return kept;
  const last = removed.filter((r) => isr.includes(r)).at(-1);
  return last === undefined ? [...isr] : [last];
}

/**
 * The ISR a controller writes, without members that are no longer replicas (the leader stays, and it
 * never becomes empty). A leader may add a replica a new reassignment has just dropped (its last
 * LeaderAndIsr still lists it) between the controller's topic znode write and its removal of that
 * replica from the ISR; a controller that failed over in between does not know of the replica, and
 * Kafka's ZooKeeper controller then keeps it in the ISR for good. Kafka's KRaft controller keeps the
 * ISR within the replicas at every change (PartitionChangeBuilder), and so does Josef's: the next
 * write of the partition's state takes such a member out (found by the simulation, seed 107788).
 */
export function isrWithinReplicas(decision: { leader: number; isr: readonly number[] }, replicas: readonly number[]): number[] {
  // No replicas known (a partition the controller has not loaded): nothing to hold the ISR to.
  if (replicas.length === 0) return [...decision.isr];
  return isrWithoutRemoved(decision.isr, decision.isr.filter((r) => r !== decision.leader && !replicas.includes(r)));
}
