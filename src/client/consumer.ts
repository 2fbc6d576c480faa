/**
 * The consumer (Kafka's KafkaConsumer): `assign` partitions or `subscribe` to topics as a member
 * of a consumer group (the ConsumerCoordinator then assigns partitions, starting at the group's
 * committed offsets), `seek` or let auto.offset.reset find a position, then `poll` returns
 * records fetched by long-poll Fetch requests, one in flight per leader. The next fetches go out
 * before a poll returns, so the network works while the application processes.
 */
import type { Logger } from '../common/logger';
import { assignorByName, rangeAssignor, type PartitionAssignor } from './assignors';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/api-keys';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options';
import { ConnectionPool } from './connection-pool';
import { ConsumerCoordinator, type ConsumerRebalanceListener } from './consumer-coordinator';
import { Fetcher } from './fetcher';
import { Metadata } from './metadata';
import { OffsetFetcher } from './offset-fetcher';
import { type ConsumerRecord, type TopicPartition } from './records';
import { SubscriptionState, type OffsetResetStrategy } from './subscription-state';
import { partitionKey } from '../common/topic';

export interface ConsumerOptions extends ClientOptions {
  /** Kafka's auto.offset.reset (latest). */
  autoOffsetReset?: OffsetResetStrategy;
  /** Kafka's fetch.min.bytes (1). */
  fetchMinBytes?: number;
  /** Kafka's fetch.max.wait.ms (500). */
  fetchMaxWaitMs?: number;
  /** Kafka's max.partition.fetch.bytes (1 MiB). */
  maxPartitionFetchBytes?: number;
  /** Kafka's fetch.max.bytes (50 MiB). */
  fetchMaxBytes?: number;
  /** Kafka's max.poll.records (500). */
  maxPollRecords?: number;
  /** Kafka's check.crcs (true). */
  checkCrcs?: boolean;
  /** Kafka's group.id: needed by subscribe() and commit(). */
  groupId?: string;
  /** Kafka's session.timeout.ms (10 s): a member silent this long is dropped from the group. */
  sessionTimeoutMs?: number;
  /** Kafka's heartbeat.interval.ms (3 s). */
  heartbeatIntervalMs?: number;
  /** Kafka's max.poll.interval.ms (5 min): a member that does not poll this long leaves; also its rebalance timeout. */
  maxPollIntervalMs?: number;
  /** Kafka's enable.auto.commit (true with a group id). */
  enableAutoCommit?: boolean;
  /** Kafka's auto.commit.interval.ms (5 s). */
  autoCommitIntervalMs?: number;
  /** Kafka's partition.assignment.strategy, by name, preferred first: 'range' (default) and/or 'roundrobin'. */
  partitionAssignors?: readonly string[];
}

export type { ConsumerRebalanceListener } from './consumer-coordinator';
export { CommitFailedError } from './consumer-coordinator';

/** An offset to commit: the next offset to read (one past the last processed record). */
export interface OffsetToCommit extends TopicPartition {
  offset: number;
  metadata?: string;
}

export const FETCH_MAX_WAIT_MS_DEFAULT = 500;
export const MAX_PARTITION_FETCH_BYTES_DEFAULT = 1024 * 1024;
export const FETCH_MAX_BYTES_DEFAULT = 50 * 1024 * 1024;
export const MAX_POLL_RECORDS_DEFAULT = 500;
export const SESSION_TIMEOUT_MS_DEFAULT = 10_000;
export const HEARTBEAT_INTERVAL_MS_DEFAULT = 3_000;
export const MAX_POLL_INTERVAL_MS_DEFAULT = 300_000;
export const AUTO_COMMIT_INTERVAL_MS_DEFAULT = 5_000;
/** How long the async iterator's polls wait before polling again. */
const iteratorPollTimeoutMs = 1000;

export class Consumer implements AsyncIterable<ConsumerRecord> {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;
  private readonly subscriptions: SubscriptionState;
  private readonly fetcher: Fetcher;
  private readonly offsetFetcher: OffsetFetcher;
  private readonly maxPollRecords: number;
  private readonly coordinator: ConsumerCoordinator | undefined;
  private readonly waiters = new Set<() => void>();
  private polling = false;
  private closed = false;

  constructor(options: ConsumerOptions = {}) {
    this.options = resolveClientOptions(options, 'consumer');
    this.logger = this.options.logger;
    this.maxPollRecords = options.maxPollRecords ?? MAX_POLL_RECORDS_DEFAULT;
    this.pool = new ConnectionPool(this.options);
    this.metadata = new Metadata(this.options, this.pool, true);
    this.subscriptions = new SubscriptionState(options.autoOffsetReset ?? 'latest');
    const notify = (): void => this.notify();
    this.fetcher = new Fetcher(
      {
        fetchMinBytes: options.fetchMinBytes ?? 1,
        fetchMaxWaitMs: options.fetchMaxWaitMs ?? FETCH_MAX_WAIT_MS_DEFAULT,
        maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? MAX_PARTITION_FETCH_BYTES_DEFAULT,
        fetchMaxBytes: options.fetchMaxBytes ?? FETCH_MAX_BYTES_DEFAULT,
        checkCrcs: options.checkCrcs ?? true,
        requestTimeoutMs: this.options.requestTimeoutMs,
        retryBackoffMs: this.options.retryBackoffMs,
      },
      this.subscriptions,
      this.metadata,
      this.pool,
      this.options.clock,
      this.logger.child('fetcher'),
      notify,
    );
    this.offsetFetcher = new OffsetFetcher(this.subscriptions, this.metadata, this.pool, this.options.clock, this.logger.child('offsets'), this.options.retryBackoffMs, notify);
    this.metadata.onUpdate(notify);
    if (options.groupId !== undefined) this.coordinator = this.createCoordinator(options.groupId, options, notify);
  }

  private createCoordinator(groupId: string, options: ConsumerOptions, notify: () => void): ConsumerCoordinator {
    if (groupId === '') throw new Error('groupId must not be empty');
    const assignors = (options.partitionAssignors ?? [rangeAssignor.name]).map((name): PartitionAssignor => {
      const found = assignorByName(name);
      if (!found) throw new Error(`unknown partition assignor ${name}: use range or roundrobin`);
      return found;
    });
    return new ConsumerCoordinator({
      groupId,
      sessionTimeoutMs: options.sessionTimeoutMs ?? SESSION_TIMEOUT_MS_DEFAULT,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS_DEFAULT,
      maxPollIntervalMs: options.maxPollIntervalMs ?? MAX_POLL_INTERVAL_MS_DEFAULT,
      enableAutoCommit: options.enableAutoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? AUTO_COMMIT_INTERVAL_MS_DEFAULT,
      assignors,
      requestTimeoutMs: this.options.requestTimeoutMs,
      retryBackoffMs: this.options.retryBackoffMs,
    }, this.subscriptions, this.metadata, this.pool, this.options.clock, this.logger.child('coordinator'), notify);
  }

  private requireCoordinator(what: string): ConsumerCoordinator {
    if (!this.coordinator) throw new Error(`${what} needs a groupId`);
    return this.coordinator;
  }

  /**
   * Joins the consumer group (groupId) for `topics`: the group's members share their partitions,
   * and the next polls read from each assigned partition's committed offset. The listener hears
   * of partitions revoked before a rebalance and assigned after it.
   */
  subscribe(topics: readonly string[], listener?: ConsumerRebalanceListener): void {
    this.ensureOpen();
    if (topics.length === 0) throw new Error('subscribe needs at least one topic');
    this.requireCoordinator('subscribe').subscribe(topics, listener);
    this.metadata.addTopics(topics);
    this.notify();
  }

  /** Leaves the group (Kafka's unsubscribe): its partitions go to the other members at once. */
  async unsubscribe(): Promise<void> {
    this.ensureOpen();
    await this.requireCoordinator('unsubscribe').unsubscribe();
  }

  /**
   * Commits offsets to the group: by default every assigned partition's position (what poll has
   * returned so far); else exactly `offsets`. Rejects with CommitFailedError when the group has
   * rebalanced since (the partitions may be another member's now).
   */
  commit(offsets?: readonly OffsetToCommit[]): Promise<void> {
    this.ensureOpen();
    return this.requireCoordinator('commit').commit(offsets);
  }

  /** The group's committed offsets by `topic-partition`, -1 where none. */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    return this.requireCoordinator('committed').committed(partitions);
  }

  /** The group generation and member id (generation -1 outside a group). */
  groupMetadata(): { groupId: string; generationId: number; memberId: string } | undefined {
    const c = this.coordinator;
    return c ? { groupId: c.groupId, generationId: c.generationId, memberId: c.memberId } : undefined;
  }

  /** Reads exactly these partitions (replacing any earlier assignment). */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen();
    if (this.coordinator?.isSubscribed) throw new Error('assign() cannot be used by a consumer that subscribed to topics');
    this.subscriptions.assign(partitions);
    this.metadata.addTopics(this.subscriptions.topics());
    this.notify();
  }

  assignment(): TopicPartition[] {
    return this.subscriptions.assignment().map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next poll returns records of `tp` from `offset` on. */
  seek(tp: TopicPartition, offset: number): void {
    this.subscriptions.seek(tp, offset);
    this.notify();
  }

  /** Looks up the first offset of the partitions (default: all assigned) at the next poll. */
  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.subscriptions.requestReset(tp, 'earliest');
    this.notify();
  }

  /** Looks up the end (high watermark) of the partitions (default: all assigned) at the next poll. */
  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.subscriptions.requestReset(tp, 'latest');
    this.notify();
  }

  /** The offset of the next record poll will return for `tp`, looked up first if needed. */
  async position(tp: TopicPartition, timeoutMs = this.options.requestTimeoutMs): Promise<number> {
    const state = this.subscriptions.assignedState(tp);
    const deadlineMs = this.options.clock.nowMs() + timeoutMs;
    while (state.position === null) {
      this.offsetFetcher.resetPositionsIfNeeded();
      const leftMs = deadlineMs - this.options.clock.nowMs();
      if (leftMs <= 0) throw new Error(`timed out after ${timeoutMs} ms looking up the position of ${partitionKey(tp.topic, tp.partition)}`);
      await this.waitForWork(leftMs);
      this.ensureOpen();
    }
    return state.position;
  }

  /** First offsets of the partitions, by `topic-partition` (Kafka's beginningOffsets). */
  beginningOffsets(partitions: readonly TopicPartition[], timeoutMs = this.options.requestTimeoutMs): Promise<Map<string, number>> {
    return this.offsetFetcher.offsetsAt(partitions, EARLIEST_TIMESTAMP, timeoutMs);
  }

  /** High watermarks of the partitions, by `topic-partition` (Kafka's endOffsets). */
  endOffsets(partitions: readonly TopicPartition[], timeoutMs = this.options.requestTimeoutMs): Promise<Map<string, number>> {
    return this.offsetFetcher.offsetsAt(partitions, LATEST_TIMESTAMP, timeoutMs);
  }

  /** The partitions of `topic` (Kafka's partitionsFor), waiting up to `timeoutMs` for the topic to be known. */
  async partitionsFor(topic: string, timeoutMs = this.options.requestTimeoutMs): Promise<TopicPartition[]> {
    const cluster = await this.metadata.waitForLeaders([topic], timeoutMs, false);
    return cluster.topic(topic)!.partitions.map((p) => ({ topic, partition: p.partition }));
  }

  /** Stops fetching these partitions until resumed; poll returns none of their records meanwhile. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subscriptions.assignedState(tp).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.subscriptions.assignedState(tp).paused = false;
    this.notify();
  }

  paused(): TopicPartition[] {
    return this.subscriptions.assignment().filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Records fetched since the last poll (at most maxPollRecords), waiting up to `timeoutMs` for
   * some to arrive. Returns [] on timeout or once the consumer is closed.
   */
  async poll(timeoutMs: number): Promise<ConsumerRecord[]> {
    this.ensureOpen();
    if (this.polling) throw new Error('poll is already in progress: a consumer is used from one loop at a time');
    this.polling = true;
    try {
      const deadlineMs = this.options.clock.nowMs() + timeoutMs;
      for (;;) {
        await this.coordinator?.poll();
        if (this.closed) return [];
        this.metadata.maybeUpdate();
        this.offsetFetcher.resetPositionsIfNeeded();
        const records = this.fetcher.fetchedRecords(this.maxPollRecords);
        // Fetch the next records while the application handles these (Kafka's pipelining).
        this.fetcher.sendFetches();
        if (records.length > 0) return records;
        const leftMs = deadlineMs - this.options.clock.nowMs();
        if (leftMs <= 0 || this.closed) return [];
        await this.waitForWork(leftMs);
        if (this.closed) return [];
      }
    } finally {
      this.polling = false;
    }
  }

  /**
   * Yields records one by one, polling as needed, until the consumer is closed (breaking out of
   * the loop leaves it open). Hand-written rather than an async generator: a record already
   * polled costs one resolved promise, not a trip through the generator's queue.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    let records: ConsumerRecord[] = [];
    let index = 0;
    let finished = false;
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const next = async (): Promise<IteratorResult<ConsumerRecord>> => {
      while (index >= records.length) {
        if (finished || this.closed) return done;
        records = await this.poll(iteratorPollTimeoutMs);
        index = 0;
      }
      return { done: false, value: records[index++] };
    };
    return {
      next,
      return: async () => {
        finished = true;
        return done;
      },
    };
  }

  /** Closes connections; a poll in progress returns what it has (nothing). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.coordinator?.close();
    this.closed = true;
    this.notify();
    this.fetcher.close();
    this.metadata.close();
    await this.pool.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`consumer ${this.options.clientId} is closed`);
  }

  /** Resolves when something may have changed (an answer, a metadata update, a seek) or after `timeoutMs`. */
  private waitForWork(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const done of [...this.waiters]) done();
  }
}
