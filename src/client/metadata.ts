/**
 * A client's view of the cluster (Kafka's Metadata plus the metadata part of NetworkClient): the
 * latest Cluster snapshot for the topics this client cares about, refreshed when a caller asks
 * (a leader moved, a topic is new), when it is older than `metadataMaxAgeMs`, and retried with
 * `retryBackoffMs` while it fails. One refresh is in flight at a time.
 */
import { ErrorCode, isAuthenticationError, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { ApiKey, apiName, NO_LEADER } from '../protocol/api-keys';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../protocol/messages';
import { addressKey, backoff, type BrokerAddress, type BrokerConnection, type ResolvedClientOptions } from './client-options';
import { Cluster, type TopicInfo } from './cluster';
import type { ConnectionPool } from './connection-pool';

/** Topic-level errors in a Metadata response that waiting will not cure. */
export function isFatalTopicError(code: number): boolean {
  return code === ErrorCode.INVALID_TOPIC_EXCEPTION.code;
}

export class Metadata {
  private current = Cluster.empty();
  private readonly topics = new Set<string>();
  private refreshing: Promise<Cluster> | undefined;
  private updateRequested = false;
  private lastRefreshMs = -Infinity;
  private lastAttemptMs = -Infinity;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(cluster: Cluster) => void> = [];
  private closed = false;
  private readonly logger: Logger;

  /** Addresses that timed out or refused, by addressKey, with when they may come first again. */
  private readonly unresponsiveUntil = new Map<string, number>();

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly pool: ConnectionPool,
    /** Kafka's producers and consumers let a Metadata request auto-create a topic (the broker decides). */
    private readonly allowAutoTopicCreation: boolean,
  ) {
    this.logger = options.logger.child('metadata');
  }

  get cluster(): Cluster {
    return this.current;
  }

  /** Calls `listener` after every successful refresh. */
  onUpdate(listener: (cluster: Cluster) => void): void {
    this.listeners.push(listener);
  }

  /** Adds topics to those refreshed; a topic not yet in the snapshot triggers a refresh. */
  addTopics(names: Iterable<string>): void {
    for (const name of names) {
      if (this.topics.has(name)) continue;
      this.topics.add(name);
      this.requestUpdate();
    }
  }

  /** Asks for a refresh soon (after `retryBackoffMs` since the last attempt). */
  requestUpdate(): void {
    this.updateRequested = true;
    this.scheduleRetry();
  }

  /** Starts a refresh in the background if one was requested or the snapshot is too old. */
  maybeUpdate(): void {
    const nowMs = this.options.clock.nowMs();
    const stale = nowMs - this.lastRefreshMs >= this.options.metadataMaxAgeMs;
    if (!this.updateRequested && !stale) return;
    if (nowMs - this.lastAttemptMs >= this.options.retryBackoffMs) this.update().catch(() => undefined); // logged in refresh; retried by scheduleRetry
    else this.scheduleRetry();
  }

  /** Refreshes now (or joins the refresh in flight) and resolves the new snapshot. */
  update(): Promise<Cluster> {
    if (this.closed) return Promise.reject(new Error(`client ${this.options.clientId} is closed`));
    if (this.refreshing === undefined) {
      this.refreshing = this.refresh().finally(() => {
        this.refreshing = undefined;
        this.scheduleRetry();
      });
    }
    return this.refreshing;
  }

  /**
   * Refreshes until every partition of every topic in `topics` has a leader (or, with
   * `allLeaders` false, until the topics are known with their partitions), or fails after
   * `timeoutMs` with REQUEST_TIMED_OUT (INVALID_TOPIC_EXCEPTION at once: waiting will not help).
   */
  async waitForLeaders(topics: readonly string[], timeoutMs: number, allLeaders = true): Promise<Cluster> {
    this.addTopics(topics);
    const deadlineMs = this.options.clock.nowMs() + timeoutMs;
    let lastProblem = 'no metadata yet';
    for (;;) {
      try {
        const cluster = await this.update();
        for (const t of topics) {
          const code = cluster.topic(t)?.errorCode;
          if (code !== undefined && isFatalTopicError(code)) throw JosefError.fromCode(code, `topic ${t}`);
        }
        const problem = topics.map((t) => leaderProblem(cluster.topic(t), t, allLeaders)).find((p) => p !== undefined);
        if (problem === undefined) return cluster;
        lastProblem = problem;
      } catch (err) {
        if (err instanceof JosefError && isFatalTopicError(err.code)) throw err;
        if (isAuthenticationError(err)) throw err;
        lastProblem = (err as Error).message;
      }
      const leftMs = deadlineMs - this.options.clock.nowMs();
      if (leftMs <= 0) {
        throw new JosefError(ErrorCode.REQUEST_TIMED_OUT, `no leaders for ${topics.join(', ')} after ${timeoutMs} ms: ${lastProblem}`);
      }
      await backoff(Math.min(this.options.retryBackoffMs, leftMs));
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private scheduleRetry(): void {
    if (!this.updateRequested || this.closed || this.refreshing !== undefined || this.retryTimer !== undefined) return;
    const waitMs = Math.max(0, this.lastAttemptMs + this.options.retryBackoffMs - this.options.clock.nowMs());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.maybeUpdate();
    }, waitMs);
  }

  private async refresh(): Promise<Cluster> {
    this.lastAttemptMs = this.options.clock.nowMs();
    this.updateRequested = false;
    try {
      const response = await this.sendToAnyBroker(ApiKey.Metadata, { topics: [...this.topics], allowAutoTopicCreation: this.allowAutoTopicCreation });
      const cluster = Cluster.fromMetadata(response);
      this.current = cluster;
      this.lastRefreshMs = this.options.clock.nowMs();
      for (const listener of this.listeners) listener(cluster);
      return cluster;
    } catch (err) {
      this.updateRequested = true;
      this.logger.warn((err as Error).message);
      throw err;
    }
  }

  /**
   * Sends a request to the first broker that answers, trying connected brokers first, then the
   * other known ones, then the bootstrap list. Rejects with NETWORK_EXCEPTION naming every
   * broker tried when none answers; a broker's own error answer is returned, not retried.
   */
  async sendToAnyBroker<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>> {
    const errors: string[] = [];
    for (const address of this.candidates()) {
      let connection: BrokerConnection;
      try {
        connection = await this.pool.get(address);
      } catch (err) {
        // Kafka's clients give up on an authentication failure: other brokers hold the same credentials.
        if (isAuthenticationError(err)) throw err;
        errors.push(`${addressKey(address)}: ${(err as Error).message}`);
        continue;
      }
      try {
        return await connection.send(apiKey, body);
      } catch (err) {
        // A broker that is gone, or alive but not answering (a paused process accepts connections), is skipped.
        const unreachable = err instanceof JosefError && (err.code === ErrorCode.NETWORK_EXCEPTION.code || err.code === ErrorCode.REQUEST_TIMED_OUT.code);
        if (!unreachable) throw err;
        this.unresponsiveUntil.set(addressKey(address), this.options.clock.nowMs() + this.options.requestTimeoutMs);
        errors.push(`${addressKey(address)}: ${err.message}`);
      }
    }
    throw new JosefError(ErrorCode.NETWORK_EXCEPTION, `no broker answered ${apiName(apiKey)} (${errors.join('; ')})`);
  }

  /**
   * Brokers to ask, best first: those already connected (Kafka's least loaded node), the other
   * known brokers, then the bootstrap list, each address once.
   */
  private candidates(): BrokerAddress[] {
    const seen = new Set<string>();
    const connected: BrokerAddress[] = [];
    const others: BrokerAddress[] = [];
    for (const node of this.current.brokers.values()) {
      (this.pool.connected(node) ? connected : others).push(node);
    }
    const ordered: BrokerAddress[] = [];
    // Kafka's leastLoadedNode starts at a random node, so one bad broker is not everyone's first choice.
    for (const address of [...rotated(connected), ...rotated(others), ...this.options.bootstrap]) {
      const key = addressKey(address);
      if (seen.has(key)) continue;
      seen.add(key);
      ordered.push({ host: address.host, port: address.port });
    }
    // Brokers that recently failed to answer go last until a request timeout has passed.
    const nowMs = this.options.clock.nowMs();
    const failing = (a: BrokerAddress): boolean => (this.unresponsiveUntil.get(addressKey(a)) ?? 0) > nowMs;
    return [...ordered.filter((a) => !failing(a)), ...ordered.filter(failing)];
  }
}

/** Why `topic` cannot be used yet, or undefined when it can (every partition has a leader, if `allLeaders`). */
function leaderProblem(topic: TopicInfo | undefined, name: string, allLeaders: boolean): string | undefined {
  if (topic === undefined) return `topic ${name} not in metadata`;
  if (topic.errorCode !== ErrorCode.NONE.code) return `topic ${name}: ${JosefError.fromCode(topic.errorCode).info.name}`;
  if (topic.partitionCount === 0) return `topic ${name} has no partitions`;
  if (!allLeaders) return undefined;
  const leaderless = topic.partitions.filter((p) => p.leader === NO_LEADER).map((p) => p.partition);
  return leaderless.length > 0 ? `topic ${name} partitions ${leaderless.join(',')} have no leader` : undefined;
}

/**
 * Errors that mean this client's metadata is out of date (Kafka's InvalidMetadataException
 * family): whoever sees one asks for a refresh before retrying.
 */
export function invalidatesMetadata(code: number): boolean {
  return invalidMetadataCodes.has(code);
}

const invalidMetadataCodes: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code,
  ErrorCode.LEADER_NOT_AVAILABLE.code,
  ErrorCode.LISTENER_NOT_FOUND.code,
  ErrorCode.NOT_LEADER_OR_FOLLOWER.code,
  ErrorCode.REPLICA_NOT_AVAILABLE.code,
  ErrorCode.NETWORK_EXCEPTION.code,
  ErrorCode.KAFKA_STORAGE_ERROR.code,
  ErrorCode.FENCED_LEADER_EPOCH.code,
  ErrorCode.UNKNOWN_LEADER_EPOCH.code,
]);

/** The list started at a random element (the order kept). */
function rotated<T>(items: T[]): T[] {
  if (items.length < 2) return items;
  const start = Math.floor(Math.random() * items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}
