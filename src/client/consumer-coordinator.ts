/**
 * A consumer's side of group membership (Kafka's ConsumerCoordinator with AbstractCoordinator):
 * finds the group's coordinator, joins (the leader runs the assignor over every member's
 * subscription), syncs, feeds the assignment into SubscriptionState starting from the committed
 * offsets, heartbeats in the background, and commits offsets. Rebalancing is eager, as Kafka's
 * classic protocol: every partition is revoked before rejoining. Joining happens inside poll(),
 * so rebalance listeners run on the application's loop, never concurrently with its processing.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { ApiKey } from '../protocol/api-keys';
import type { PartitionAssignor } from './assignors';
import { groupByTopic, type JoinGroupResponse } from '../protocol/messages';
import type { BrokerConnection } from './client-options';
import type { ConnectionPool } from './connection-pool';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol';
import type { Metadata } from './metadata';
import { type TopicPartition } from './records';
import type { SubscriptionState } from './subscription-state';
import { partitionKey } from '../common/topic';

export interface ConsumerRebalanceListener {
  /** Before a rebalance: these partitions go (commit what was processed here). */
  onPartitionsRevoked?(partitions: TopicPartition[]): Promise<void> | void;
  /** After a rebalance: these partitions are this member's now. */
  onPartitionsAssigned?(partitions: TopicPartition[]): Promise<void> | void;
}

export interface ConsumerCoordinatorConfig {
  groupId: string;
  /** Kafka's session.timeout.ms (10 s). */
  sessionTimeoutMs: number;
  /** Kafka's max.poll.interval.ms (5 min), sent as the rebalance timeout. */
  maxPollIntervalMs: number;
  /** Kafka's heartbeat.interval.ms (3 s). */
  heartbeatIntervalMs: number;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  assignors: readonly PartitionAssignor[];
  requestTimeoutMs: number;
  retryBackoffMs: number;
}

/** A commit the group refused because this member is no longer part of the generation it committed for (Kafka's CommitFailedException). */
export class CommitFailedError extends Error {
  constructor(readonly errorCode: number, detail: string) {
    super(`commit cannot be completed: the group has rebalanced (${detail}); the partitions may now belong to another member`);
    this.name = 'CommitFailedError';
  }
}

const NONE = ErrorCode.NONE.code;
const coordinatorGone = new Set([ErrorCode.COORDINATOR_NOT_AVAILABLE.code, ErrorCode.NOT_COORDINATOR.code, ErrorCode.NETWORK_EXCEPTION.code, ErrorCode.REQUEST_TIMED_OUT.code]);
const rebalanceNeeded = new Set([ErrorCode.ILLEGAL_GENERATION.code, ErrorCode.UNKNOWN_MEMBER_ID.code, ErrorCode.REBALANCE_IN_PROGRESS.code]);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** How often a leader looks for a subscribed topic that had no partitions when it assigned. */
const MISSING_TOPIC_CHECK_INTERVAL_MS = 1_000;

function partitionCountOf(metadata: Metadata, topic: string): number {
  const info = metadata.cluster.topic(topic);
  return info && info.errorCode === ErrorCode.NONE.code ? info.partitions.length : 0;
}

export class ConsumerCoordinator {
  memberId = '';
  generationId = -1;
  private coordinator: { nodeId: number; host: string; port: number } | undefined;
  private subscription: ReadonlySet<string> | undefined;
  private listener: ConsumerRebalanceListener = {};
  private needsJoin = false;
  private joining: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight = false;
  private lastPollMs: number;
  /** The partition counts the leader assigned from; a change (new partitions, a topic created) means rejoin (Kafka's metadataSnapshot). */
  private assignmentSnapshot: Map<string, number> | undefined;
  private nextAutoCommitMs: number;
  private closed = false;
  private nextMissingTopicCheckMs = 0;

  constructor(
    private readonly config: ConsumerCoordinatorConfig,
    private readonly subscriptions: SubscriptionState,
    private readonly metadata: Metadata,
    private readonly pool: ConnectionPool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly notify: () => void,
  ) {
    this.lastPollMs = clock.nowMs();
    this.nextAutoCommitMs = clock.nowMs() + config.autoCommitIntervalMs;
    metadata.onUpdate(() => this.checkAssignmentSnapshot());
  }

  /** As leader, rejoins when a subscribed topic's partition count differs from what it assigned. */
  private checkAssignmentSnapshot(): void {
    const snapshot = this.assignmentSnapshot;
    if (!snapshot || !this.subscription || this.needsJoin) return;
    const changed = [...this.subscription].find((topic) => partitionCountOf(this.metadata, topic) !== (snapshot.get(topic) ?? 0));
    if (changed === undefined) return;
    this.logger.info(`group ${this.groupId}: topic ${changed} now has ${partitionCountOf(this.metadata, changed)} partition(s), assigned with ${snapshot.get(changed) ?? 0}: rebalancing`);
    this.needsJoin = true;
    this.notify();
  }

  get groupId(): string {
    return this.config.groupId;
  }

  get isSubscribed(): boolean {
    return this.subscription !== undefined;
  }

  subscribe(topics: readonly string[], listener: ConsumerRebalanceListener = {}): void {
    this.subscription = new Set(topics);
    this.listener = listener;
    this.needsJoin = true;
    this.metadata.addTopics(topics);
  }

  /** Leaves the group (committing first with auto-commit) and gives every partition up. */
  async unsubscribe(): Promise<void> {
    if (!this.subscription) return;
    await this.joining?.catch(() => undefined);
    const owned = this.subscriptions.assignment().map(({ topic, partition }) => ({ topic, partition }));
    if (this.generationId >= 0) {
      if (this.config.enableAutoCommit) await this.commit().catch((err: Error) => this.logger.warn(`commit at unsubscribe of group ${this.groupId} failed: ${err.message}`));
      await this.listener.onPartitionsRevoked?.(owned);
      await this.leaveGroup();
    }
    this.subscription = undefined;
    this.listener = {};
    this.needsJoin = false;
    this.subscriptions.assign([]);
  }

  /** Called at each Consumer.poll: joins when needed and auto-commits when due. */
  async poll(): Promise<void> {
    this.lastPollMs = this.clock.nowMs();
    if (this.assignmentSnapshot && [...this.assignmentSnapshot.values()].includes(0) && this.lastPollMs >= this.nextMissingTopicCheckMs) {
      // A subscribed topic the leader could not assign: look for it now and then, not only every metadata.max.age.ms.
      this.nextMissingTopicCheckMs = this.lastPollMs + MISSING_TOPIC_CHECK_INTERVAL_MS;
      this.metadata.requestUpdate();
    }
    if (this.subscription && (this.needsJoin || this.generationId < 0)) await this.ensureActiveGroup();
    if (this.config.enableAutoCommit && this.clock.nowMs() >= this.nextAutoCommitMs) {
      this.nextAutoCommitMs = this.clock.nowMs() + this.config.autoCommitIntervalMs;
      this.commit().catch((err: Error) => this.logger.warn(`auto-commit of group ${this.groupId} failed: ${err.message}`));
    }
  }

  private ensureActiveGroup(): Promise<void> {
    this.joining ??= this.joinGroup().finally(() => {
      this.joining = undefined;
    });
    return this.joining;
  }

  /** Kafka's joinGroupIfNeeded: revoke, JoinGroup, assign if leader, SyncGroup, take the assignment. Retries until joined or closed. */
  private async joinGroup(): Promise<void> {
    await this.onJoinPrepare();
    while (!this.closed) {
      const connection = await this.coordinatorConnection();
      const joined = await this.request(() => connection.send(ApiKey.JoinGroup, {
        groupId: this.groupId, sessionTimeoutMs: this.config.sessionTimeoutMs, rebalanceTimeoutMs: this.config.maxPollIntervalMs,
        memberId: this.memberId, protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: this.config.assignors.map((a) => ({ name: a.name, metadata: encodeSubscription(this.subscription ?? []) })),
      }, { timeoutMs: this.config.maxPollIntervalMs + 5_000 }));
      if (joined.errorCode !== NONE) {
        await this.handleJoinError(joined.errorCode, 'JoinGroup');
        continue;
      }
      this.memberId = joined.memberId;
      this.generationId = joined.generationId;
      const isLeader = joined.leader === joined.memberId;
      const assignments = isLeader ? await this.performAssignment(joined) : [];
      const synced = await this.request(() => connection.send(ApiKey.SyncGroup, {
        groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, assignments,
      }, { timeoutMs: this.config.maxPollIntervalMs + 5_000 }));
      if (synced.errorCode !== NONE) {
        await this.handleJoinError(synced.errorCode, 'SyncGroup');
        continue;
      }
      await this.onJoinComplete(decodeAssignment(synced.assignment), isLeader);
      return;
    }
  }

  private async handleJoinError(code: number, what: string): Promise<void> {
    const error = JosefError.fromCode(code, `${what} of group ${this.groupId}`);
    if (code === ErrorCode.UNKNOWN_MEMBER_ID.code || code === ErrorCode.ILLEGAL_GENERATION.code) this.resetGeneration();
    else if (coordinatorGone.has(code)) this.markCoordinatorUnknown(error.message);
    else if (code !== ErrorCode.REBALANCE_IN_PROGRESS.code && code !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code) throw error;
    this.logger.debug(`${error.message}: joining again`);
    await delay(this.config.retryBackoffMs);
  }

  /** The leader's job: each member's subscription, the partition counts it knows, the chosen assignor. */
  private async performAssignment(joined: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.config.assignors.find((a) => a.name === joined.protocolName);
    if (!assignor) throw new Error(`group ${this.groupId} chose assignor ${joined.protocolName}, which this consumer does not have`);
    const members = joined.members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata) }));
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    this.metadata.addTopics(topics);
    const cluster = await this.metadata.waitForLeaders(topics, this.config.requestTimeoutMs, false).catch(() => this.metadata.cluster);
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of topics) {
      const info = cluster.topic(topic);
      if (info && info.partitions.length > 0) partitionsPerTopic.set(topic, info.partitions.length);
    }
    this.assignmentSnapshot = new Map(topics.map((t) => [t, partitionsPerTopic.get(t) ?? 0]));
    const assignment = assignor.assign(partitionsPerTopic, members);
    this.logger.info(`group ${this.groupId} generation ${joined.generationId}: assigned with ${assignor.name}: ${[...assignment].map(([m, tps]) => `${m}=[${tps.map((tp) => partitionKey(tp.topic, tp.partition)).join(',')}]`).join(' ')}`);
    return [...assignment].map(([memberId, tps]) => ({ memberId, assignment: encodeAssignment(tps) }));
  }

  /** Before rejoining: commit what was consumed (auto-commit), tell the listener, give everything up (eager rebalance). */
  private async onJoinPrepare(): Promise<void> {
    this.stopHeartbeats();
    const owned = this.subscriptions.assignment().map(({ topic, partition }) => ({ topic, partition }));
    if (this.config.enableAutoCommit && this.generationId >= 0) {
      await this.commit().catch((err: Error) => this.logger.warn(`commit before rebalance of group ${this.groupId} failed: ${err.message}`));
    }
    if (owned.length > 0 || this.generationId >= 0) await this.listener.onPartitionsRevoked?.(owned);
    this.subscriptions.assign([]);
  }

  /** Takes the assignment: positions start at the committed offsets, the rest follow auto.offset.reset. */
  private async onJoinComplete(partitions: TopicPartition[], isLeader: boolean): Promise<void> {
    const committed = await this.committed(partitions);
    this.subscriptions.assign(partitions);
    for (const tp of partitions) {
      const offset = committed.get(partitionKey(tp.topic, tp.partition)) ?? -1;
      if (offset >= 0) this.subscriptions.seek(tp, offset);
    }
    this.metadata.addTopics(partitions.map((tp) => tp.topic));
    this.needsJoin = false;
    this.logger.info(`joined group ${this.groupId} in generation ${this.generationId} as ${isLeader ? 'leader' : 'member'} ${this.memberId}: ${partitions.map((tp) => partitionKey(tp.topic, tp.partition)).join(', ') || 'no partitions'}`);
    this.startHeartbeats();
    await this.listener.onPartitionsAssigned?.(partitions);
    this.notify();
  }

  private resetGeneration(): void {
    this.assignmentSnapshot = undefined;
    this.memberId = '';
    this.generationId = -1;
    this.needsJoin = true;
  }

  private markCoordinatorUnknown(reason: string): void {
    if (this.coordinator) this.logger.info(`group ${this.groupId}: coordinator ${this.coordinator.nodeId} unusable (${reason}); looking it up again`);
    this.coordinator = undefined;
  }

  /** The coordinator's connection, looked up with FindCoordinator (retried with backoff) when unknown. */
  private async coordinatorConnection(): Promise<BrokerConnection> {
    for (;;) {
      if (this.closed) throw new Error(`consumer of group ${this.groupId} is closed`);
      try {
        return await this.coordinatorConnectionOnce();
      } catch (err) {
        if (err instanceof JosefError && !err.retriable && err.code !== ErrorCode.NETWORK_EXCEPTION.code) throw err;
        this.markCoordinatorUnknown((err as Error).message);
        await delay(this.config.retryBackoffMs);
      }
    }
  }

  /** One attempt: FindCoordinator if the coordinator is unknown, then its connection; throws what went wrong. */
  private async coordinatorConnectionOnce(): Promise<BrokerConnection> {
    if (!this.coordinator) {
      const found = await this.metadata.sendToAnyBroker(ApiKey.FindCoordinator, { key: this.groupId, keyType: 0 });
      if (found.errorCode !== NONE) throw JosefError.fromCode(found.errorCode, `FindCoordinator for group ${this.groupId}${found.errorMessage ? `: ${found.errorMessage}` : ''}`);
      this.coordinator = { nodeId: found.nodeId, host: found.host, port: found.port };
      this.logger.info(`group ${this.groupId}: coordinator is broker ${found.nodeId} (${found.host}:${found.port})`);
    }
    return this.pool.get(this.coordinator);
  }

  /** Sends to the coordinator; a lost connection answers NETWORK_EXCEPTION like a broker error, so callers handle one kind of failure. */
  private async request<T extends { errorCode: number }>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (err instanceof JosefError) return { errorCode: err.code } as T;
      throw err;
    }
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Kafka's heartbeat thread: keeps the session, learns of rebalances, and leaves when poll() stopped being called for max.poll.interval.ms. */
  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.joining || this.needsJoin || this.closed || this.generationId < 0) return;
    if (this.clock.nowMs() - this.lastPollMs > this.config.maxPollIntervalMs) {
      this.logger.warn(`group ${this.groupId}: poll() not called for more than max.poll.interval.ms (${this.config.maxPollIntervalMs} ms): leaving the group`);
      await this.leaveGroup();
      return;
    }
    this.heartbeatInFlight = true;
    try {
      // A lost coordinator is looked up again, without rejoining (as Kafka): its successor loads
      // the group from __consumer_offsets, and the member's session there starts over.
      const connection = await this.coordinatorConnectionOnce().catch((err: Error) => {
        this.markCoordinatorUnknown(err.message);
        return undefined;
      });
      if (!connection) return;
      const { errorCode } = await this.request(() => connection.send(ApiKey.Heartbeat, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId }));
      if (errorCode === NONE) return;
      if (errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code) return;
      if (coordinatorGone.has(errorCode)) {
        this.markCoordinatorUnknown(JosefError.fromCode(errorCode).info.name);
        return;
      }
      this.logger.info(`group ${this.groupId}: heartbeat answered ${JosefError.fromCode(errorCode).info.name}: rejoining`);
      if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID.code || errorCode === ErrorCode.ILLEGAL_GENERATION.code) this.resetGeneration();
      this.needsJoin = true;
      this.notify();
    } finally {
      this.heartbeatInFlight = false;
    }
  }

  /**
   * Commits `offsets` (default: every assigned partition's position, what poll has handed out).
   * A member commits in its generation; a consumer using assign() commits with generation -1.
   */
  async commit(offsets?: ReadonlyMap<string, { topic: string; partition: number; offset: number; metadata?: string }> | readonly { topic: string; partition: number; offset: number; metadata?: string }[]): Promise<void> {
    const entries = offsets ? [...(Array.isArray(offsets) ? offsets : (offsets as ReadonlyMap<string, { topic: string; partition: number; offset: number; metadata?: string }>).values())]
      : this.subscriptions.assignment().filter((s) => s.position !== null).map((s) => ({ topic: s.topic, partition: s.partition, offset: s.position!, metadata: '' }));
    if (entries.length === 0) return;
    const topics = groupByTopic(entries, (e) => e.topic, (e) => ({ partition: e.partition, committedOffset: e.offset, committedMetadata: e.metadata ?? '' }));
    const deadlineMs = this.clock.nowMs() + this.config.requestTimeoutMs;
    for (;;) {
      const inGroup = this.subscription !== undefined;
      const connection = await this.coordinatorConnection();
      const response = await this.request(async () => {
        const r = await connection.send(ApiKey.OffsetCommit, {
          groupId: this.groupId, generationId: inGroup ? this.generationId : -1, memberId: inGroup ? this.memberId : '',
          topics,
        });
        return { errorCode: r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== NONE)?.errorCode ?? NONE };
      });
      const code = response.errorCode;
      if (code === NONE) return;
      if (rebalanceNeeded.has(code)) {
        if (code !== ErrorCode.REBALANCE_IN_PROGRESS.code) this.resetGeneration();
        this.needsJoin = true;
        this.notify();
        throw new CommitFailedError(code, `${JosefError.fromCode(code).info.name} for generation ${this.generationId}`);
      }
      const error = JosefError.fromCode(code, `OffsetCommit of group ${this.groupId}`);
      if (!error.retriable || this.clock.nowMs() >= deadlineMs) throw error;
      if (coordinatorGone.has(code)) this.markCoordinatorUnknown(error.message);
      await delay(this.config.retryBackoffMs);
    }
  }

  /** The group's committed offsets of `partitions` by `topic-partition` (-1: none), retried while the coordinator loads or moves. */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (partitions.length === 0) return result;
    const topics = groupByTopic(partitions, (tp) => tp.topic, (tp) => tp.partition);
    const deadlineMs = this.clock.nowMs() + this.config.requestTimeoutMs;
    for (;;) {
      const connection = await this.coordinatorConnection();
      const response = await this.request(async () => {
        const r = await connection.send(ApiKey.OffsetFetch, { groupId: this.groupId, topics });
        if (r.errorCode === NONE) for (const t of r.topics) for (const p of t.partitions) result.set(partitionKey(t.name, p.partition), p.committedOffset);
        return r;
      });
      if (response.errorCode === NONE) return result;
      const error = JosefError.fromCode(response.errorCode, `OffsetFetch of group ${this.groupId}`);
      if (!error.retriable || this.clock.nowMs() >= deadlineMs) throw error;
      if (coordinatorGone.has(response.errorCode)) this.markCoordinatorUnknown(error.message);
      await delay(this.config.retryBackoffMs);
    }
  }

  /** Kafka's maybeLeaveGroup: LeaveGroup once, so the group rebalances now rather than after the session timeout. */
  private async leaveGroup(): Promise<void> {
    this.stopHeartbeats();
    const connection = this.coordinator ? this.pool.connected(this.coordinator) : undefined;
    if (connection && this.memberId !== '' && this.generationId >= 0) {
      const response = await this.request(() => connection.send(ApiKey.LeaveGroup, { groupId: this.groupId, members: [{ memberId: this.memberId, groupInstanceId: null }] }));
      const errorCode = response.errorCode !== NONE ? response.errorCode : (response.members[0]?.errorCode ?? NONE);
      if (errorCode !== NONE) this.logger.info(`group ${this.groupId}: LeaveGroup answered ${JosefError.fromCode(errorCode).info.name}`);
    }
    this.resetGeneration();
  }

  /** Commits (auto-commit) and leaves the group; the caller closes connections afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.subscription && this.generationId >= 0) {
      if (this.config.enableAutoCommit) await this.commit().catch((err: Error) => this.logger.warn(`final commit of group ${this.groupId} failed: ${err.message}`));
      await this.leaveGroup();
    }
    this.closed = true;
    this.stopHeartbeats();
  }
}
