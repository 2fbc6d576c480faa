/**
 * The ISR of the partitions this broker leads, as the leader changes it (the ZooKeeper-era part of
 * Kafka's ReplicaManager and Partition that maybeShrinkIsr, maybeExpandIsr and
 * maybePropagateIsrChanges make up): a follower not caught up for replica.lag.time.max.ms leaves
 * the ISR, one that has caught up rejoins it, each change is a conditional write of the partition's
 * state that takes effect only once written, and changes are batched into notifications that tell
 * the controller to re-read them. Where the writes go and what time it is are injected, so the
 * logic runs without ZooKeeper or sockets.
 */
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { partitionKey } from '../common/topic';
import type { TopicPartition } from '../protocol/messages';
import type { Partition } from './partition';

/** A partition's leadership and ISR as its state znode holds it. */
export interface IsrPartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

/** On failure, `current` is what the state holds now (undefined when it is gone). */
export type IsrWriteResult =
  | { updated: true; zkVersion: number }
  | { updated: false; reason: string; current?: IsrPartitionState };

/** Where a leader writes ISR changes (ZooKeeper: src/coordination/isr-change.ts). */
export interface IsrStore {
  /** Conditional write of the partition state at `zkVersion`. */
  write(tp: TopicPartition, state: IsrPartitionState, zkVersion: number): Promise<IsrWriteResult>;
  /** Tells the controller these partitions' ISRs changed (an isr_change_notification). */
  notify(partitions: TopicPartition[]): Promise<unknown>;
}

/** How often ISR changes are batched into one notification (Kafka checks every 2.5 s). */
export const ISR_PROPAGATION_CHECK_MS = 200;
/** A batch goes once no change came for this long (Kafka: 5 s; shorter so `topic describe` follows a demo live)... */
export const ISR_PROPAGATION_QUIET_MS = 500;
/** ...or at the latest this long after the previous one (Kafka: 60 s). */
export const ISR_PROPAGATION_MAX_DELAY_MS = 5_000;

export interface IsrManagerOptions {
  localBrokerId: number;
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: number;
  clock: Clock;
  logger: Logger;
  /** Where ISR shrinks and expands are written; without it the ISR stays as the controller set it. */
  store?: IsrStore;
  /** The partitions hosted here (those this broker leads are checked for laggards). */
  partitions: () => Iterable<Partition>;
  /** The partition hosted now under this name: a written change applies only to the one that asked for it. */
  partition: (topic: string, partition: number) => Partition | undefined;
  /** The partition's ISR or leadership changed: requests waiting on its high watermark may complete. */
  onChange: (partition: Partition) => void;
}

export class IsrManager {
  /** ISR changes written and not yet notified, by partition key. */
  private readonly changed = new Map<string, TopicPartition>();
  private lastChangeMs = 0;
  private lastPropagationMs = 0;
  private expirationTimer: NodeJS.Timeout | undefined;
  private propagationTimer: NodeJS.Timeout | undefined;
  /** ISR changes this broker wrote as leader (Kafka's IsrShrinksPerSec and IsrExpandsPerSec meters, as totals). */
  shrinkCount = 0;
  expandCount = 0;

  constructor(private readonly options: IsrManagerOptions) {}

  /** Starts Kafka's isr-expiration and isr-change-propagation tasks. */
  startup(): void {
    // Every half lag time, as Kafka, so a stuck follower leaves within 1.5x of it.
    this.expirationTimer = setInterval(() => void this.maybeShrinkIsrs(), Math.max(1, Math.floor(this.options.replicaLagTimeMaxMs / 2)));
    this.expirationTimer.unref();
    this.propagationTimer = setInterval(() => this.maybePropagateIsrChanges(), ISR_PROPAGATION_CHECK_MS);
    this.propagationTimer.unref();
  }

  shutdown(): void {
    for (const timer of [this.expirationTimer, this.propagationTimer]) if (timer) clearInterval(timer);
    this.expirationTimer = this.propagationTimer = undefined;
  }

  /** Kafka's maybeShrinkIsr over every led partition: followers not caught up for replica.lag.time.max.ms leave the ISR. */
  maybeShrinkIsrs(): Promise<void> {
    const { replicaLagTimeMaxMs } = this.options;
    const writes: Promise<void>[] = [];
    for (const partition of this.options.partitions()) {
      const lagging = partition.outOfSyncReplicas(replicaLagTimeMaxMs);
      if (lagging.length === 0) continue;
      const details = lagging.map((id) => `broker ${id} at ${partition.followerState(id)?.logEndOffset ?? '?'}`).join(', ');
      writes.push(this.updateIsr(partition, partition.shrunkIsr(lagging), `not caught up for ${replicaLagTimeMaxMs} ms: ${details}, leader at ${partition.log.logEndOffset}`));
    }
    return Promise.all(writes).then(() => undefined);
  }

  /** Kafka's maybeExpandIsr, after a follower's fetch at `fetchOffset` updated what the leader knows of it. */
  maybeExpandIsr(partition: Partition, replicaId: number, fetchOffset: number): Promise<void> {
    const expanded = partition.expandedIsr(replicaId);
    if (!expanded) return Promise.resolve();
    return this.updateIsr(partition, expanded, `broker ${replicaId} caught up to offset ${fetchOffset}`);
  }

  /**
   * Writes a new ISR for a led partition to its state znode, conditionally on the zkVersion this
   * leader last saw; only a written ISR takes effect. A failed condition means the controller or a
   * newer leader moved the partition: if the znode names another leader or a newer epoch, this
   * broker stops leading it until LeaderAndIsr says more (it must not acknowledge acks=all writes
   * on an ISR nobody else agrees with).
   */
  private async updateIsr(partition: Partition, isr: number[], why: string): Promise<void> {
    const { store, logger, localBrokerId } = this.options;
    if (!store || partition.isrUpdateInFlight) return;
    partition.isrUpdateInFlight = true;
    const { leaderEpoch, controllerEpoch, zkVersion } = partition;
    const tp = { topic: partition.topic, partition: partition.partition };
    const before = JSON.stringify(partition.isr);
    try {
      const result = await store.write(tp, { leader: localBrokerId, leaderEpoch, isr, controllerEpoch }, zkVersion);
      if (this.options.partition(tp.topic, tp.partition) !== partition || !partition.isLeader || partition.leaderEpoch !== leaderEpoch) return;
      if (result.updated) {
        logger.info(`${partition.key}: ISR ${before} -> ${JSON.stringify(isr)} (${why})`);
        if (isr.length < partition.isr.length) this.shrinkCount++;
        else this.expandCount++;
        partition.applyIsr(isr, result.zkVersion);
        this.changed.set(partition.key, tp);
        this.lastChangeMs = this.options.clock.nowMs();
        this.options.onChange(partition);
        return;
      }
      const current = result.current;
      if (current === undefined || current.leader !== localBrokerId || current.leaderEpoch > leaderEpoch) {
        logger.warn(`${partition.key}: not leader any more at epoch ${leaderEpoch} (${result.reason}; znode says leader ${current?.leader ?? 'none'}, epoch ${current?.leaderEpoch ?? '?'}): stops leading until the controller's LeaderAndIsr`);
        partition.resignLeadership(current?.leader ?? -1);
        this.options.onChange(partition);
      } else {
        logger.warn(`${partition.key}: ISR change to ${JSON.stringify(isr)} not written: ${result.reason}; waiting for LeaderAndIsr`);
      }
    } catch (err) {
      logger.warn(`${partition.key}: cannot write ISR ${JSON.stringify(isr)} to ZooKeeper: ${(err as Error).message}; will try again`);
    } finally {
      partition.isrUpdateInFlight = false;
    }
  }

  /**
   * Sends batched ISR changes to the controller once they have settled (Kafka's
   * maybePropagateIsrChanges): after ISR_PROPAGATION_QUIET_MS without a change, or at the latest
   * ISR_PROPAGATION_MAX_DELAY_MS after the previous notification. A failed notification keeps its
   * partitions for the next one.
   */
  maybePropagateIsrChanges(): void {
    const { store, clock, logger } = this.options;
    const now = clock.nowMs();
    if (!store || this.changed.size === 0) return;
    if (now - this.lastChangeMs < ISR_PROPAGATION_QUIET_MS && now - this.lastPropagationMs < ISR_PROPAGATION_MAX_DELAY_MS) return;
    const changed = [...this.changed.values()];
    this.changed.clear();
    this.lastPropagationMs = now;
    store.notify(changed).catch((err: Error) => {
      logger.warn(`cannot write an isr_change_notification: ${err.message}; will try again`);
      for (const tp of changed) this.changed.set(partitionKey(tp.topic, tp.partition), tp);
    });
  }
}
