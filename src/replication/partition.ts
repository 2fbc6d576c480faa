/**
 * One partition hosted by this broker (Kafka's Partition): its log, the leadership the controller
 * gave it (leader, leader epoch, ISR, replicas, zkVersion), its high watermark, and, as leader,
 * what it knows of each follower's position. Only the leader appends from producers and answers
 * fetches; the high watermark only moves forward and never past the ISR's lowest log end offset.
 * The log start offset never passes the high watermark: DeleteRecords raises it on the leader, and
 * a follower raises its own to the leader's as fetch answers tell it.
 */
import { assert } from '../common/assert';
import type { Clock } from '../common/clock';
import { ErrorCode, JosefError } from '../common/errors';
import { partitionKey } from '../common/topic';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, NO_LEADER } from '../protocol/api-keys';
import { BatchField, batchLastOffset, batchSizeAt } from '../protocol/record-batch';
import type { LeaderAndIsrPartitionState } from '../protocol/messages';
import { deletesOldSegments } from '../storage/log-config';
import type { LogAppendInfo, PartitionLog } from '../storage/partition-log';
import { UNDEFINED_EPOCH, type EpochEndOffset } from '../storage/leader-epoch-cache';
import {
  initialFollowerState, initialHighWatermark, nextHighWatermark, updateFollowerFetchState, type FollowerFetchState,
} from './high-watermark';
import { isrWith, isrWithout, outOfSyncReplicas, shouldJoinIsr } from './isr';
import { deleteRecordsTarget, lowWatermark } from './low-watermark';

/** Which offsets a reader may see: consumers below the high watermark, followers up to the log end. */
export type FetchIsolation = 'highWatermark' | 'logEnd';

/** acks of a Produce request: 0 none, 1 the leader's append, -1 (all) the whole ISR. */
export type RequiredAcks = 0 | 1 | -1;

export interface PartitionOptions {
  localBrokerId: number;
  log: PartitionLog;
  /** The high watermark saved in replication-offset-checkpoint, if any. */
  highWatermarkCheckpoint: number | undefined;
  minInsyncReplicas: number;
  clock: Clock;
}

/** A DeleteRecords on the leader: the log start offset asked for, and the low watermark right after (Kafka's LogDeleteRecordsResult). */
export interface DeleteRecordsResult {
  requestedOffset: number;
  lowWatermark: number;
}

export interface LogReadResult {
  records: Buffer;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
}

/** The followers of every partition not led here: none. */
const noFollowers = new Map<number, FollowerFetchState>();

export class Partition {
  readonly topic: string;
  readonly partition: number;
  /** `partitionKey(topic, partition)`, made once: the maps of hosted partitions, fetchers and purgatories key by it. */
  readonly key: string;
  readonly log: PartitionLog;
  private readonly localBrokerId: number;
  private readonly clock: Clock;
  leaderId = NO_LEADER;
  leaderEpoch = UNDEFINED_EPOCH;
  controllerEpoch = -1;
  /** Version of the partition's state znode, for the leader's conditional ISR writes. */
  zkVersion = -1;
  replicas: number[] = [];
  /** In-sync replicas as the leader knows them; empty on a follower (Kafka keeps it so). */
  isr: number[] = [];
  minInsyncReplicas: number;
  /** As leader: the log end offset when this leader epoch began (a rejoining follower must reach it). */
  leaderEpochStartOffset = -1;
  /** As leader: an ISR change is being written to ZooKeeper (one at a time, Kafka's leaderIsrUpdateLock). */
  isrUpdateInFlight = false;
  private hw: number;
  private suspendedBecause: string | undefined;
  /**
   * As leader, what it knows of each follower. A partition not led here shares one empty map (10,000
   * followers would each hold their own); makeLeader always makes a fresh one, and the only other
   * write replaces a state found in it, so the shared one stays empty.
   */
  private followers = noFollowers;

  constructor(options: PartitionOptions) {
    this.log = options.log;
    this.topic = options.log.topic;
    this.partition = options.log.partition;
    this.key = partitionKey(this.topic, this.partition);
    this.localBrokerId = options.localBrokerId;
    this.clock = options.clock;
    this.minInsyncReplicas = options.minInsyncReplicas;
    this.hw = initialHighWatermark(options.highWatermarkCheckpoint, this.log.logStartOffset, this.log.logEndOffset);
  }


  /** Leading, and not on hold (see suspendLeadership). */
  get isLeader(): boolean {
    return this.leaderId === this.localBrokerId && this.suspendedBecause === undefined;
  }

  /**
   * Puts a leadership on hold: this broker's ZooKeeper session is lost or presumed lost, so the
   * controller may already have given the partition to another broker. Until LeaderAndIsr says
   * more (or the same session comes back), it accepts no write and acknowledges nothing as leader.
   */
  suspendLeadership(reason: string): boolean {
    if (this.leaderId !== this.localBrokerId || this.suspendedBecause !== undefined) return false;
    this.suspendedBecause = reason;
    return true;
  }

  /** Leading, but on hold (see suspendLeadership). */
  get isOnHold(): boolean {
    return this.suspendedBecause !== undefined;
  }

  /** The session survived after all, or a controller confirmed the leadership since (ReplicaManager.confirmsHeldLeadership): it stands. */
  resumeLeadership(): boolean {
    const was = this.suspendedBecause !== undefined;
    this.suspendedBecause = undefined;
    return was;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** A LeaderAndIsr state not newer than what this partition holds is ignored (Kafka's rule). */
  isStale(state: LeaderAndIsrPartitionState): boolean {
    return state.leaderEpoch <= this.leaderEpoch;
  }

  /**
   * Becomes leader for `state.leaderEpoch`: records where the epoch starts in the log, starts
   * tracking every follower afresh (ISR members count as caught up now), and moves the high
   * watermark if the ISR allows it (with the leader alone in the ISR, HW = LEO at once).
   * Returns true if this broker was not the leader before.
   */
  makeLeader(state: LeaderAndIsrPartitionState): boolean {
    const nowMs = this.clock.nowMs();
    const isNewLeader = !this.isLeader;
    // A leader outside its ISR could acknowledge writes no in-sync replica holds.
    assert(state.isr.includes(this.localBrokerId), () => `${this.key}: made leader at epoch ${state.leaderEpoch} with an ISR ${JSON.stringify(state.isr)} that lacks broker ${this.localBrokerId}`);
    this.applyState(state);
    this.leaderId = this.localBrokerId;
    this.isr = [...state.isr];
    this.log.leaderEpochCache.assign(state.leaderEpoch, this.log.logEndOffset);
    const leo = this.log.logEndOffset;
    this.leaderEpochStartOffset = leo;
    // Replicas no longer assigned drop out with the old map.
    const followers = new Map<number, FollowerFetchState>();
    for (const replica of this.replicas) {
      if (replica === this.localBrokerId) continue;
      const previous = isNewLeader ? undefined : this.followers.get(replica);
      const inIsr = this.isr.includes(replica);
      const fresh = initialFollowerState(inIsr, nowMs);
      followers.set(replica, {
        ...(previous ?? fresh),
        lastCaughtUpTimeMs: fresh.lastCaughtUpTimeMs,
        lastFetchLeaderLogEndOffset: leo,
        lastFetchTimeMs: nowMs,
      });
    }
    this.followers = followers;
    this.maybeIncrementHighWatermark();
    return isNewLeader;
  }

  /** Follows `state.leader`; returns true if the leader changed. Fetching from it is replication's job. */
  makeFollower(state: LeaderAndIsrPartitionState): boolean {
    const changed = this.leaderId !== state.leader;
    this.applyState(state);
    this.leaderId = state.leader;
    this.isr = [];
    this.followers = noFollowers;
    this.leaderEpochStartOffset = -1;
    this.hw = Math.min(this.hw, this.log.logEndOffset);
    return changed;
  }

  /**
   * As follower: the leader's batches, byte for byte with its offsets and epochs, then the HW the
   * leader sent (never past our own log end). Returns what was appended.
   */
  appendRecordsAsFollower(records: Buffer, leaderHighWatermark: number): LogAppendInfo {
    if (this.isLeader) throw new JosefError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key}: broker ${this.localBrokerId} leads it and takes no follower append`);
    const info = this.log.appendAsFollower(records);
    this.updateFollowerHighWatermark(leaderHighWatermark);
    return info;
  }

  /** As follower: HW = min(the leader's, our log end); it may go down only by truncation. */
  updateFollowerHighWatermark(leaderHighWatermark: number): void {
    if (leaderHighWatermark >= 0) this.hw = Math.max(this.log.logStartOffset, Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /**
   * As follower: the leader's log start offset from a fetch answer (Kafka's follower-side
   * maybeIncrementLogStartOffset): records the leader deleted are deleted here too, up to our high
   * watermark. Returns whether ours moved.
   */
  updateFollowerLogStartOffset(leaderLogStartOffset: number): boolean {
    return this.log.maybeIncrementLogStartOffset(Math.min(leaderLogStartOffset, this.hw), `the leader's log starts at ${leaderLogStartOffset}`);
  }

  /** As follower: drops a tail the leader does not have (KIP-101); the HW cannot stay past the end. */
  truncateTo(offset: number): void {
    this.log.truncateTo(offset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
  }

  /** As follower behind the leader's log start: starts over, empty, at `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.hw = offset;
  }

  private applyState(state: LeaderAndIsrPartitionState): void {
    // isStale turns older epochs away first: one taken here would let a deposed leader's writes in.
    assert(state.leaderEpoch > this.leaderEpoch, () => `${this.key}: leader epoch ${state.leaderEpoch} after ${this.leaderEpoch}: leader epochs only rise`);
    this.suspendedBecause = undefined;
    this.controllerEpoch = state.controllerEpoch;
    this.leaderEpoch = state.leaderEpoch;
    this.zkVersion = state.zkVersion;
    this.replicas = [...state.replicas];
  }

  private requireLeader(): void {
    if (!this.isLeader) {
      if (this.suspendedBecause !== undefined) {
        throw new JosefError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.localBrokerId} has put its leadership of ${this.key} on hold: ${this.suspendedBecause}`);
      }
      const leader = this.leaderId === NO_LEADER ? 'none' : `broker ${this.leaderId}`;
      throw new JosefError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.localBrokerId} does not lead ${this.key} (leader: ${leader})`);
    }
  }

  /** KIP-320: a client naming an epoch other than the current one is behind (fenced) or ahead (unknown). */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch === UNDEFINED_EPOCH || currentLeaderEpoch === this.leaderEpoch) return;
    const info = currentLeaderEpoch < this.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
    throw new JosefError(info, `${this.key}: request's leader epoch ${currentLeaderEpoch}, this broker's ${this.leaderEpoch}`);
  }

  /**
   * A producer's batches, checked and appended by the leader. acks=all needs an ISR of at least
   * min.insync.replicas before anything is written (NOT_ENOUGH_REPLICAS).
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: RequiredAcks): { info: LogAppendInfo; highWatermarkMoved: boolean } {
    this.requireLeader();
    if (requiredAcks === -1 && this.isr.length < this.minInsyncReplicas) {
      throw new JosefError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.key}: ISR ${JSON.stringify(this.isr)} has fewer than min.insync.replicas ${this.minInsyncReplicas} members`);
    }
    const info = this.log.appendAsLeader(records, this.leaderEpoch);
    return { info, highWatermarkMoved: this.maybeIncrementHighWatermark() };
  }

  /**
   * Whole batches from `fetchOffset`, never at or past the reader's limit (HW or LEO); read into
   * `into` when they fit (PartitionLog.read's reused buffer), into fresh memory otherwise.
   */
  read(fetchOffset: number, maxBytes: number, isolation: FetchIsolation, currentLeaderEpoch: number, into?: Buffer): LogReadResult {
    this.requireLeader();
    this.checkLeaderEpoch(currentLeaderEpoch);
    const records = maxBytes > 0 ? this.log.read(fetchOffset, { maxBytes, maxOffsetExclusive: this.readLimit(isolation), into }) : Buffer.alloc(0);
    if (isolation === 'highWatermark') this.assertBelowHighWatermark(records);
    return { records, highWatermark: this.hw, logStartOffset: this.log.logStartOffset, logEndOffset: this.log.logEndOffset };
  }

  /**
   * A consumer never sees a record at or past the high watermark: a leader that fails over could
   * lose it. Walks the batch lengths only (one integer read per batch) to the last whole batch.
   */
  private assertBelowHighWatermark(records: Buffer): void {
    let last = -1;
    for (let pos = 0; ;) {
      const size = batchSizeAt(records, pos);
      if (size <= BatchField.lastOffsetDelta + 4 || pos + size > records.length) break;
      last = pos;
      pos += size;
    }
    if (last >= 0) {
      const lastOffset = batchLastOffset(records, last);
      assert(lastOffset < this.hw, () => `${this.key}: a consumer's read reaches offset ${lastOffset}, past the high watermark ${this.hw}`);
    }
  }

  /** The offset up to which a reader with `isolation` may read. */
  readLimit(isolation: FetchIsolation): number {
    return isolation === 'highWatermark' ? this.hw : this.log.logEndOffset;
  }

  /**
   * A follower fetched from `fetchOffset`: that is its log end offset. Returns true if the high
   * watermark moved (delayed acks=all produces may complete).
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: number, followerLogStartOffset?: number): boolean {
    this.requireLeader();
    const state = this.followers.get(replicaId);
    if (state === undefined) {
      throw new JosefError(ErrorCode.REPLICA_NOT_AVAILABLE, `broker ${replicaId} is not a replica of ${this.key} (replicas ${JSON.stringify(this.replicas)})`);
    }
    this.followers.set(replicaId, updateFollowerFetchState(state, fetchOffset, this.log.logEndOffset, this.clock.nowMs(), followerLogStartOffset));
    return this.maybeIncrementHighWatermark();
  }

  /**
   * Kafka's deleteRecordsOnLeader: raises the log start offset to `offset` (-1: the high
   * watermark), never past the high watermark (OFFSET_OUT_OF_RANGE), and answers with the low
   * watermark as it is now; it reaches the offset once every live follower has deleted too. A
   * topic whose cleanup.policy is compact alone answers POLICY_VIOLATION, as Kafka does.
   */
  deleteRecordsOnLeader(offset: number, isAlive: (brokerId: number) => boolean): DeleteRecordsResult {
    this.requireLeader();
    // Kafka's rule: a log that only compacts never gives up records by offset.
    if (!deletesOldSegments(this.log.config)) throw new JosefError(ErrorCode.POLICY_VIOLATION, `Records of partition ${this.key} can not be deleted due to the configured policy`);
    const requestedOffset = deleteRecordsTarget(offset, this.hw, this.key);
    this.log.maybeIncrementLogStartOffset(requestedOffset, 'records deleted by a client');
    return { requestedOffset, lowWatermark: this.lowWatermarkIfLeader(isAlive) };
  }

  /** Kafka's lowWatermarkIfLeader: the lowest log start offset of the leader and the followers on live brokers. */
  lowWatermarkIfLeader(isAlive: (brokerId: number) => boolean): number {
    this.requireLeader();
    return lowWatermark({
      leaderLogStartOffset: this.log.logStartOffset,
      followers: this.replicas.filter((id) => id !== this.localBrokerId),
      followerLogStartOffset: (id) => this.followers.get(id)?.logStartOffset,
      isAlive,
    });
  }

  /** As leader: the ISR members to drop for lagging more than maxLagMs. */
  outOfSyncReplicas(maxLagMs: number): number[] {
    if (!this.isLeader) return [];
    return outOfSyncReplicas(this.isr, this.localBrokerId, (id) => this.followers.get(id), this.clock.nowMs(), maxLagMs);
  }

  /** As leader: the ISR to write if follower `replicaId` has caught up enough to rejoin, else undefined. */
  expandedIsr(replicaId: number): number[] | undefined {
    const state = this.followers.get(replicaId);
    if (!this.isLeader || state === undefined) return undefined;
    const joins = shouldJoinIsr({
      replicaId, isr: this.isr, replicas: this.replicas, followerLogEndOffset: state.logEndOffset,
      highWatermark: this.hw, leaderEpochStartOffset: this.leaderEpochStartOffset,
    });
    return joins ? isrWith(this.isr, replicaId, this.replicas) : undefined;
  }

  /** The ISR without `removed` (what a shrink writes). */
  shrunkIsr(removed: readonly number[]): number[] {
    return isrWithout(this.isr, removed);
  }

  /**
   * As leader: the ISR written to the state znode (now at `zkVersion`) takes effect. Returns true
   * if the high watermark moved (a smaller ISR may let it advance).
   */
  applyIsr(isr: number[], zkVersion: number): boolean {
    assert(isr.includes(this.localBrokerId), () => `${this.key}: the leader's ISR ${JSON.stringify(isr)} lacks the leader ${this.localBrokerId}`);
    this.isr = [...isr];
    this.zkVersion = zkVersion;
    return this.maybeIncrementHighWatermark();
  }

  /** As leader, fenced: someone else's write to the state znode shows a newer leadership. Stop leading until LeaderAndIsr says more. */
  resignLeadership(leaderId: number): void {
    if (!this.isLeader) return;
    this.leaderId = leaderId === this.localBrokerId ? NO_LEADER : leaderId;
    this.isr = [];
    this.followers = noFollowers;
  }

  /** What the leader knows of a follower (replication's ISR decisions read it). */
  followerState(replicaId: number): FollowerFetchState | undefined {
    return this.followers.get(replicaId);
  }

  private maybeIncrementHighWatermark(): boolean {
    if (!this.isLeader) return false;
    const next = nextHighWatermark({
      currentHighWatermark: this.hw,
      leaderId: this.localBrokerId,
      leaderLogEndOffset: this.log.logEndOffset,
      isr: this.isr,
      followerLogEndOffset: (id) => this.followers.get(id)?.logEndOffset,
    });
    if (next === this.hw) return false;
    assert(next <= this.log.logEndOffset, () => `${this.key}: high watermark ${next} past the log end ${this.log.logEndOffset}`);
    this.hw = next;
    return true;
  }

  /**
   * For a delayed acks=all produce: done once the HW reached `requiredOffset`, with
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below min.insync.replicas meanwhile.
   */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; errorCode: number } {
    if (!this.isLeader) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code };
    if (this.hw < requiredOffset) return { done: false, errorCode: ErrorCode.NONE.code };
    const enough = this.isr.length >= this.minInsyncReplicas;
    return { done: true, errorCode: enough ? ErrorCode.NONE.code : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code };
  }

  /** ListOffsets: earliest, latest (HW for consumers) or the first offset at/after a timestamp. */
  fetchOffsetForTimestamp(timestamp: number, isolation: FetchIsolation): { offset: number; timestamp: number } {
    this.requireLeader();
    const limit = this.readLimit(isolation);
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: this.log.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIMESTAMP) return { offset: limit, timestamp: -1 };
    if (timestamp < 0) throw new JosefError(ErrorCode.INVALID_REQUEST, `${this.key}: ListOffsets timestamp ${timestamp} is neither a time nor -1/-2`);
    const found = this.log.offsetForTimestamp(timestamp);
    return found !== undefined && found.offset < limit ? found : { offset: -1, timestamp: -1 };
  }

  /** OffsetsForLeaderEpoch (KIP-101): where `leaderEpoch` ends in this leader's log. */
  lastOffsetForLeaderEpoch(currentLeaderEpoch: number, leaderEpoch: number): EpochEndOffset {
    this.requireLeader();
    this.checkLeaderEpoch(currentLeaderEpoch);
    return this.log.leaderEpochCache.endOffsetFor(leaderEpoch, this.log.logEndOffset);
  }
}
