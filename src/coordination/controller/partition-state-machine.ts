/**
 * How the controller changes partition leadership in ZooKeeper (Kafka's PartitionStateMachine with
 * KafkaZkClient's fenced writes): a state znode is created or changed only by a multi that also
 * checks /controller_epoch's version, so a deposed controller's writes fail (ControllerMovedError);
 * a change names the zkVersion it read, and a stale one (a leader changed its ISR meanwhile) is
 * re-read and decided again. Elections themselves are the pure functions of election.ts.
 */
import { inBatches } from '../../common/batches';
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkNodeData, ZkOp, ZkOpResult } from '../zk-client';
import { childPath } from '../zookeeper';
import { ZkBadVersionError, ZkError, ZkNodeExistsError, ZkNoNodeError } from '../zk-errors';
import { pipelined } from '../zk-pipeline';
import { getDataIfExists } from '../zk-reads';
import { parseControllerEpoch, parsePartitionState, serializePartitionState, type PartitionStateZnode } from '../znodes';
import type { ControllerContext, PartitionLeadership } from './controller-context';
import { electAfterBrokerFailure, electForNewPartition, NO_LEADER, type LeaderAndIsr } from './election';
import { isrWithinReplicas } from './reassignment';
import { partitionKey } from '../../common/topic';

/** /controller_epoch moved on: another broker is the controller, and this one must resign. */
export class ControllerMovedError extends Error {
  constructor(detail: string) {
    super(`another broker is the controller now: ${detail}`);
    this.name = 'ControllerMovedError';
  }
}

/** One partition's new leadership and why, as the controller logs it. */
export interface LeadershipChange {
  tp: TopicPartition;
  leadership: PartitionLeadership;
  why: string;
}

/** An event changing more partitions than this logs a count instead of a line for each. */
const partitionLinesMax = 10;

/** A new partition and the state its znode is created with. */
interface NewPartitionState {
  tp: TopicPartition;
  state: PartitionStateZnode;
}

/** A partition that keeps changing under us is retried this many times before the event fails. */
const conditionalWriteAttemptsMax = 10;

/**
 * Partitions whose state znodes one multi writes (updateEach changes them, a new topic's creates
 * them with their partition znodes): 30-60 KB, far below ZooKeeper's 1 MB jute.maxbuffer. 200
 * rather than 50: a controlled shutdown of a broker at 10,000 partitions took its 6,667 ISR
 * removals in 0.3-0.8 s instead of 0.7-1.8 s (quiet, alternated runs; docs/benchmarks.md), as
 * ZooKeeper's cost per transaction, not per op, was most of it.
 */
export const partitionsPerWrite = 200;

/** Znodes one multi of deleteRecursiveFenced deletes. */
const znodesPerDelete = 100;

/** One partition's state znode as a write will leave it. */
interface StateChange {
  tp: TopicPartition;
  next: PartitionStateZnode;
  fromZkVersion: number;
  op: ZkOp;
}

/** A fenced write that failed because a znode changed or went since it was read: read again and decide again. */
function isStaleWrite(err: unknown): boolean {
  return err instanceof ZkBadVersionError || err instanceof ZkNoNodeError;
}

export class PartitionStateMachine {
  constructor(
    private readonly zk: ZooKeeper,
    private readonly context: ControllerContext,
    private readonly uncleanLeaderElectionEnable: boolean,
    private readonly logger: Logger,
  ) {}

  /** Reads a partition's state znode into the context; undefined (and forgotten) when there is none. */
  async readState(tp: TopicPartition): Promise<PartitionLeadership | undefined> {
    return this.remember(tp, await getDataIfExists(this.zk, ZkPaths.partitionState(tp.topic, tp.partition)));
  }

  /**
   * readState for many partitions, in their order: their state znodes read by multiRead
   * (ZooKeeper.getDataMany), a thousand to a request, where Kafka 1.1 pipelines a getData each
   * (a new controller's 10,000 were 10,000 requests, 100 in flight).
   */
  async readStates(partitions: readonly TopicPartition[]): Promise<Array<PartitionLeadership | undefined>> {
    const nodes = await this.zk.getDataMany(partitions.map((tp) => ZkPaths.partitionState(tp.topic, tp.partition)));
    return partitions.map((tp, i) => this.remember(tp, nodes[i]));
  }

  /** A state znode just read, into the context; none: the partition's leadership forgotten. */
  private remember(tp: TopicPartition, node: ZkNodeData | undefined): PartitionLeadership | undefined {
    if (!node) {
      this.context.leadership.delete(partitionKey(tp.topic, tp.partition));
      return undefined;
    }
    const leadership = { ...parsePartitionState(ZkPaths.partitionState(tp.topic, tp.partition), node.data), zkVersion: node.stat.version };
    this.context.leadership.set(partitionKey(tp.topic, tp.partition), leadership);
    return leadership;
  }

  /**
   * Kafka's triggerOnlinePartitionStateChange plus the ISR side of onBrokerFailure, for `partitions`:
   * new ones (no state znode) get their first leader (initializeLeaderAndIsr), one whose leader is
   * gone gets an offline election, one whose leader lives loses its dead ISR members. The known ones
   * are written as controlled shutdown's, many to a fenced multi (updateEach): after a broker of a
   * 10,000-partition cluster dies, thousands of elections. Returns the partitions changed, new ones first.
   */
  async electLeaders(partitions: TopicPartition[], why: string): Promise<TopicPartition[]> {
    this.assertController();
    const eligible = this.context.liveBrokerIds();
    const alive = new Set(this.context.liveBrokers.keys());
    const live = partitions.filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic));
    // Split before any write: the new partitions' first leaderships are not to be elected again.
    const known = live.filter((tp) => this.context.leadershipOf(tp));
    const created = await this.initializeLeaderAndIsr(live.filter((tp) => !this.context.leadershipOf(tp)), `new partition, ${why}`);
    // The ISR each unclean election was decided on, by partition: decisions may be taken again on a re-read znode.
    const uncleanFrom = new Map<string, number[]>();
    const updated = await this.updateEach(known, (tp, current) => {
      const result = electAfterBrokerFailure({ replicas: this.context.replicasOf(tp), isr: current.isr, leader: current.leader, liveBrokerIds: this.context.onlineReplicaBrokerIds(tp, eligible) }, alive, this.uncleanLeaderElectionEnable);
      if (result?.unclean) uncleanFrom.set(partitionKey(tp.topic, tp.partition), current.isr);
      else uncleanFrom.delete(partitionKey(tp.topic, tp.partition));
      return result;
    });
    const changes = known.flatMap((tp, i): LeadershipChange[] => {
      const leadership = updated[i];
      if (!leadership) return [];
      const uncleanIsr = uncleanFrom.get(partitionKey(tp.topic, tp.partition));
      if (uncleanIsr) {
        this.context.uncleanLeaderElectionCount++;
        this.logger.warn(`UNCLEAN leader election for ${partitionKey(tp.topic, tp.partition)}: broker ${leadership.leader} was not in the ISR [${uncleanIsr.join(',')}]; acknowledged records may be lost`);
      }
      return [{ tp, leadership, why: leadership.leader === NO_LEADER ? `${why}; no live ISR member: offline` : why }];
    });
    const all = [...created, ...changes];
    this.logChanges(all, why);
    return all.map((c) => c.tp);
  }

  /**
   * New partitions' first leader and ISR, in state znodes created fenced (Kafka's
   * initializeLeaderAndIsrForPartitions); a partition none of whose replicas is alive is left
   * without. As Kafka's createTopicPartitions, each topic's partitions znode is created first, then
   * the partitions' znodes; never the topic znode: a deposed controller's mkdirp brought back, empty
   * and unreadable, a topic its successor had just deleted (found by the simulation, seed 3914 of
   * `npm run sim`). Kafka pipelines one create per znode; here up to partitionsPerWrite
   * partitions share one multi (with its /controller_epoch check), so that a 10,000-partition topic
   * is 50 writes instead of 30,000 round trips.
   */
  private async initializeLeaderAndIsr(partitions: readonly TopicPartition[], why: string): Promise<LeadershipChange[]> {
    const elected: NewPartitionState[] = [];
    for (const tp of partitions) {
      const replicas = this.context.replicasOf(tp);
      const result = electForNewPartition({ replicas, isr: [], liveBrokerIds: this.context.liveBrokerIds() });
      if (!result) {
        this.logger.warn(`${partitionKey(tp.topic, tp.partition)}: none of its replicas [${replicas.join(',')}] is alive; it gets a leader when one comes up`);
        continue;
      }
      elected.push({ tp, state: { leader: result.leader, leaderEpoch: 0, isr: result.isr, controllerEpoch: this.context.epoch } });
    }
    await pipelined([...new Set(elected.map((e) => e.tp.topic))], (topic) => this.createFencedIfAbsent(`${ZkPaths.topic(topic)}/partitions`));
    const created = await pipelined(inBatches(elected, partitionsPerWrite), (batch) => this.createPartitionStates(batch));
    return created.flat().map(({ tp, leadership }) => ({ tp, leadership, why }));
  }

  /**
   * Creates the partitions' znodes and state znodes in one fenced multi. When some exist already
   * (an earlier controller died after creating them, before telling anyone) the multi creates
   * nothing, and each partition is created on its own, an existing state znode standing.
   */
  private async createPartitionStates(batch: readonly NewPartitionState[]): Promise<Array<{ tp: TopicPartition; leadership: PartitionLeadership }>> {
    try {
      await this.writeFenced(batch.flatMap(({ tp, state }) => [
        { op: 'create' as const, path: ZkPaths.partition(tp.topic, tp.partition) },
        { op: 'create' as const, path: ZkPaths.partitionState(tp.topic, tp.partition), data: serializePartitionState(state) },
      ]));
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
      const one = await pipelined(batch, (e) => this.createPartitionState(e));
      return one.filter((c): c is { tp: TopicPartition; leadership: PartitionLeadership } => c.leadership !== undefined);
    }
    return batch.map(({ tp, state }) => ({ tp, leadership: this.created(tp, state) }));
  }

  /** One partition's createPartitionStates: its znode if absent, then its state znode unless one stands (read instead). */
  private async createPartitionState({ tp, state }: NewPartitionState): Promise<{ tp: TopicPartition; leadership: PartitionLeadership | undefined }> {
    await this.createFencedIfAbsent(ZkPaths.partition(tp.topic, tp.partition));
    try {
      await this.writeFenced([{ op: 'create', path: ZkPaths.partitionState(tp.topic, tp.partition), data: serializePartitionState(state) }]);
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
      return { tp, leadership: await this.readState(tp) };
    }
    return { tp, leadership: this.created(tp, state) };
  }

  private created(tp: TopicPartition, state: PartitionStateZnode): PartitionLeadership {
    const leadership = { ...state, zkVersion: 0 };
    this.context.leadership.set(partitionKey(tp.topic, tp.partition), leadership);
    return leadership;
  }

  private async createFencedIfAbsent(path: string): Promise<void> {
    await this.writeFenced([{ op: 'create', path }]).catch((err: unknown) => {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    });
  }

  /**
   * Writes the leader and ISR that `decide` returns, leader_epoch raised, conditional on the state
   * znode's zkVersion and the controller epoch's. On a stale zkVersion it re-reads and asks
   * `decide` again; `decide` returning undefined means nothing to change (checked against the
   * znode itself, not only the cached state).
   */
  async updateLeaderAndIsr(tp: TopicPartition, decide: (current: PartitionLeadership) => LeaderAndIsr | undefined): Promise<PartitionLeadership | undefined> {
    for (let attempt = 1; attempt <= conditionalWriteAttemptsMax; attempt++) {
      this.assertController();
      const cached = this.context.leadershipOf(tp);
      let current = cached ?? (await this.readState(tp));
      if (!current) return undefined;
      let decision = decide(current);
      if (!decision && cached) {
        // "Nothing to change" must hold for the znode, not only for our copy: a leader may have
        // expanded the ISR since (its isr_change_notification is batched), e.g. with a broker that
        // is dying now and would otherwise stay in the ISR and hold acks=all writes back.
        current = await this.readState(tp);
        if (!current) return undefined;
        decision = decide(current);
      }
      if (!decision) return undefined;
      const change = this.stateChange(tp, current, decision);
      try {
        const [set] = await this.writeFenced([change.op]);
        return this.written(change, set);
      } catch (err) {
        if (!isStaleWrite(err)) throw err;
        this.logger.info(`${partitionKey(tp.topic, tp.partition)}: state znode changed since version ${current.zkVersion} (attempt ${attempt}); reading it again`);
        await this.readState(tp);
      }
    }
    throw new Error(`could not update the state of ${partitionKey(tp.topic, tp.partition)}: it changed under ${conditionalWriteAttemptsMax} writes in a row`);
  }

  /**
   * updateLeaderAndIsr for many partitions, the state znodes of up to partitionsPerWrite of them
   * changed by one fenced multi (one /controller_epoch check for them all), the multis pipelined.
   * Kafka 1.1 pipelines a request per partition; here a 3,300-partition controlled shutdown is
   * about 70 requests instead of 3,300, each request a socket write and a ZooKeeper transaction.
   * Decided on the cached states; a partition not cached, whose cached state `decide` leaves alone
   * (the znode may say otherwise), or in a multi that met a changed znode (a stale version fails the
   * whole multi) goes through updateLeaderAndIsr on its own, which reads the znode and decides
   * again. Resolves with each partition's new leadership (undefined: unchanged), in their order.
   */
  async updateEach(
    partitions: readonly TopicPartition[], decide: (tp: TopicPartition, current: PartitionLeadership) => LeaderAndIsr | undefined,
  ): Promise<Array<PartitionLeadership | undefined>> {
    this.assertController();
    const results = new Array<PartitionLeadership | undefined>(partitions.length);
    const alone: number[] = [];
    const changes: Array<StateChange & { index: number }> = [];
    partitions.forEach((tp, index) => {
      const current = this.context.leadershipOf(tp);
      const decision = current && decide(tp, current);
      if (current && decision) changes.push({ ...this.stateChange(tp, current, decision), index });
      else alone.push(index);
    });
    await pipelined(inBatches(changes, partitionsPerWrite), async (write) => {
      let rest = write;
      while (rest.length > 0) {
        try {
          const set = await this.writeFenced(rest.map((c) => c.op));
          rest.forEach((c, i) => { results[c.index] = this.written(c, set[i]); });
          return;
        } catch (err) {
          if (!isStaleWrite(err)) throw err;
          // ZooKeeper names the first op that failed (multi[i], after the epoch check): that partition
          // goes alone, the others are written again; unnamed, they all go alone.
          const failed = Number(/^multi\[(\d+)\]/.exec((err as ZkError).op)?.[1]) - 1;
          if (!(failed >= 0 && failed < rest.length)) break;
          alone.push(rest[failed].index);
          rest = rest.filter((_, i) => i !== failed);
        }
      }
      alone.push(...rest.map((c) => c.index));
    });
    await pipelined(alone, async (index) => {
      const tp = partitions[index];
      results[index] = await this.updateLeaderAndIsr(tp, (current) => decide(tp, current));
    });
    return results;
  }

  /** updateEach, what changed logged under `why` (logChanges); resolves with the partitions changed, in their order. */
  async updateAll(
    partitions: readonly TopicPartition[], why: string, decide: (tp: TopicPartition, current: PartitionLeadership) => LeaderAndIsr | undefined,
  ): Promise<TopicPartition[]> {
    const updated = await this.updateEach(partitions, decide);
    const changes = partitions.flatMap((tp, i): LeadershipChange[] => {
      const leadership = updated[i];
      return leadership ? [{ tp, leadership, why }] : [];
    });
    this.logChanges(changes, why);
    return changes.map((c) => c.tp);
  }

  /** The state znode `decision` makes of `current`: leader epoch raised, ISR within the replicas, written conditional on its zkVersion. */
  private stateChange(tp: TopicPartition, current: PartitionLeadership, decision: LeaderAndIsr): StateChange {
    const isr = isrWithinReplicas(decision, this.context.replicasOf(tp));
    const next: PartitionStateZnode = { leader: decision.leader, isr, leaderEpoch: current.leaderEpoch + 1, controllerEpoch: this.context.epoch };
    const op: ZkOp = { op: 'setData', path: ZkPaths.partitionState(tp.topic, tp.partition), data: serializePartitionState(next), expectedVersion: current.zkVersion };
    return { tp, next, fromZkVersion: current.zkVersion, op };
  }

  /** A state change ZooKeeper applied, into the context. */
  private written(change: StateChange, result: ZkOpResult): PartitionLeadership {
    const leadership = { ...change.next, zkVersion: result.op === 'setData' ? result.stat.version : change.fromZkVersion + 1 };
    this.context.leadership.set(partitionKey(change.tp.topic, change.tp.partition), leadership);
    return leadership;
  }

  /**
   * Deletes a request znode the controller has handled (Kafka's deletes guarded by the controller
   * epoch's zkVersion), so that a deposed controller cannot say a request it did not finish is done.
   * Already gone: nothing to do.
   */
  async deleteFenced(path: string): Promise<void> {
    await this.writeFenced([{ op: 'delete', path, expectedVersion: -1 }]).catch((err: unknown) => {
      if (!(err instanceof ZkNoNodeError)) throw err;
    });
  }

  /**
   * deleteFenced of a znode and everything under it, children first (Kafka's deleteRecursive with
   * the epoch's zkVersion): the tree read a level at a time, its reads pipelined, then deleted from
   * the deepest level up, znodesPerDelete to a fenced multi, the multis of a level pipelined (a
   * 5,000-partition topic is 10,000 znodes). A multi that meets a znode already gone deletes its
   * znodes one at a time.
   */
  async deleteRecursiveFenced(path: string): Promise<void> {
    const levels: string[][] = [];
    for (let level = [path]; level.length > 0;) {
      const children = await pipelined(level, async (parent) => {
        try {
          return { parent, children: (await this.zk.getChildren(parent)).map((child) => childPath(parent, child)) };
        } catch (err) {
          if (err instanceof ZkNoNodeError) return { parent: undefined, children: [] };
          throw err;
        }
      });
      const present = children.flatMap((c) => c.parent ?? []);
      if (present.length > 0) levels.push(present);
      level = children.flatMap((c) => c.children);
    }
    for (const level of levels.reverse()) {
      await pipelined(inBatches(level, znodesPerDelete), async (group) => {
        try {
          await this.writeFenced(group.map((p): ZkOp => ({ op: 'delete', path: p, expectedVersion: -1 })));
        } catch (err) {
          if (!(err instanceof ZkNoNodeError)) throw err;
          for (const p of group) await this.deleteFenced(p);
        }
      });
    }
  }

  /**
   * Applies `ops` in one multi with the check of /controller_epoch's version (Kafka's writes with
   * expectedControllerEpochZkVersion). A moved epoch throws ControllerMovedError; any other failed
   * op throws its own error (e.g. ZkBadVersionError: re-read and decide again).
   */
  async writeFenced(ops: ZkOp[]): Promise<ZkOpResult[]> {
    this.assertController();
    try {
      const results = await this.zk.multi([{ op: 'check', path: ZkPaths.controllerEpoch, expectedVersion: this.context.epochZkVersion }, ...ops]);
      return results.slice(1);
    } catch (err) {
      throw await this.explainFailedWrite(err);
    }
  }

  /** Writes need our epoch's zkVersion: -1 would match any version and unfence them. */
  assertController(): void {
    if (this.context.epochZkVersion < 0) throw new ControllerMovedError('this broker is not the controller (it resigned)');
  }

  /** A failed fenced write: ControllerMovedError when /controller_epoch moved, else the error itself. */
  private async explainFailedWrite(err: unknown): Promise<unknown> {
    if (!(err instanceof ZkError)) return err;
    const failedEpochCheck = err.op === 'multi[0].check';
    if (!failedEpochCheck && err.op.startsWith('multi[')) return err;
    const epochNode = await getDataIfExists(this.zk, ZkPaths.controllerEpoch);
    if (failedEpochCheck || !epochNode || epochNode.stat.version !== this.context.epochZkVersion) {
      const now = epochNode ? `epoch ${parseControllerEpoch(ZkPaths.controllerEpoch, epochNode.data)} at version ${epochNode.stat.version}` : 'gone';
      return new ControllerMovedError(`${ZkPaths.controllerEpoch} is ${now}, ours is epoch ${this.context.epoch} at version ${this.context.epochZkVersion}`);
    }
    return err;
  }

  /**
   * Says what one controller event changed: a line per partition when they are few, else one line
   * with the count and the leaders per broker, the partitions' own lines at DEBUG (Kafka 1.1 cut its
   * per-partition state-change logging, a large part of a big broker's shutdown time).
   */
  logChanges(changes: readonly LeadershipChange[], why: string): void {
    const each = changes.length <= partitionLinesMax ? 'info' : 'debug';
    for (const { tp, leadership: l, why: own } of changes) {
      this.logger[each](`${partitionKey(tp.topic, tp.partition)}: leader ${l.leader}, leader epoch ${l.leaderEpoch}, isr [${l.isr.join(',')}] (${own})`);
    }
    if (each === 'info') return;
    const leaders = new Map<number, number>();
    for (const { leadership } of changes) leaders.set(leadership.leader, (leaders.get(leadership.leader) ?? 0) + 1);
    const perLeader = [...leaders].sort(([a], [b]) => a - b).map(([id, n]) => `${n} by ${id === NO_LEADER ? 'no leader (offline)' : `broker ${id}`}`).join(', ');
    this.logger.info(`${changes.length} partitions changed leadership (${why}): now led ${perLeader}`);
  }

  logChange(tp: TopicPartition, leadership: PartitionLeadership, why: string): void {
    this.logChanges([{ tp, leadership, why }], why);
  }
}
