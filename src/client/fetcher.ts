/**
 * The consumer's Fetcher (Kafka's Fetcher): one long-poll Fetch in flight per leader broker,
 * carrying every fetchable partition it leads that has nothing buffered; answers are kept per
 * partition (at most one buffered answer per assigned partition, so memory is bounded by the
 * assignment times maxPartitionFetchBytes) and turned into records on demand, skipping records
 * below the position inside a batch, as Kafka does. A buffered answer whose fetch offset no
 * longer matches the position (a seek happened) is dropped.
 */
import type { Clock } from '../common/clock';
import { ErrorCode, errorInfo, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { ApiKey, CONSUMER_REPLICA_ID, NO_LEADER } from '../protocol/api-keys';
import type { FetchPartitionRequest, FetchResponse } from '../protocol/messages';
import { CompletedFetch } from './completed-fetch';
import type { ConnectionPool } from './connection-pool';
import { invalidatesMetadata, type Metadata } from './metadata';
import type { ConsumerRecord } from './records';
import type { SubscriptionState, TopicPartitionState } from './subscription-state';

export interface FetchConfig {
  /** Kafka's fetch.min.bytes (1). */
  fetchMinBytes: number;
  /** Kafka's fetch.max.wait.ms (500). */
  fetchMaxWaitMs: number;
  /** Kafka's max.partition.fetch.bytes (1 MiB). */
  maxPartitionFetchBytes: number;
  /** Kafka's fetch.max.bytes (50 MiB). */
  fetchMaxBytes: number;
  /** Kafka's check.crcs (true): verify each fetched batch's CRC-32C before decoding it. */
  checkCrcs: boolean;
  requestTimeoutMs: number;
  retryBackoffMs: number;
}

export class Fetcher {
  private readonly completed: CompletedFetch[] = [];
  private readonly inFlightNodes = new Set<number>();
  private readonly nodeBackoffUntilMs = new Map<number, number>();
  private closed = false;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: FetchConfig,
    private readonly subscriptions: SubscriptionState,
    private readonly metadata: Metadata,
    private readonly pool: ConnectionPool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called whenever an answer (or a failure) arrives: a waiting poll may now have work. */
    private readonly onFetchDone: () => void,
  ) {}

  /** Sends a Fetch to each leader that has fetchable partitions without buffered data and none in flight. */
  sendFetches(): void {
    const cluster = this.metadata.cluster;
    const buffered = new Set(this.completed.map((c) => c.state));
    const byNode = new Map<number, Map<string, FetchPartitionRequest[]>>();
    const nowMs = this.clock.nowMs();
    for (const state of this.subscriptions.fetchablePartitions()) {
      if (buffered.has(state)) continue;
      const leader = cluster.leaderId(state.topic, state.partition);
      if (leader === NO_LEADER) {
        this.metadata.requestUpdate();
        continue;
      }
      if (this.inFlightNodes.has(leader)) continue;
      const backoffLeftMs = (this.nodeBackoffUntilMs.get(leader) ?? 0) - nowMs;
      if (backoffLeftMs > 0) {
        this.wakeAfter(backoffLeftMs);
        continue;
      }
      let topics = byNode.get(leader);
      if (topics === undefined) byNode.set(leader, (topics = new Map()));
      let partitions = topics.get(state.topic);
      if (partitions === undefined) topics.set(state.topic, (partitions = []));
      partitions.push({ partition: state.partition, fetchOffset: state.position!, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.config.maxPartitionFetchBytes });
    }
    for (const [nodeId, topics] of byNode) this.sendFetch(nodeId, topics);
  }

  private sendFetch(nodeId: number, topics: Map<string, FetchPartitionRequest[]>): void {
    const node = this.metadata.cluster.node(nodeId);
    if (node === undefined) return;
    const { fetchMaxWaitMs, fetchMinBytes, fetchMaxBytes, requestTimeoutMs } = this.config;
    const request = {
      replicaId: CONSUMER_REPLICA_ID,
      maxWaitMs: fetchMaxWaitMs,
      minBytes: fetchMinBytes,
      maxBytes: fetchMaxBytes,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    };
    const offsets = new Map<TopicPartitionState, number>();
    for (const [topic, partitions] of topics) {
      for (const p of partitions) offsets.set(this.subscriptions.state(topic, p.partition)!, p.fetchOffset);
    }
    this.inFlightNodes.add(nodeId);
    this.pool
      .get(node)
      // A long poll may take fetchMaxWaitMs before the broker even starts answering.
      .then((connection) => connection.send(ApiKey.Fetch, request, { timeoutMs: requestTimeoutMs + fetchMaxWaitMs }))
      .then(
        (response) => this.onResponse(response, offsets),
        (err: Error) => {
          if (this.closed) return;
          this.logger.warn(`fetch from broker ${nodeId} at ${node.host}:${node.port} failed: ${err.message}`);
          this.nodeBackoffUntilMs.set(nodeId, this.clock.nowMs() + this.config.retryBackoffMs);
          this.metadata.requestUpdate();
          this.wakeAfter(this.config.retryBackoffMs);
        },
      )
      .finally(() => {
        this.inFlightNodes.delete(nodeId);
        this.onFetchDone();
      });
  }

  /** Wakes a waiting poll when a broker's backoff ends, so that it fetches again (one timer at a time). */
  private wakeAfter(delayMs: number): void {
    if (this.wakeTimer !== undefined || this.closed) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.onFetchDone();
    }, delayMs + 1);
  }

  private onResponse(response: FetchResponse, offsets: Map<TopicPartitionState, number>): void {
    if (this.closed) return;
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const state = this.subscriptions.state(topic.name, p.partition);
        const fetchOffset = state === undefined ? undefined : offsets.get(state);
        // Unassigned or moved since the request: the answer is stale.
        if (state === undefined || fetchOffset === undefined || state.position !== fetchOffset) continue;
        this.completed.push(new CompletedFetch(state, fetchOffset, p.errorCode, p.highWatermark, p.records, this.config.checkCrcs, this.config.maxPartitionFetchBytes));
      }
    }
  }

  /**
   * Up to `maxRecords` records from buffered answers, advancing positions. Throws for an
   * OFFSET_OUT_OF_RANGE with auto.offset.reset=none, a corrupt batch, or an unexpected error code.
   */
  fetchedRecords(maxRecords: number): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    let i = 0;
    while (out.length < maxRecords && i < this.completed.length) {
      const fetch = this.completed[i];
      const { state } = fetch;
      // Unassigned, or seeked since: the answer is stale.
      if (this.subscriptions.state(state.topic, state.partition) !== state || state.position !== fetch.nextOffset) {
        this.completed.splice(i, 1);
        continue;
      }
      // Paused after the fetch was sent: the answer waits for resume (Kafka's paused completed fetches).
      if (state.paused) {
        i++;
        continue;
      }
      if (fetch.errorCode !== ErrorCode.NONE.code) {
        this.completed.splice(i, 1);
        this.handleError(fetch);
        continue;
      }
      state.highWatermark = fetch.highWatermark;
      fetch.take(out, maxRecords);
      state.position = fetch.nextOffset;
      if (fetch.exhausted) this.completed.splice(i, 1);
    }
    return out;
  }

  private handleError(fetch: CompletedFetch): void {
    const { state, errorCode } = fetch;
    const info = errorInfo(errorCode);
    if (errorCode === ErrorCode.OFFSET_OUT_OF_RANGE.code) {
      const strategy = this.subscriptions.defaultResetStrategy;
      if (strategy === 'none') {
        throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetch.fetchOffset} of ${state.name} is out of range and auto.offset.reset is none`);
      }
      this.logger.info(`fetch offset ${fetch.fetchOffset} is out of range for ${state.name}, resetting offset to ${strategy}`);
      this.subscriptions.requestReset(state, strategy);
      return;
    }
    if (invalidatesMetadata(errorCode)) {
      this.logger.debug(`fetch for ${state.name} answered ${info.name}: refreshing metadata`);
      this.metadata.requestUpdate();
      return;
    }
    if (info.retriable) {
      this.logger.warn(`fetch for ${state.name} answered ${info.name}; retrying`);
      return;
    }
    throw JosefError.fromCode(errorCode, `fetching ${state.name} at offset ${fetch.fetchOffset}`);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.wakeTimer);
    this.completed.length = 0;
  }
}
