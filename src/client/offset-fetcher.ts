/**
 * Looks offsets up with ListOffsets at partition leaders (Kafka's OffsetFetcher): positions of
 * partitions that need one (auto.offset.reset, seekToBeginning/End), in the background, and
 * beginning/end offsets on request. A partition's reset is only applied if nothing moved it
 * meanwhile (no seek, still assigned, same strategy).
 */
import type { Clock } from '../common/clock';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { ApiKey, CONSUMER_REPLICA_ID, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, NO_LEADER } from '../protocol/api-keys';
import { backoff } from './client-options';
import type { ConnectionPool } from './connection-pool';
import { invalidatesMetadata, type Metadata } from './metadata';
import { type TopicPartition } from './records';
import type { OffsetResetStrategy, SubscriptionState, TopicPartitionState } from './subscription-state';
import { groupByTopic } from '../protocol/messages';
import { partitionKey } from '../common/topic';

/** One partition's answer: its offset, or the error code the leader gave (or -1 for no leader known). */
export type OffsetLookup = { tp: TopicPartition; offset: number } | { tp: TopicPartition; errorCode: number };

export class OffsetFetcher {
  private readonly resetting = new Set<TopicPartitionState>();
  private backoffUntilMs = 0;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly subscriptions: SubscriptionState,
    private readonly metadata: Metadata,
    private readonly pool: ConnectionPool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly retryBackoffMs: number,
    /** Called when a lookup finishes: a waiting poll may now fetch. */
    private readonly onDone: () => void,
  ) {}

  /**
   * Starts lookups for partitions without a position. Throws when the strategy is `none`
   * (Kafka's NoOffsetForPartitionException): the application must seek first.
   */
  resetPositionsIfNeeded(): void {
    const needing = this.subscriptions.partitionsNeedingReset().filter((n) => !this.resetting.has(n.state));
    const undefinedOffsets = needing.filter((n) => n.strategy === 'none').map((n) => n.state.name);
    if (undefinedOffsets.length > 0) throw new Error(`undefined offset with no reset policy for partitions: ${undefinedOffsets.join(', ')}`);
    if (needing.length === 0) return;
    const backoffLeftMs = this.backoffUntilMs - this.clock.nowMs();
    if (backoffLeftMs > 0) {
      this.wakeAfter(backoffLeftMs);
      return;
    }
    for (const { state } of needing) this.resetting.add(state);
    const strategies = new Map(needing.map((n) => [n.state, n.strategy]));
    this.lookUpResets(needing.map((n) => n.state), strategies).finally(() => {
      for (const { state } of needing) this.resetting.delete(state);
      this.onDone();
    });
  }

  private async lookUpResets(states: TopicPartitionState[], strategies: Map<TopicPartitionState, OffsetResetStrategy>): Promise<void> {
    const byStrategy = (strategy: OffsetResetStrategy): TopicPartitionState[] => states.filter((s) => strategies.get(s) === strategy);
    const lookups = await Promise.all([
      this.lookUp(byStrategy('earliest'), EARLIEST_TIMESTAMP),
      this.lookUp(byStrategy('latest'), LATEST_TIMESTAMP),
    ]);
    let failed = false;
    for (const result of lookups.flat()) {
      const state = this.subscriptions.state(result.tp.topic, result.tp.partition);
      if (state === undefined || state.position !== null || (state.resetStrategy ?? this.subscriptions.defaultResetStrategy) !== strategies.get(state)) continue;
      if ('offset' in result) {
        this.logger.debug(`resetting offset for ${state.name} to ${strategies.get(state)} offset ${result.offset}`);
        state.position = result.offset;
        state.resetStrategy = null;
      } else {
        failed = true;
      }
    }
    if (failed) {
      this.backoffUntilMs = this.clock.nowMs() + this.retryBackoffMs;
      this.wakeAfter(this.retryBackoffMs);
    }
  }

  /** Wakes a waiting poll when a backoff ends, so that it tries again (one timer at a time). */
  private wakeAfter(delayMs: number): void {
    if (this.wakeTimer !== undefined) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.onDone();
    }, delayMs + 1);
  }

  /** Offsets at `timestamp` for `tps`, retried on retriable errors until `timeoutMs` passes. */
  async offsetsAt(tps: readonly TopicPartition[], timestamp: number, timeoutMs: number): Promise<Map<string, number>> {
    const deadlineMs = this.clock.nowMs() + timeoutMs;
    const found = new Map<string, number>();
    let pending = [...tps];
    let lastError = '';
    this.metadata.addTopics(tps.map((tp) => tp.topic));
    while (pending.length > 0) {
      const failed: TopicPartition[] = [];
      for (const result of await this.lookUp(pending, timestamp)) {
        if ('offset' in result) {
          found.set(partitionKey(result.tp.topic, result.tp.partition), result.offset);
          continue;
        }
        if (result.errorCode !== -1 && !JosefError.fromCode(result.errorCode).retriable) {
          throw JosefError.fromCode(result.errorCode, `listing offsets of ${partitionKey(result.tp.topic, result.tp.partition)}`);
        }
        lastError = result.errorCode === -1 ? 'no leader known' : JosefError.fromCode(result.errorCode).info.name;
        failed.push(result.tp);
      }
      pending = failed;
      if (pending.length === 0) break;
      const leftMs = deadlineMs - this.clock.nowMs();
      if (leftMs <= 0) {
        throw new JosefError(ErrorCode.REQUEST_TIMED_OUT, `no offsets for ${pending.map((tp) => partitionKey(tp.topic, tp.partition)).join(', ')} after ${timeoutMs} ms (${lastError})`);
      }
      await backoff(Math.min(this.retryBackoffMs, leftMs));
      await this.metadata.update().catch(() => undefined);
    }
    return found;
  }

  /** One ListOffsets per leader for `tps`; never rejects: failures come back per partition. */
  private async lookUp(tps: readonly TopicPartition[], timestamp: number): Promise<OffsetLookup[]> {
    if (tps.length === 0) return [];
    const cluster = this.metadata.cluster;
    const byLeader = new Map<number, TopicPartition[]>();
    const results: OffsetLookup[] = [];
    for (const tp of tps) {
      const leader = cluster.leaderId(tp.topic, tp.partition);
      if (leader === NO_LEADER) {
        results.push({ tp, errorCode: -1 });
        continue;
      }
      let led = byLeader.get(leader);
      if (led === undefined) byLeader.set(leader, (led = []));
      led.push(tp);
    }
    if (results.length > 0) this.metadata.requestUpdate();
    const answers = await Promise.all([...byLeader].map(([leader, led]) => this.lookUpAt(leader, led, timestamp)));
    return results.concat(...answers);
  }

  private async lookUpAt(leader: number, tps: TopicPartition[], timestamp: number): Promise<OffsetLookup[]> {
    const node = this.metadata.cluster.node(leader)!;
    const topics = groupByTopic(tps, (tp) => tp.topic, (tp) => ({ partition: tp.partition, timestamp }));
    try {
      const connection = await this.pool.get(node);
      const response = await connection.send(ApiKey.ListOffsets, {
        replicaId: CONSUMER_REPLICA_ID,
        topics,
      });
      const answers = new Map<string, OffsetLookup>();
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          const tp = { topic: topic.name, partition: p.partition };
          if (p.errorCode !== ErrorCode.NONE.code && invalidatesMetadata(p.errorCode)) this.metadata.requestUpdate();
          answers.set(partitionKey(tp.topic, tp.partition), p.errorCode === ErrorCode.NONE.code ? { tp, offset: p.offset } : { tp, errorCode: p.errorCode });
        }
      }
      return tps.map((tp) => answers.get(partitionKey(tp.topic, tp.partition)) ?? { tp, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR.code });
    } catch (err) {
      this.logger.warn(`ListOffsets to broker ${leader} failed: ${(err as Error).message}`);
      this.metadata.requestUpdate();
      const code = err instanceof JosefError ? err.code : ErrorCode.NETWORK_EXCEPTION.code;
      return tps.map((tp) => ({ tp, errorCode: code }));
    }
  }
}
