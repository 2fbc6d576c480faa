/**
 * The partitions this broker hosts and everything done to them (Kafka's ReplicaManager): the
 * controller's LeaderAndIsr and StopReplica change who leads what; producers append to leaders;
 * consumers and followers fetch raw batches, waiting in the fetch purgatory for data when asked
 * to; acks=all produces wait in the produce purgatory for the high watermark, DeleteRecords in
 * its own for the low watermark. A failure on one partition only ever fails that partition.
 */
import type { Clock } from '../common/clock';
import type { BrokerConfig } from '../common/config';
import { brokerLogConfig } from './broker-log-config';
import { ErrorCode, JosefError } from '../common/errors';
import { EventLoopSlice } from '../common/event-loop-slice';
import type { Logger } from '../common/logger';
import type { Scheduler } from '../common/scheduler';
import { isInternalTopic, partitionKey } from '../common/topic';
import { topicConfig, type TopicConfig } from '../storage/topic-config';
import { DEBUGGING_REPLICA_ID, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/api-keys';
import {
  groupByTopic as groupItemsByTopic, INVALID_LOW_WATERMARK, type DescribeLogDirsResult, type LeaderAndIsrPartitionState, type LeaderAndIsrRequest, type LeaderAndIsrResponse, type StopReplicaRequest, type StopReplicaResponse,
} from '../protocol/messages';
import type { LogManager, PartitionDirListing } from '../storage/log-manager';
import { DelayedDeleteRecords, type DeleteRecordsPartitionStatus } from '../replication/delayed-delete-records';
import { DelayedFetch } from '../replication/delayed-fetch';
import { DelayedProduce, type ProducePartitionStatus } from '../replication/delayed-produce';
import { Partition, type FetchIsolation, type RequiredAcks } from '../replication/partition';
import { DelayedOperationPurgatory } from '../replication/purgatory';
import { ReplicaFetcherManager, type FollowStart } from '../replication/replica-fetcher-manager';
import type { ReplicationQuota } from '../replication/replication-quota';
import type { FetcherConnect } from '../replication/replica-fetcher';
import { IsrManager, type IsrStore } from '../replication/isr-manager';
import { partitionError, type PartitionErrorResult } from './partition-error';
import { ReplicationThrottles } from './replication-throttles';
import { BrokerTopicStats } from '../metrics/broker-topic-stats';
import {
  readFromLocalLog, readableBytes, type FetchParams, type FetchPartitionResult,
} from './log-reader';

export type { FetchParams, FetchPartitionResult, FetchPartitionParams } from './log-reader';

/** Delayed requests waiting at once, per purgatory (Kafka bounds them by queued requests and connections). */
export const DELAYED_OPERATIONS_MAX = 10_000;

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface ProduceEntry extends TopicPartitionRef {
  records: Buffer;
}

export type ProducePartitionResult = Omit<ProducePartitionStatus, 'requiredOffset' | 'acksPending'>;

export interface ListOffsetsEntry extends TopicPartitionRef {
  timestamp: number;
}

export interface ListOffsetsResult extends TopicPartitionRef, PartitionErrorResult {
  timestamp: number;
  offset: number;
}

export interface DeleteRecordsEntry extends TopicPartitionRef {
  /** Records before this offset go; -1: before the high watermark. */
  offset: number;
}

export interface DeleteRecordsResult extends TopicPartitionRef, PartitionErrorResult {
  lowWatermark: number;
}

export interface EpochEndOffsetEntry extends TopicPartitionRef {
  currentLeaderEpoch: number;
  leaderEpoch: number;
}

export interface EpochEndOffsetResult extends TopicPartitionRef {
  errorCode: number;
  leaderEpoch: number;
  endOffset: number;
}

/** A LeaderAndIsr holds the event loop at most this long at a time (a ZooKeeper session times out in seconds). */
const leaderAndIsrSliceMs = 100;

/** One partition's role as a LeaderAndIsr request just set it (what the group coordinator loads and unloads on). */
export interface LeadershipChange extends TopicPartitionRef {
  isLeader: boolean;
  leaderEpoch: number;
}

export type LeadershipListener = (changes: LeadershipChange[]) => void;

export interface ReplicaManagerOptions {
  config: BrokerConfig;
  logManager: LogManager;
  clock: Clock;
  logger: Logger;
  scheduler?: Scheduler;
  /** Whether the cluster has this partition (the metadata cache): a partition hosted elsewhere is NOT_LEADER_OR_FOLLOWER. */
  isKnownPartition?: (topic: string, partition: number) => boolean;
  /** Whether a broker is alive (the metadata cache): DeleteRecords waits for the replicas on live brokers only. Without it: all are. */
  isAliveBroker?: (brokerId: number) => boolean;
  /** The topic's overrides from /config/topics/<topic>, read when a partition is first hosted. */
  topicConfigOverrides?: (topic: string) => Promise<Record<string, string>>;
  /** Where ISR shrinks and expands are written; without it the ISR stays as the controller set it. */
  isrStore?: IsrStore;
  /** How followers reach leaders; without it followers do not fetch. */
  fetcherConnect?: FetcherConnect;
  /** The replication throttles, as the dynamic config sets them; without them: unlimited. */
  throttles?: { leader: ReplicationQuota; follower: ReplicationQuota };
  /** Where appends and reads are counted per topic (the broker's metrics read them); a private one otherwise. */
  topicStats?: BrokerTopicStats;
}

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  /** Partitions whose log dir went offline (Kafka's HostedPartition.Offline): KAFKA_STORAGE_ERROR until restart. */
  private readonly offlinePartitions = new Set<string>();
  /** This broker's epoch in its current ZooKeeper registration (Kafka's broker epoch, KIP-380). */
  private brokerEpoch = -1;
  /** The broker epoch under which the leaderships now on hold were put on hold (see confirmsHeldLeadership). */
  private heldUnderBrokerEpoch: number | undefined;
  /** replication-offset-checkpoint as read at start, keyed by `partitionKey` (LogManager's keys). */
  private readonly checkpointedHighWatermarks: Map<string, number>;
  readonly fetchPurgatory: DelayedOperationPurgatory<DelayedFetch>;
  readonly producePurgatory: DelayedOperationPurgatory<DelayedProduce>;
  readonly deleteRecordsPurgatory: DelayedOperationPurgatory<DelayedDeleteRecords>;
  /** The newest controller epoch seen; requests from older controllers are refused. */
  controllerEpoch = -1;
  private stateChangeTail: Promise<unknown> = Promise.resolve();
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** Shrinks and expands the ISR of the partitions led here, and tells the controller. */
  readonly isrManager: IsrManager;
  readonly fetcherManager: ReplicaFetcherManager | undefined;
  /** Replication throttles (Kafka's ReplicationQuotaManager for LeaderReplication and FollowerReplication), set by the dynamic config. */
  readonly leaderQuota: ReplicationQuota;
  readonly followerQuota: ReplicationQuota;
  private readonly brokerId: number;
  private readonly logger: Logger;
  private readonly leadershipListeners: LeadershipListener[] = [];
  /** Kafka's BrokerTopicStats: messages and bytes in and out per topic. */
  readonly topicStats: BrokerTopicStats;

  constructor(private readonly options: ReplicaManagerOptions) {
    this.brokerId = options.config.brokerId;
    this.logger = options.logger;
    this.checkpointedHighWatermarks = options.logManager.readHighWatermarks();
    this.topicStats = options.topicStats ?? new BrokerTopicStats();
    const purgatoryOptions = { operationsMax: DELAYED_OPERATIONS_MAX, scheduler: options.scheduler, logger: options.logger };
    this.fetchPurgatory = new DelayedOperationPurgatory('Fetch', purgatoryOptions);
    this.producePurgatory = new DelayedOperationPurgatory('Produce', purgatoryOptions);
    this.deleteRecordsPurgatory = new DelayedOperationPurgatory('DeleteRecords', purgatoryOptions);
    const throttles = options.throttles ?? new ReplicationThrottles({ brokerId: this.brokerId, clock: options.clock, logger: options.logger });
    this.leaderQuota = throttles.leader;
    this.followerQuota = throttles.follower;
    this.isrManager = new IsrManager({
      localBrokerId: this.brokerId,
      replicaLagTimeMaxMs: options.config.replicaLagTimeMaxMs,
      clock: options.clock,
      logger: options.logger,
      store: options.isrStore,
      partitions: () => this.partitions.values(),
      partition: (topic, partition) => this.getPartition(topic, partition),
      onChange: (partition) => this.wakeWaiters(partition.key, true),
    });
    if (options.fetcherConnect) {
      const { config } = options;
      this.fetcherManager = new ReplicaFetcherManager({
        localBrokerId: this.brokerId,
        numFetchers: config.numReplicaFetchers,
        settings: config,
        connect: options.fetcherConnect,
        partition: (topic, partition) => this.getPartition(topic, partition),
        logger: options.logger.child('fetcher'),
        nowMs: () => options.clock.nowMs(),
        quota: this.followerQuota,
      });
    }
  }

  /** Starts the periodic high-watermark checkpoint (replica.high.watermark.checkpoint.interval.ms). */
  startup(): void {
    this.checkpointTimer = setInterval(() => {
      try {
        this.checkpointHighWatermarks();
      } catch (err) {
        this.logger.error(`high-watermark checkpoint failed: ${(err as Error).message}`);
      }
    }, this.options.config.replicaHighWatermarkCheckpointIntervalMs);
    this.checkpointTimer.unref();
    this.isrManager.startup();
  }

  /** Answers every waiting request with what there is and stops the checkpoint timer; LogManager.close saves the rest. */
  async shutdown(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.checkpointTimer = undefined;
    this.isrManager.shutdown();
    await this.fetcherManager?.shutdown();
    // Waiting acks=all produces hear NOT_LEADER_OR_FOLLOWER (retry elsewhere), not a timeout they did not reach.
    this.suspendLeaderships('this broker is shutting down');
    this.fetchPurgatory.shutdown();
    this.producePurgatory.shutdown();
    this.deleteRecordsPurgatory.shutdown();
  }

  /** `listener` hears, after each LeaderAndIsr, which partitions it made leader or follower here (Kafka's onLeadershipChange). */
  addLeadershipListener(listener: LeadershipListener): void {
    this.leadershipListeners.push(listener);
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  /** Every partition this broker hosts, leader or follower (what its metrics count). */
  hostedPartitions(): IterableIterator<Partition> {
    return this.partitions.values();
  }

  /** The HW to checkpoint: the live one, else the one loaded at start (a log not yet told its role keeps it). */
  highWatermarkOf = (topic: string, partition: number): number | undefined =>
    this.getPartition(topic, partition)?.highWatermark ?? this.checkpointedHighWatermarks.get(partitionKey(topic, partition));

  checkpointHighWatermarks(): void {
    this.options.logManager.checkpointHighWatermarks(this.highWatermarkOf);
  }

  /** Kafka's controller-epoch fence: false for a request from a controller older than one already heard. */
  acceptControllerEpoch(controllerEpoch: number): boolean {
    if (controllerEpoch < this.controllerEpoch) return false;
    this.controllerEpoch = controllerEpoch;
    return true;
  }

  private partitionOrThrow(topic: string, partition: number): Partition {
    const found = this.getPartition(topic, partition);
    if (found) return found;
    if (this.offlinePartitions.has(partitionKey(topic, partition))) {
      throw new JosefError(ErrorCode.KAFKA_STORAGE_ERROR, `${partitionKey(topic, partition)} is offline on broker ${this.brokerId}: its log dir failed`);
    }
    if (this.options.isKnownPartition?.(topic, partition)) {
      throw new JosefError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.brokerId} does not host ${partitionKey(topic, partition)}`);
    }
    throw new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${partitionKey(topic, partition)} is not a known topic partition`);
  }

  /**
   * Something changed on a partition: waiting fetches may complete now, and with a high watermark
   * or leadership change waiting produces and DeleteRecords too.
   */
  private wakeWaiters(key: string, highWatermarkMoved: boolean): void {
    this.fetchPurgatory.checkAndComplete(key);
    if (!highWatermarkMoved) return;
    this.producePurgatory.checkAndComplete(key);
    this.deleteRecordsPurgatory.checkAndComplete(key);
  }

  /**
   * Kafka's ReplicaManager.describeLogDirs: each log dir with the size of the logs in it, for the
   * partitions asked (all with null). An offline dir answers KAFKA_STORAGE_ERROR and no logs.
   */
  describeLogDirs(partitions: { topic: string; partition: number }[] | null): DescribeLogDirsResult[] {
    const wanted = partitions === null ? undefined : new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    return this.options.logManager.logsPerDir((topic, partition) => wanted === undefined || wanted.has(partitionKey(topic, partition))).map(({ logDir, offline, logs }) => ({
      errorCode: offline ? ErrorCode.KAFKA_STORAGE_ERROR.code : ErrorCode.NONE.code,
      logDir,
      topics: groupItemsByTopic(logs, (log) => log.topic, (log) => ({ partition: log.partition, size: log.sizeBytes, offsetLag: 0, isFuture: false })),
    }));
  }

  /**
   * Appends each partition's batches as leader. acks 0/1 answer after the append; acks=-1 waits
   * (up to timeoutMs) until every appended partition's high watermark passes its last offset,
   * calling `onWaitingForAcks` when it starts to wait (everything is in the log by then). The
   * results come at once, not as a promise, when nothing waits for acks: a promise and its turn of
   * the microtask queue are a per-request cost, paid per 150 records by librdkafka's Produces.
   */
  appendRecords(
    acks: number, timeoutMs: number, entries: ProduceEntry[],
    { internalTopicsAllowed = false, onWaitingForAcks }: { internalTopicsAllowed?: boolean; onWaitingForAcks?: () => void } = {},
  ): ProducePartitionResult[] | Promise<ProducePartitionResult[]> {
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      return entries.map((e) => ({
        ...emptyProduceResult(e), errorCode: ErrorCode.INVALID_REQUIRED_ACKS.code, errorMessage: `acks must be 0, 1 or -1 (all), got ${acks}`,
      }));
    }
    // Waiting fetches and produces are woken once every partition of the request is appended (as
    // Kafka's delayed actions): a follower's fetch then carries the whole request's batches, not
    // the first partition's alone followed by another round trip for the rest.
    const appended: { key: string; highWatermarkMoved: boolean }[] = [];
    const statuses = entries.map((entry) => this.appendToLocalLog(entry, acks, internalTopicsAllowed, appended));
    for (const { key, highWatermarkMoved } of appended) this.wakeWaiters(key, highWatermarkMoved);
    if (!statuses.some((s) => s.acksPending)) return statuses.map(toProduceResult);
    const pending = statuses.filter((s) => s.acksPending);
    return new Promise((resolve) => {
      const operation = new DelayedProduce(timeoutMs, statuses, (t, p) => this.getPartition(t, p), (done) => resolve(done.map(toProduceResult)));
      const completed = this.producePurgatory.tryCompleteElseWatch(operation, pending.map((s) => partitionKey(s.topic, s.partition)));
      if (!completed) onWaitingForAcks?.();
    });
  }

  private appendToLocalLog(
    entry: ProduceEntry, acks: RequiredAcks, internalTopicsAllowed: boolean, appended: { key: string; highWatermarkMoved: boolean }[],
  ): ProducePartitionStatus {
    // Assigned rather than spread (`{ ...result, requiredOffset }`): V8 builds that in its runtime, several µs per partition.
    const status: ProducePartitionStatus = Object.assign(emptyProduceResult(entry), { requiredOffset: -1, acksPending: false });
    const what = `append to ${partitionKey(entry.topic, entry.partition)}`;
    try {
      if (isInternalTopic(entry.topic) && !internalTopicsAllowed) {
        throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot append to internal topic ${entry.topic}`);
      }
      if (!Buffer.isBuffer(entry.records)) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${what}: records are not binary`);
      const partition = this.partitionOrThrow(entry.topic, entry.partition);
      const { info, highWatermarkMoved } = partition.appendRecordsToLeader(entry.records, acks);
      status.baseOffset = info.baseOffset;
      status.logAppendTimeMs = info.logAppendTimeMs;
      status.logStartOffset = partition.log.logStartOffset;
      status.requiredOffset = info.lastOffset + 1;
      this.topicStats.recordMessagesIn(entry.topic, info.recordCount, entry.records.length);
      status.acksPending = acks === -1;
      appended.push({ key: partition.key, highWatermarkMoved });
    } catch (err) {
      Object.assign(status, partitionError(err, what, this.logger));
    }
    return status;
  }

  /**
   * Reads raw batches for a consumer (below the high watermark) or a follower (up to the log end,
   * reporting its position). Answers at once when there is an error, enough data (minBytes) or
   * no wait asked for; otherwise waits in the fetch purgatory up to maxWaitMs.
   */
  async fetchMessages(params: FetchParams): Promise<FetchPartitionResult[]> {
    const isolation: FetchIsolation = params.replicaId >= 0 ? 'logEnd' : 'highWatermark';
    if (params.replicaId >= 0) this.updateFollowerFetchStates(params);
    const leaderThrottled = params.replicaId >= 0 ? (p: Partition) => this.shouldLeaderThrottle(p, params.replicaId) : undefined;
    const reader = { getPartition: (t: string, p: number) => this.partitionOrThrow(t, p), logger: this.logger, leaderThrottled };
    const results = readFromLocalLog(reader, params, isolation);
    const bytes = results.reduce((sum, r) => sum + (r.records?.length ?? 0), 0);
    const failed = results.some((r) => r.errorCode !== ErrorCode.NONE.code);
    if (params.maxWaitMs <= 0 || params.partitions.length === 0 || bytes >= params.minBytes || failed) return this.completeFetch(params.replicaId, results);
    return new Promise((resolve) => {
      const operation = new DelayedFetch(
        params.maxWaitMs,
        params.minBytes,
        (minBytes) => readableBytes((t, p) => this.getPartition(t, p), params, isolation, minBytes, leaderThrottled),
        () => resolve(this.completeFetch(params.replicaId, readFromLocalLog(reader, params, isolation))),
      );
      this.fetchPurgatory.tryCompleteElseWatch(operation, params.partitions.map((p) => partitionKey(p.topic, p.partition)));
    });
  }

  /**
   * Kafka's shouldLeaderThrottle: a follower outside the ISR gets no data for a partition throttled
   * on this leader while the leader throttle's rate is exceeded (ISR members are never held back).
   */
  private shouldLeaderThrottle(partition: Partition, replicaId: number): boolean {
    return !partition.isr.includes(replicaId) && this.leaderQuota.isThrottled(partition.topic, partition.partition) && this.leaderQuota.isQuotaExceeded();
  }

  /**
   * A fetch's answer is ready: its bytes count as bytes out per topic, and what a follower fetch
   * returns of throttled partitions counts against the leader throttle (Kafka's sizeOfThrottledPartitions).
   */
  private completeFetch(replicaId: number, results: FetchPartitionResult[]): FetchPartitionResult[] {
    const isFollower = replicaId >= 0;
    let throttledBytes = 0;
    for (const r of results) {
      if (!r.records) continue;
      this.topicStats.recordBytesOut(r.topic, r.records.length, isFollower);
      if (isFollower && this.leaderQuota.isThrottled(r.topic, r.partition)) throttledBytes += r.records.length;
    }
    if (throttledBytes > 0) this.leaderQuota.record(throttledBytes);
    return results;
  }

  /**
   * For the dynamic config (/config/topics/<topic>, the log half of Kafka's TopicConfigHandler): the
   * topic's whole config. Its log settings (retention, segment size, ...) and min.insync.replicas
   * apply to its hosted partitions at once; its throttled replicas are ReplicationThrottles' part.
   */
  applyTopicConfig(topic: string, props: Record<string, string>): void {
    const settings = this.topicSettings(props);
    for (const hosted of this.partitions.values()) {
      if (hosted.topic !== topic) continue;
      hosted.log.config = settings.log;
      hosted.minInsyncReplicas = settings.minInsyncReplicas;
    }
  }

  /** A follower's fetch offsets are its log end offsets: the leader's HW may move, the follower may rejoin the ISR. */
  private updateFollowerFetchStates(params: FetchParams): void {
    for (const entry of params.partitions) {
      const partition = this.getPartition(entry.topic, entry.partition);
      if (!partition?.isLeader) continue; // The read answers the error.
      try {
        partition.checkLeaderEpoch(entry.currentLeaderEpoch);
        if (partition.updateFollowerFetchState(params.replicaId, entry.fetchOffset, entry.logStartOffset)) this.wakeWaiters(partition.key, true);
        // The follower's log start offset may have reached what a waiting DeleteRecords needs.
        this.deleteRecordsPurgatory.checkAndComplete(partition.key);
      } catch (err) {
        if (!(err instanceof JosefError)) throw err;
        continue;
      }
      void this.isrManager.maybeExpandIsr(partition, params.replicaId, entry.fetchOffset);
    }
  }

  /**
   * This broker's ZooKeeper session is lost or presumed lost: every leadership goes on hold, and
   * waiting acks=all produces answer NOT_LEADER_OR_FOLLOWER instead of being acknowledged.
   */
  suspendLeaderships(reason: string): void {
    const held = [...this.partitions.values()].filter((p) => p.suspendLeadership(reason));
    // The newest registration lost: leaderships still on hold from an earlier loss are held
    // under it too, so a request to that registration (now stale) confirms none of them.
    if (held.length > 0 || this.heldUnderBrokerEpoch !== undefined) this.heldUnderBrokerEpoch = this.brokerEpoch;
    if (held.length === 0) return;
    this.logger.warn(`leadership of ${held.length} partition(s) on hold: ${reason}`);
    for (const p of held) this.wakeWaiters(p.key, true);
  }

  /** The same ZooKeeper session came back: leaderships on hold stand again. */
  resumeLeaderships(): void {
    this.heldUnderBrokerEpoch = undefined;
    const resumed = [...this.partitions.values()].filter((p) => p.resumeLeadership());
    if (resumed.length > 0) this.logger.info(`ZooKeeper session kept: leadership of ${resumed.length} partition(s) resumed`);
  }

  /** This broker registered in ZooKeeper (again) under `brokerEpoch`. */
  registeredAs(brokerEpoch: number): void {
    this.brokerEpoch = brokerEpoch;
  }

  /**
   * Whether `state`, at the leader epoch `partition` already has, confirms its leadership on hold:
   * it names this broker leader and comes from a controller that knows this broker's registration
   * made after the hold (the request's broker epoch is newer than the one the hold began under),
   * so that controller read the state znode after this broker lost its session and found it still
   * leading. A new controller that finds this broker registered again before its failover keeps
   * its leaderships and resends them at their epoch: without this, they would stay on hold for
   * good, refusing every write (found by the partitions benchmark at 10,000 partitions, when two
   * brokers' sessions expired together with the controller's). Not Kafka's: its leaders have no hold.
   */
  private confirmsHeldLeadership(requestBrokerEpoch: number, partition: Partition, state: LeaderAndIsrPartitionState): boolean {
    return partition.isOnHold && state.leader === this.brokerId && state.leaderEpoch === partition.leaderEpoch &&
      this.heldUnderBrokerEpoch !== undefined && requestBrokerEpoch > this.heldUnderBrokerEpoch;
  }

  /** ListOffsets, answered by leaders only (Kafka's fetchOnlyFromLeader), except for DEBUGGING_REPLICA_ID's earliest and latest. */
  listOffsets(replicaId: number, entries: ListOffsetsEntry[]): ListOffsetsResult[] {
    const isolation: FetchIsolation = replicaId >= 0 || replicaId === DEBUGGING_REPLICA_ID ? 'logEnd' : 'highWatermark';
    return entries.map((entry) => {
      try {
        const hosted = this.partitionOrThrow(entry.topic, entry.partition);
        const found = replicaId === DEBUGGING_REPLICA_ID && (entry.timestamp === LATEST_TIMESTAMP || entry.timestamp === EARLIEST_TIMESTAMP)
          ? { offset: entry.timestamp === LATEST_TIMESTAMP ? hosted.log.logEndOffset : hosted.log.logStartOffset, timestamp: -1 }
          : hosted.fetchOffsetForTimestamp(entry.timestamp, isolation);
        return { topic: entry.topic, partition: entry.partition, errorCode: ErrorCode.NONE.code, errorMessage: null, ...found };
      } catch (err) {
        const error = partitionError(err, `list offsets of ${partitionKey(entry.topic, entry.partition)}`, this.logger);
        return { topic: entry.topic, partition: entry.partition, ...error, timestamp: -1, offset: -1 };
      }
    });
  }

  /**
   * Kafka's ReplicaManager.deleteRecords: each leader raises its partition's log start offset (not
   * of internal topics: INVALID_TOPIC_EXCEPTION), then the request waits up to timeoutMs until
   * every live follower has deleted too (the low watermark reached the offset).
   */
  async deleteRecords(timeoutMs: number, entries: DeleteRecordsEntry[]): Promise<DeleteRecordsResult[]> {
    const isAlive = this.options.isAliveBroker ?? (() => true);
    const statuses = entries.map((entry): DeleteRecordsPartitionStatus => {
      const { topic, partition } = entry;
      const status = { topic, partition, acksPending: false, errorCode: ErrorCode.NONE.code, errorMessage: null, requiredOffset: -1, lowWatermark: INVALID_LOW_WATERMARK };
      try {
        if (isInternalTopic(topic)) throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot delete records of internal topic ${topic}`);
        const { requestedOffset, lowWatermark } = this.partitionOrThrow(topic, partition).deleteRecordsOnLeader(entry.offset, isAlive);
        // A consumer waiting below the new log start answers OFFSET_OUT_OF_RANGE now.
        this.wakeWaiters(partitionKey(topic, partition), false);
        return { ...status, acksPending: true, requiredOffset: requestedOffset, lowWatermark };
      } catch (err) {
        return { ...status, ...partitionError(err, `delete records of ${partitionKey(topic, partition)}`, this.logger) };
      }
    });
    const done = await new Promise<DeleteRecordsPartitionStatus[]>((resolve) => {
      const operation = new DelayedDeleteRecords(Math.max(0, timeoutMs), statuses, (t, p) => this.getPartition(t, p), isAlive, resolve);
      this.deleteRecordsPurgatory.tryCompleteElseWatch(operation, statuses.filter((s) => s.acksPending).map((s) => partitionKey(s.topic, s.partition)));
    });
    return done.map(({ topic, partition, errorCode, errorMessage, lowWatermark }) => ({ topic, partition, errorCode, errorMessage, lowWatermark }));
  }

  /** OffsetsForLeaderEpoch from each leader's epoch cache (KIP-101). */
  lastOffsetForLeaderEpoch(entries: EpochEndOffsetEntry[]): EpochEndOffsetResult[] {
    return entries.map((entry) => {
      try {
        const partition = this.partitionOrThrow(entry.topic, entry.partition);
        const { epoch, endOffset } = partition.lastOffsetForLeaderEpoch(entry.currentLeaderEpoch, entry.leaderEpoch);
        return { topic: entry.topic, partition: entry.partition, errorCode: ErrorCode.NONE.code, leaderEpoch: epoch, endOffset };
      } catch (err) {
        const { errorCode } = partitionError(err, `offsets for leader epoch of ${partitionKey(entry.topic, entry.partition)}`, this.logger);
        return { topic: entry.topic, partition: entry.partition, errorCode, leaderEpoch: -1, endOffset: -1 };
      }
    });
  }

  /** State changes from the controller run one at a time, in arrival order (Kafka's replicaStateChangeLock). */
  private serialize<T>(change: () => Promise<T>): Promise<T> {
    const run = this.stateChangeTail.then(change, change);
    this.stateChangeTail = run.catch(() => undefined);
    return run;
  }

  /**
   * LeaderAndIsr: hosts each named partition (creating its log), and makes this broker its leader
   * or a follower. Older controller epochs are refused whole; stale leader epochs per partition.
   */
  becomeLeaderOrFollower(request: LeaderAndIsrRequest): Promise<LeaderAndIsrResponse> {
    return this.serialize(async () => {
      if (!this.acceptControllerEpoch(request.controllerEpoch)) {
        this.logger.warn(`ignoring LeaderAndIsr from controller ${request.controllerId} with epoch ${request.controllerEpoch}: epoch ${this.controllerEpoch} is newer`);
        return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code, partitions: [] };
      }
      const startedMs = performance.now();
      const startCpu = process.cpuUsage();
      const partitions: LeaderAndIsrResponse['partitions'] = [];
      const follow: FollowStart[] = [];
      const changes: LeadershipChange[] = [];
      let stale = 0;
      let resumed = 0;
      // As Kafka's makeLeaders and makeFollowers, the fetchers of the partitions changing stop
      // first: running between the slices below, they would fetch with the leader epoch being
      // replaced and be fenced, partition by partition.
      this.fetcherManager?.removeFetcherForPartitions(request.partitionStates.filter((s) => s.replicas.includes(this.brokerId) && !this.getPartition(s.topic, s.partition)?.isStale(s)));
      // Each topic's settings are read and built once, not per partition: one request may host
      // 10,000 partitions of one topic, and their logs share the topic's LogConfig.
      const settings = await this.topicSettingsOfNewPartitions(request.partitionStates);
      // One listing of each new topic's folder instead of a stat per new log (issue 24).
      const dirListing = this.options.logManager.partitionDirListing();
      const debug = this.logger.isDebugEnabled?.() ?? true;
      // Thousands of partitions (each new one opens its log) must not stall this broker's only
      // thread: its ZooKeeper session would miss its pings and expire (issue 24's collapse).
      const slice = new EventLoopSlice(leaderAndIsrSliceMs);
      for (const state of request.partitionStates) {
        if (slice.isOver()) await slice.pause();
        const { topic, partition: partitionId } = state;
        if (!state.replicas.includes(this.brokerId)) {
          this.logger.warn(`ignoring LeaderAndIsr for ${partitionKey(topic, partitionId)}: broker ${this.brokerId} is not among its replicas ${JSON.stringify(state.replicas)}`);
          partitions.push({ topic, partition: partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
          continue;
        }
        const key = partitionKey(topic, partitionId);
        if (this.offlinePartitions.has(key)) {
          partitions.push({ topic, partition: partitionId, errorCode: ErrorCode.KAFKA_STORAGE_ERROR.code });
          continue;
        }
        let errorCode = ErrorCode.NONE.code;
        try {
          const partition = this.partitions.get(key) ?? this.hostPartition(topic, partitionId, settings.get(topic) ?? this.topicSettings({}), state.isNew, dirListing);
          if (partition.isStale(state)) {
            if (this.confirmsHeldLeadership(request.brokerEpoch, partition, state)) {
              partition.resumeLeadership();
              resumed++;
              partitions.push({ topic, partition: partitionId, errorCode });
              continue;
            }
            // A new controller resends every partition at its current epoch: thousands of these
            // are expected, so they are counted in the request's line (Kafka logs each at INFO).
            if (debug) this.logger.debug(`ignoring LeaderAndIsr for ${key} with leader epoch ${state.leaderEpoch}: it already has epoch ${partition.leaderEpoch}`);
            stale++;
            partitions.push({ topic, partition: partitionId, errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code });
            continue;
          }
          const isLeader = state.leader === this.brokerId;
          if (isLeader) {
            partition.makeLeader(state);
          } else {
            partition.makeFollower(state);
            const leader = request.liveLeaders.find((b) => b.nodeId === state.leader);
            if (leader) follow.push({ topic, partition: partitionId, leaderEpoch: state.leaderEpoch, inIsr: state.isr.includes(this.brokerId), leader });
            else if (state.leader >= 0) this.logger.warn(`${key}: leader broker ${state.leader} is not among the live leaders sent; not fetching until it is`);
          }
          if (debug) this.logger.debug(`${key}: ${isLeader ? 'leader' : `follower of broker ${state.leader}`} at leader epoch ${state.leaderEpoch}, ISR ${JSON.stringify(state.isr)}, HW ${partition.highWatermark}, LEO ${partition.log.logEndOffset}`);
          this.wakeWaiters(key, true);
          changes.push({ topic, partition: partitionId, isLeader, leaderEpoch: state.leaderEpoch });
        } catch (err) {
          this.options.logManager.reportStorageError(topic, partitionId, `LeaderAndIsr for ${key}`, err);
          errorCode = partitionError(err, `LeaderAndIsr for ${key}`, this.logger).errorCode;
        }
        partitions.push({ topic, partition: partitionId, errorCode });
      }
      // Followers (re)start from their log end, truncating first (KIP-101).
      this.fetcherManager?.addFetcherForPartitions(follow);
      void this.fetcherManager?.shutdownIdleFetchers();
      if (changes.length > 0) for (const listener of this.leadershipListeners) listener(changes);
      // One line per request, not per partition (each partition's at DEBUG): thousands of lines cost more than the work.
      const leaders = changes.filter((c) => c.isLeader).length;
      const failed = partitions.filter((p) => p.errorCode !== ErrorCode.NONE.code).length - stale;
      // The process's CPU over the apply (the slices' gaps included: whatever else ran then counts too).
      const cpu = process.cpuUsage(startCpu);
      this.logger.info(
        `LeaderAndIsr from controller ${request.controllerId} (epoch ${request.controllerEpoch}): leader of ${leaders}, follower of ${changes.length - leaders} partition(s)` +
        `${resumed > 0 ? `, ${resumed} on hold confirmed and resumed` : ''}` +
        `${stale > 0 ? `, ${stale} ignored at a leader epoch not newer than theirs` : ''}${failed > 0 ? `, ${failed} refused` : ''}` +
        ` in ${Math.round(performance.now() - startedMs)} ms (${Math.round((cpu.user + cpu.system) / 1000)} ms of CPU)`,
      );
      return { errorCode: ErrorCode.NONE.code, partitions };
    });
  }

  /** The settings of each topic with a partition not hosted here yet, its overrides read once per topic. */
  private async topicSettingsOfNewPartitions(states: LeaderAndIsrPartitionState[]): Promise<Map<string, TopicConfig>> {
    const topics = new Set<string>();
    for (const state of states) if (!topics.has(state.topic) && !this.partitions.has(partitionKey(state.topic, state.partition))) topics.add(state.topic);
    const settings = await Promise.all([...topics].map(async (topic) => [topic, this.topicSettings(await this.readTopicOverrides(topic))] as const));
    return new Map(settings);
  }

  private topicSettings(overrides: Record<string, string>): TopicConfig {
    const { config } = this.options;
    return topicConfig(brokerLogConfig(config), config.minInsyncReplicas, overrides);
  }

  private async readTopicOverrides(topic: string): Promise<Record<string, string>> {
    if (!this.options.topicConfigOverrides) return {};
    try {
      return await this.options.topicConfigOverrides(topic);
    } catch (err) {
      this.logger.warn(`cannot read the config of topic ${topic}, using the broker's defaults: ${(err as Error).message}`);
      return {};
    }
  }

  private hostPartition(topic: string, partition: number, settings: TopicConfig, isNew: boolean, dirListing: PartitionDirListing): Partition {
    const { logManager, clock } = this.options;
    const log = logManager.getOrCreateLog(topic, partition, settings.log, isNew, dirListing);
    // A log opened at startup got the broker's defaults: the topic's own settings apply from now on.
    log.config = settings.log;
    const hosted = new Partition({
      localBrokerId: this.brokerId,
      log,
      highWatermarkCheckpoint: this.checkpointedHighWatermarks.get(partitionKey(topic, partition)),
      minInsyncReplicas: settings.minInsyncReplicas,
      clock,
    });
    this.partitions.set(hosted.key, hosted);
    return hosted;
  }

  /**
   * StopReplica with delete (topic deletion): the partitions stop being served and their files go.
   * Without delete only the partition's fetcher stops (as in Kafka); the log stays.
   */
  stopReplicas(request: StopReplicaRequest): Promise<StopReplicaResponse> {
    return this.serialize(async () => {
      if (!this.acceptControllerEpoch(request.controllerEpoch)) {
        return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code, partitions: [] };
      }
      const partitions: StopReplicaResponse['partitions'] = [];
      this.fetcherManager?.removeFetcherForPartitions(request.partitions);
      for (const { topic, partition } of request.partitions) {
        let errorCode = ErrorCode.NONE.code;
        if (request.deletePartitions) {
          try {
            this.removePartition(topic, partition);
          } catch (err) {
            errorCode = partitionError(err, `StopReplica of ${partitionKey(topic, partition)}`, this.logger).errorCode;
          }
        }
        partitions.push({ topic, partition, errorCode });
      }
      return { errorCode: ErrorCode.NONE.code, partitions };
    });
  }

  /**
   * Kafka's handleLogDirFailure: every partition on the offline `logDir` stops here, its fetcher
   * first; it leaves the hosted partitions (waiting requests answer at once), later requests for it
   * answer KAFKA_STORAGE_ERROR, and its log is dropped without another write. Leadership listeners
   * hear that this broker no longer leads them. Returns the partitions that went offline.
   */
  handleLogDirFailure(logDir: string): TopicPartitionRef[] {
    const offline = this.options.logManager.handleLogDirFailure(logDir);
    this.fetcherManager?.removeFetcherForPartitions(offline);
    const resigned: LeadershipChange[] = [];
    for (const tp of offline) {
      const key = partitionKey(tp.topic, tp.partition);
      const hosted = this.partitions.get(key);
      if (hosted?.isLeader) resigned.push({ ...tp, isLeader: false, leaderEpoch: hosted.leaderEpoch });
      this.partitions.delete(key);
      this.offlinePartitions.add(key);
      this.checkpointedHighWatermarks.delete(partitionKey(tp.topic, tp.partition));
      this.wakeWaiters(key, true);
    }
    if (offline.length > 0) this.logger.error(`log dir ${logDir} failed: ${offline.length} partition(s) offline on broker ${this.brokerId}: ${offline.map((tp) => partitionKey(tp.topic, tp.partition)).join(', ')}`);
    if (resigned.length > 0) for (const listener of this.leadershipListeners) listener(resigned);
    return offline;
  }

  private removePartition(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    this.partitions.delete(key);
    if (![...this.partitions.values()].some((p) => p.topic === topic)) this.topicStats.removeTopic(topic);
    this.checkpointedHighWatermarks.delete(partitionKey(topic, partition));
    this.wakeWaiters(key, true);
    this.options.logManager.deleteLog(topic, partition);
    this.logger.info(`${key}: stopped and deleted`);
  }
}

export function emptyProduceResult(entry: TopicPartitionRef): ProducePartitionResult {
  return {
    topic: entry.topic, partition: entry.partition, errorCode: ErrorCode.NONE.code, errorMessage: null,
    baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
  };
}

function toProduceResult(status: ProducePartitionStatus): ProducePartitionResult {
  // Written out, not a rest pattern (`{ requiredOffset, acksPending, ...result }`): V8 copies that in its runtime, about 0.2 µs per partition.
  return {
    topic: status.topic, partition: status.partition, errorCode: status.errorCode, errorMessage: status.errorMessage,
    baseOffset: status.baseOffset, logAppendTimeMs: status.logAppendTimeMs, logStartOffset: status.logStartOffset,
  };
}
