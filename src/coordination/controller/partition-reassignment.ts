/**
 * Partition reassignment, the controller's side (Kafka 2.4+'s KafkaController.onPartitionReassignment
 * for /admin/reassign_partitions). Per partition: RS = TRS + ORS goes into the topic znode with its
 * adding and removing replicas; the leader epoch is raised and every replica in RS hears
 * LeaderAndIsr, so the new ones start following. Once every TRS replica is in the ISR (re-checked on
 * ISR changes: a watch on the state znode, and isr_change_notification), a TRS replica leads, the
 * removed replicas leave the ISR and are stopped and deleted, the topic znode gets RS = TRS, the
 * request entry is removed, and every broker hears UpdateMetadata.
 *
 * Everything it decides is in ZooKeeper before it acts on it (topic znode first), so a new controller
 * resumes from the topic znodes' adding/removing replicas and the request znode. Every write is
 * fenced by the controller epoch and conditional on the version read. Runs inside the event loop.
 */
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkWatcher } from '../zk-client';
import { ZkBadVersionError, ZkNoNodeError } from '../zk-errors';
import { getDataIfExists } from '../zk-reads';
import {
  parsePartitionReassignment, parseTopicZnode, serializePartitionReassignment, serializeTopicZnode, ZnodeFormatError,
  type PartitionReassignmentEntry,
} from '../znodes';
import { type ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import { NO_LEADER } from './election';
import type { PartitionStateMachine } from './partition-state-machine';
import {
  isBeingReassigned, isReassignmentComplete, isrWithoutRemoved, planReassignment, reassignmentLeader, sameAssignment,
  settledAssignment, targetReplicas, unneededReplicas, type FullReplicaAssignment,
} from './reassignment';
import { partitionKey } from '../../common/topic';

/** A znode that keeps changing under our conditional writes is retried this many times. */
const conditionalWriteAttemptsMax = 10;

export class PartitionReassignment {
  constructor(
    private readonly zk: ZooKeeper,
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly logger: Logger,
    /** Sets a one-shot watch on the partition's state znode that re-checks completion (Kafka's PartitionReassignmentIsrChangeHandler). */
    private readonly watchIsr: (tp: TopicPartition) => Promise<void>,
  ) {}

  /**
   * Kafka's processZkPartitionReassignment: starts what /admin/reassign_partitions asks for.
   * `watcher`, set on the znode's existence, fires on its creation, change and deletion. Entries
   * that cannot be started (malformed, unknown partition, topic being deleted, nothing to move) are
   * logged and removed from the znode; a partition already moving to the same target is left alone.
   */
  async onRequest(watcher: ZkWatcher | undefined): Promise<void> {
    const path = ZkPaths.reassignPartitions;
    if (!(await this.zk.exists(path, watcher))) return;
    const node = await getDataIfExists(this.zk, path);
    if (!node) return;
    let entries: PartitionReassignmentEntry[];
    try {
      const parsed = parsePartitionReassignment(path, node.data);
      for (const bad of parsed.invalid) this.logger.error(`partition reassignment: dropping entry ${JSON.stringify(bad.entry)}: ${bad.why}`);
      entries = parsed.valid;
    } catch (err) {
      if (!(err instanceof ZnodeFormatError)) throw err;
      this.logger.error(`${err.message}; deleting it, no reassignment`);
      await this.states.deleteFenced(path);
      return;
    }
    const dropped = new Set<PartitionReassignmentEntry>();
    for (const entry of entries) {
      const tp = { topic: entry.topic, partition: entry.partition };
      const current = this.context.fullAssignmentOf(tp);
      const plan = planReassignment(current, entry.replicas, this.context.topicsToBeDeleted.has(tp.topic));
      if ('skipped' in plan) {
        this.logger.warn(`partition reassignment of ${partitionKey(tp.topic, tp.partition)} to [${entry.replicas.join(',')}]: ${plan.skipped}; dropping it`);
        dropped.add(entry);
        continue;
      }
      if (current && isBeingReassigned(current) && sameAssignment(current, plan.next)) continue; // Moving there already.
      const dead = entry.replicas.filter((r) => !this.context.liveBrokers.has(r));
      if (dead.length > 0) this.logger.warn(`partition reassignment of ${partitionKey(tp.topic, tp.partition)}: target broker(s) [${dead.join(',')}] are not alive; it completes once they are and catch up`);
      await this.onPartitionReassignment(tp, plan.next);
    }
    // Malformed entries go too (rewriting keeps only valid ones); entries written since our read stay.
    const droppedKeys = new Set([...dropped].map(entryKey));
    await this.removeFromRequest((e) => droppedKeys.has(entryKey(e)));
  }

  /**
   * Kafka's maybeResumeReassignments: runs the reassignment again, from what ZooKeeper holds, for
   * the partitions being reassigned that `filter` selects (all after a controller failover; those
   * whose target includes a broker that just started).
   */
  async resume(filter: (tp: TopicPartition, a: FullReplicaAssignment) => boolean = () => true): Promise<void> {
    for (const tp of this.context.partitionsBeingReassigned()) {
      const a = this.context.fullAssignmentOf(tp);
      if (!a || this.context.topicsToBeDeleted.has(tp.topic) || !filter(tp, a)) continue;
      this.logger.info(`resuming the reassignment of ${partitionKey(tp.topic, tp.partition)}: replicas [${a.replicas.join(',')}], adding [${a.addingReplicas.join(',')}], removing [${a.removingReplicas.join(',')}]`);
      await this.onPartitionReassignment(tp, a);
    }
  }

  /**
   * Topics queued for deletion stop moving (Kafka instead postpones their deletion until the moves
   * end): their entries leave the request znode, so that it does not block the next reassignment.
   * Their replicas, all of RS, are deleted by the topic deletion.
   */
  async onTopicsDeleted(topics: ReadonlySet<string>): Promise<void> {
    if (topics.size === 0) return;
    await this.removeFromRequest((e) => {
      if (topics.has(e.topic)) this.logger.warn(`partition reassignment of ${e.topic}-${e.partition}: the topic is being deleted; dropping it`);
      return topics.has(e.topic);
    });
  }

  /** The partition's ISR may have changed (Kafka's PartitionReassignmentIsrChange): complete it if every target replica is in sync. */
  async maybeComplete(tp: TopicPartition): Promise<void> {
    const a = this.context.fullAssignmentOf(tp);
    if (!a || !isBeingReassigned(a) || this.context.topicsToBeDeleted.has(tp.topic)) return;
    await this.watchIsr(tp);
    const state = await this.states.readState(tp);
    if (state && isReassignmentComplete(a, state.isr)) await this.complete(tp, a);
  }

  /** Kafka's onPartitionReassignment. */
  private async onPartitionReassignment(tp: TopicPartition, next: FullReplicaAssignment): Promise<void> {
    await this.updateCurrentReassignment(tp, next);
    await this.watchIsr(tp);
    const state = await this.states.readState(tp);
    if (!state) {
      this.logger.warn(`${partitionKey(tp.topic, tp.partition)} has no leader and ISR yet; its reassignment goes on once it has`);
      return;
    }
    if (isReassignmentComplete(next, state.isr)) {
      await this.complete(tp, next);
      return;
    }
    // A1: a raised leader epoch makes every replica in RS take the new replica list; the replicas
    // being added create their logs and follow (A2, NewReplica -> OnlineReplica, is this same request).
    const updated = await this.states.updateLeaderAndIsr(tp, (current) => ({ leader: current.leader, isr: [...current.isr] }));
    if (!updated) return;
    this.states.logChange(tp, updated, `reassignment to [${targetReplicas(next).join(',')}] started: replicas [${next.replicas.join(',')}], adding [${next.addingReplicas.join(',')}]`);
    this.announce(tp);
  }

  /** U1, U2: the new full assignment in the topic znode, then in memory; replicas a replaced reassignment was adding go. */
  private async updateCurrentReassignment(tp: TopicPartition, next: FullReplicaAssignment): Promise<void> {
    const current = this.context.fullAssignmentOf(tp);
    if (!current || sameAssignment(current, next)) return;
    await this.writeAssignment(tp, next);
    this.context.setFullAssignment(tp, next);
    const unneeded = unneededReplicas(current, next);
    if (unneeded.length > 0) await this.stopRemovedReplicas(tp, unneeded, 'a new reassignment replaced the previous one');
  }

  /** B1..B8: every target replica is in the ISR. */
  private async complete(tp: TopicPartition, a: FullReplicaAssignment): Promise<void> {
    const target = targetReplicas(a);
    if (!(await this.moveLeaderIntoTarget(tp, a))) return;
    this.context.setFullAssignment(tp, settledAssignment(target));
    await this.stopRemovedReplicas(tp, a.removingReplicas, `reassigned to [${target.join(',')}]`);
    await this.writeAssignment(tp, settledAssignment(target));
    await this.removeFromRequest((e) => e.topic === tp.topic && e.partition === tp.partition && sameList(e.replicas, target));
    this.requests.sendUpdateMetadata([tp]);
    this.logger.info(`reassignment of ${partitionKey(tp.topic, tp.partition)} complete: replicas [${target.join(',')}]`);
  }

  /**
   * B3: a live leader in TRS keeps leading; otherwise the first TRS replica alive and in the ISR
   * takes over. Unlike Kafka, the LeaderAndIsr goes to all of RS (the assignment is still RS here),
   * so a leader being removed steps down to follower at once instead of holding produces until
   * StopReplica. False: no target replica can lead yet; the reassignment waits.
   */
  private async moveLeaderIntoTarget(tp: TopicPartition, a: FullReplicaAssignment): Promise<boolean> {
    let waiting: string | undefined;
    const updated = await this.states.updateLeaderAndIsr(tp, (current) => {
      const decision = reassignmentLeader(a, current, this.context.liveBrokerIds());
      waiting = 'wait' in decision ? decision.wait : undefined;
      return 'elect' in decision ? { leader: decision.elect, isr: [...current.isr] } : undefined;
    });
    if (waiting !== undefined) {
      this.logger.warn(`reassignment of ${partitionKey(tp.topic, tp.partition)} waits: ${waiting}`);
      return false;
    }
    if (updated) {
      this.states.logChange(tp, updated, `reassignment: the leader moves into the target [${targetReplicas(a).join(',')}]`);
      this.announce(tp);
    }
    return true;
  }

  /**
   * Kafka's stopRemovedReplicasOfReassignedPartition: the replicas go offline (StopReplica without
   * delete, then out of the ISR in one fenced write that also raises the leader epoch, so the
   * remaining replicas learn the new replica list), then non-existent (StopReplica with delete: their
   * files go). A removed replica on a dead broker keeps its files, as in Kafka.
   */
  private async stopRemovedReplicas(tp: TopicPartition, removed: readonly number[], why: string): Promise<void> {
    for (const r of removed) this.requests.sendStopReplica(r, [tp], false);
    const updated = await this.states.updateLeaderAndIsr(tp, (current) => {
      const isr = isrWithoutRemoved(current.isr, removed);
      if (!removed.includes(current.leader)) return { leader: current.leader, isr };
      // A removed leader hands over to an online ISR member among the remaining replicas. Kafka's
      // ZooKeeper controller leaves NoLeader here and elects nobody until a broker event (a
      // reassignment replacing one whose new leader it drops, with its own target not yet alive:
      // the partition stayed offline with an online in-sync replica, simulation seed 3247);
      // Kafka's KRaft controller elects from the ISR whenever the leader leaves it.
      const live = this.context.liveBrokerIds();
      const leader = this.context.replicasOf(tp).find((r) => !removed.includes(r) && isr.includes(r) && live.has(r) && this.context.isReplicaOnline(r, tp));
      return { leader: leader ?? NO_LEADER, isr };
    });
    if (updated) {
      this.states.logChange(tp, updated, `${why}: replica(s) [${removed.join(',')}] removed`);
      this.announce(tp);
    }
    for (const r of removed) {
      if (!this.context.liveBrokers.has(r)) {
        this.logger.warn(`${partitionKey(tp.topic, tp.partition)}: removed replica on broker ${r} is not alive; its files stay there`);
        continue;
      }
      this.requests.sendStopReplica(r, [tp], true, (response) => {
        const failed = response.errorCode !== 0 || response.partitions.some((p) => p.errorCode !== 0);
        if (failed) this.logger.warn(`${partitionKey(tp.topic, tp.partition)}: broker ${r} could not delete its removed replica (${JSON.stringify(response)})`);
      });
    }
  }

  /**
   * A raised leader epoch: LeaderAndIsr to the replicas, and, as Kafka's
   * addLeaderAndIsrRequestForBrokers does, UpdateMetadata to every broker, so that clients naming
   * the leader epoch (KIP-320) learn the new one instead of being fenced with the old.
   */
  private announce(tp: TopicPartition): void {
    this.requests.sendLeaderAndIsr([tp]);
    this.requests.sendUpdateMetadata([tp]);
  }

  /** The partition's entry in its topic znode, rewritten conditionally on the version read (other partitions as they are). */
  private async writeAssignment(tp: TopicPartition, a: FullReplicaAssignment): Promise<void> {
    const path = ZkPaths.topic(tp.topic);
    for (let attempt = 1; attempt <= conditionalWriteAttemptsMax; attempt++) {
      const node = await getDataIfExists(this.zk, path);
      const topic = node && parseTopicZnode(path, node.data);
      if (!node || !topic?.partitions.has(tp.partition)) throw new Error(`cannot record the reassignment of ${partitionKey(tp.topic, tp.partition)}: ${path} no longer has it`);
      topic.partitions.set(tp.partition, [...a.replicas]);
      setOrDelete(topic.addingReplicas, tp.partition, a.addingReplicas);
      setOrDelete(topic.removingReplicas, tp.partition, a.removingReplicas);
      try {
        await this.states.writeFenced([{ op: 'setData', path, data: serializeTopicZnode(topic), expectedVersion: node.stat.version }]);
        return;
      } catch (err) {
        if (!(err instanceof ZkBadVersionError)) throw err;
      }
    }
    throw new Error(`could not rewrite ${path}: it changed under ${conditionalWriteAttemptsMax} writes in a row`);
  }

  /**
   * Kafka's maybeRemoveFromZkReassignment: rewrites /admin/reassign_partitions without the entries
   * `remove` selects (and without malformed ones), deleting it when none is left; conditional on
   * the version read, so an entry written meanwhile is never lost.
   */
  private async removeFromRequest(remove: (entry: PartitionReassignmentEntry) => boolean): Promise<void> {
    const path = ZkPaths.reassignPartitions;
    for (let attempt = 1; attempt <= conditionalWriteAttemptsMax; attempt++) {
      const node = await getDataIfExists(this.zk, path);
      if (!node) return;
      let remaining: PartitionReassignmentEntry[] = [];
      let changed = true;
      try {
        const parsed = parsePartitionReassignment(path, node.data);
        remaining = parsed.valid.filter((e) => !remove(e));
        changed = remaining.length !== parsed.valid.length || parsed.invalid.length > 0;
      } catch (err) {
        if (!(err instanceof ZnodeFormatError)) throw err;
      }
      if (!changed) return;
      const expectedVersion = node.stat.version;
      try {
        await this.states.writeFenced([remaining.length === 0
          ? { op: 'delete', path, expectedVersion }
          : { op: 'setData', path, data: serializePartitionReassignment(remaining), expectedVersion }]);
        if (remaining.length === 0) this.logger.info(`no more partitions to reassign: deleted ${path}`);
        return;
      } catch (err) {
        if (!(err instanceof ZkBadVersionError || err instanceof ZkNoNodeError)) throw err;
      }
    }
    throw new Error(`could not rewrite ${path}: it changed under ${conditionalWriteAttemptsMax} writes in a row`);
  }
}

const entryKey = (e: PartitionReassignmentEntry): string => `${e.topic}/${e.partition}/${e.replicas.join(',')}`;

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function setOrDelete(map: Map<number, number[]>, partition: number, replicas: readonly number[]): void {
  if (replicas.length > 0) map.set(partition, [...replicas]);
  else map.delete(partition);
}
