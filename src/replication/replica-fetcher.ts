/**
 * A follower's fetcher for one source broker (Kafka's ReplicaFetcherThread): one connection to
 * that leader carrying every partition this broker follows there. Each partition first truncates
 * (OffsetsForLeaderEpoch, KIP-101: cut any tail the leader does not have), then fetches in a loop:
 * Fetch with this broker's id as replicaId and its log end offset as fetch offset (which is how
 * the leader learns where the follower is), appending the leader's batches unchanged (same bytes,
 * offsets and leader epochs) and taking the leader's high watermark and log start offset.
 *
 * A partition in error waits replica.fetch.backoff.ms and tries again, except while the leader has
 * not yet heard of the leadership this broker was told of (its LeaderAndIsr is on the way): then
 * it retries after 10 ms, doubling up to the backoff, since an in-sync follower that waits holds
 * up every acks=all write. One told it is fenced (an older leader epoch than the leader's) leaves
 * the fetcher until the controller says more. A lost
 * connection is opened again after the backoff. Nothing here decides leadership: LeaderAndIsr does.
 */
import type { BrokerConfig } from '../common/config';
import { ErrorCode, JosefError, errorInfo } from '../common/errors';
import type { Logger } from '../common/logger';
import { ApiKey, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/api-keys';
import {
  groupByTopic, type BrokerEndpoint, type FetchPartitionResponse, type FetchRequest, type OffsetsForLeaderEpochRequest,
  type RequestOf, type ResponseOf, type SupportedApiKey,
} from '../protocol/messages';
import { UNDEFINED_EPOCH } from '../storage/leader-epoch-cache';
import { partitionKey } from '../common/topic';
import type { Partition } from './partition';
import type { ReplicationQuota } from './replication-quota';
import { truncationOffset } from './truncation';

/** What a fetcher needs of a connection (the client's Connection; a fake in unit tests). */
export interface FetcherConnection {
  send<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>, options?: { timeoutMs?: number }): Promise<ResponseOf<K>>;
  close(): Promise<void>;
  /** Hands back a response's memory (via a Buffer decoded from it) once nothing refers to it. */
  recycle?(decoded: Buffer): void;
}

export type FetcherConnect = (endpoint: BrokerEndpoint) => Promise<FetcherConnection>;

/** The broker settings a fetcher follows (Kafka's replica.fetch.*, replica.socket.timeout.ms). */
export type ReplicaFetcherSettings = Pick<BrokerConfig,
  'replicaFetchWaitMaxMs' | 'replicaFetchMinBytes' | 'replicaFetchMaxBytes' | 'replicaFetchResponseMaxBytes' | 'replicaFetchBackoffMs' | 'replicaSocketTimeoutMs'>;

export interface ReplicaFetcherOptions {
  name: string;
  localBrokerId: number;
  source: BrokerEndpoint;
  settings: ReplicaFetcherSettings;
  connect: FetcherConnect;
  /** The hosted partition, if it still exists. */
  partition: (topic: string, partition: number) => Partition | undefined;
  logger: Logger;
  nowMs?: () => number;
  /** The broker's follower replication throttle (follower.replication.throttled.*); none: unthrottled. */
  quota?: ReplicationQuota;
}

/** Where a fetcher starts a partition: the leader epoch it follows and its own log end. */
export interface FetchStart {
  topic: string;
  partition: number;
  leaderEpoch: number;
  /**
   * The controller lists this broker in the partition's ISR: it counts as caught up until a fetch
   * says otherwise, so the follower throttle never holds back an in-sync replica (acks=all waits
   * for it) when a new leader epoch restarts its fetch, e.g. as a reassignment completes.
   */
  inIsr?: boolean;
}

type FetchStateName = 'truncating' | 'fetching';

/** The first retry after the leader answered that it has not heard of our leader epoch yet. */
const LEADER_BEHIND_FIRST_RETRY_MS = 10;
const leaderBehindErrors: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER.code, ErrorCode.UNKNOWN_LEADER_EPOCH.code, ErrorCode.REPLICA_NOT_AVAILABLE.code,
]);

interface FetchEntry {
  topic: string;
  partition: number;
  key: string;
  leaderEpoch: number;
  state: FetchStateName;
  fetchOffset: number;
  /** No request for this partition before this time (after an error). */
  delayedUntilMs: number;
  /** The next wait for a leader that has not heard of this leadership yet (doubles, reset by a good answer). */
  leaderBehindRetryMs: number;
  /** The last fetch reached the leader's high watermark (Kafka's isReplicaInSync: lag <= 0); before any fetch, whether the ISR lists this broker. */
  caughtUp: boolean;
}

/** Partitions this fetcher serves, as `topic-partition` with their state (for logs and tests). */
export interface FetcherPartitionView {
  key: string;
  state: FetchStateName;
  fetchOffset: number;
  leaderEpoch: number;
}

export class ReplicaFetcher {
  readonly source: BrokerEndpoint;
  private readonly entries = new Map<string, FetchEntry>();
  private connection: FetcherConnection | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly logger: Logger;
  private readonly nowMs: () => number;
  private lastFailure = '';

  constructor(private readonly options: ReplicaFetcherOptions) {
    this.source = options.source;
    this.logger = options.logger;
    this.nowMs = options.nowMs ?? Date.now;
  }

  get partitionCount(): number {
    return this.entries.size;
  }

  partitions(): FetcherPartitionView[] {
    return [...this.entries.values()].map(({ key, state, fetchOffset, leaderEpoch }) => ({ key, state, fetchOffset, leaderEpoch }));
  }

  /** Starts (or restarts) fetching these partitions, each truncating first; starts the loop if idle. */
  addPartitions(starts: FetchStart[]): void {
    for (const start of starts) {
      const key = partitionKey(start.topic, start.partition);
      const hosted = this.options.partition(start.topic, start.partition);
      const fetchOffset = hosted?.log.logEndOffset ?? 0;
      this.entries.set(key, {
        topic: start.topic, partition: start.partition, key, leaderEpoch: start.leaderEpoch, state: 'truncating', fetchOffset, delayedUntilMs: 0, leaderBehindRetryMs: LEADER_BEHIND_FIRST_RETRY_MS, caughtUp: start.inIsr ?? false,
      });
    }
    this.running ??= this.run();
    this.poke();
  }

  removePartitions(keys: string[]): void {
    for (const key of keys) this.entries.delete(key);
    this.poke();
  }

  /** Stops the loop and closes the connection; an in-flight request's answer is dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
    await this.running;
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits until poked, or `ms` passes. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const { replicaFetchBackoffMs } = this.options.settings;
    while (!this.stopped) {
      try {
        const now = this.nowMs();
        const ready = [...this.entries.values()].filter((e) => e.delayedUntilMs <= now);
        if (ready.length === 0) {
          const next = Math.min(...[...this.entries.values()].map((e) => e.delayedUntilMs));
          await this.pause(Number.isFinite(next) ? Math.max(1, next - now) : 60_000);
          continue;
        }
        const connection = await this.connect();
        const truncating = ready.filter((e) => e.state === 'truncating');
        if (truncating.length > 0) await this.truncate(connection, truncating);
        else await this.fetch(connection, ready);
        this.lastFailure = '';
      } catch (err) {
        if (this.stopped) break;
        const message = `fetcher ${this.options.name} from broker ${this.source.nodeId} (${this.source.host}:${this.source.port}): ${(err as Error).message}`;
        // The same failure again and again (a leader that is down) is logged once.
        if (message !== this.lastFailure) this.logger.warn(`${message}; retrying every ${replicaFetchBackoffMs} ms`);
        this.lastFailure = message;
        const connection = this.connection;
        this.connection = undefined;
        await connection?.close().catch(() => undefined);
        await this.pause(replicaFetchBackoffMs);
      }
    }
  }

  private async connect(): Promise<FetcherConnection> {
    this.connection ??= await this.options.connect(this.source);
    return this.connection;
  }

  private delay(entry: FetchEntry, reason: string, waitMs = this.options.settings.replicaFetchBackoffMs): void {
    entry.delayedUntilMs = this.nowMs() + waitMs;
    this.logger.debug(`${entry.key}: ${reason}; next try in ${waitMs} ms`);
  }

  /** The entry is still ours, for the same epoch, at the same offset: the answer about it applies. */
  private current(entry: FetchEntry, fetchOffset: number): Partition | undefined {
    if (this.stopped || this.entries.get(entry.key) !== entry || entry.fetchOffset !== fetchOffset) return undefined;
    const hosted = this.options.partition(entry.topic, entry.partition);
    if (hosted === undefined || hosted.isLeader) {
      this.entries.delete(entry.key);
      return undefined;
    }
    return hosted;
  }

  /** A partition whose leader epoch is newer than ours waits for its LeaderAndIsr, outside this fetcher. */
  private fenced(entry: FetchEntry, why: string): void {
    this.logger.warn(`${entry.key}: ${why}; it stops fetching from broker ${this.source.nodeId} until the controller's next LeaderAndIsr`);
    this.entries.delete(entry.key);
  }

  /** KIP-101: asks where our latest epoch ends on the leader, and cuts what the leader does not have. */
  private async truncate(connection: FetcherConnection, entries: FetchEntry[]): Promise<void> {
    const asking: { entry: FetchEntry; epoch: number; offset: number }[] = [];
    for (const entry of entries) {
      const hosted = this.current(entry, entry.fetchOffset);
      if (!hosted) continue;
      const epoch = hosted.log.leaderEpochCache.latestEpoch();
      if (epoch === UNDEFINED_EPOCH) {
        // No epoch history (an empty log): only the high watermark is known to be committed.
        hosted.truncateTo(hosted.highWatermark);
        this.startFetching(entry, hosted);
      } else {
        asking.push({ entry, epoch, offset: entry.fetchOffset });
      }
    }
    if (asking.length === 0) return;
    const request: OffsetsForLeaderEpochRequest = {
      replicaId: this.options.localBrokerId,
      topics: groupByTopic(asking, (a) => a.entry.topic, (a) => ({ partition: a.entry.partition, currentLeaderEpoch: a.entry.leaderEpoch, leaderEpoch: a.epoch })),
    };
    const response = await connection.send(ApiKey.OffsetsForLeaderEpoch, request, { timeoutMs: this.options.settings.replicaSocketTimeoutMs });
    const answers = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: number }>();
    for (const topic of response.topics ?? []) {
      for (const p of topic.partitions ?? []) answers.set(partitionKey(topic.name, p.partition), p);
    }
    for (const { entry, offset } of asking) {
      const hosted = this.current(entry, offset);
      if (!hosted) continue;
      const answer = answers.get(entry.key);
      if (answer === undefined) {
        this.delay(entry, 'no OffsetsForLeaderEpoch answer for it');
        continue;
      }
      if (answer.errorCode !== ErrorCode.NONE.code) {
        this.onPartitionError(entry, answer.errorCode, 'OffsetsForLeaderEpoch');
        continue;
      }
      const before = hosted.log.logEndOffset;
      const decision = truncationOffset({
        leader: { epoch: answer.leaderEpoch, endOffset: answer.endOffset },
        followerEndOffsetFor: (epoch) => hosted.log.leaderEpochCache.endOffsetFor(epoch, hosted.log.logEndOffset),
        followerLogEndOffset: before,
        followerHighWatermark: hosted.highWatermark,
      });
      if (decision.truncateTo < before) {
        this.logger.info(`${entry.key}: leader ${this.source.nodeId} has epoch ${answer.leaderEpoch} ending at ${answer.endOffset}; truncating our log from ${before} to ${decision.truncateTo}`);
        hosted.truncateTo(decision.truncateTo);
      }
      if (decision.completed) this.startFetching(entry, hosted);
      else entry.fetchOffset = hosted.log.logEndOffset; // Another round, asking with our now latest epoch.
    }
  }

  private startFetching(entry: FetchEntry, hosted: Partition): void {
    entry.leaderBehindRetryMs = LEADER_BEHIND_FIRST_RETRY_MS;
    entry.state = 'fetching';
    entry.fetchOffset = hosted.log.logEndOffset;
    entry.delayedUntilMs = 0;
  }

  /**
   * Kafka's shouldFollowerThrottle: a partition behind the leader, throttled on this broker, is
   * left out of the fetch while the follower throttle's rate is exceeded.
   */
  private throttled(entry: FetchEntry): boolean {
    const { quota } = this.options;
    return quota !== undefined && !entry.caughtUp && quota.isThrottled(entry.topic, entry.partition) && quota.isQuotaExceeded();
  }

  private async fetch(connection: FetcherConnection, ready: FetchEntry[]): Promise<void> {
    const { settings } = this.options;
    const entries = ready.filter((e) => !this.throttled(e));
    if (entries.length === 0) {
      // Everything is throttled: wait for the rate to fall instead of spinning.
      await this.pause(settings.replicaFetchBackoffMs);
      return;
    }
    const offsets = new Map(entries.map((e) => [e.key, e.fetchOffset]));
    const request: FetchRequest = {
      replicaId: this.options.localBrokerId,
      maxWaitMs: settings.replicaFetchWaitMaxMs,
      minBytes: settings.replicaFetchMinBytes,
      maxBytes: settings.replicaFetchResponseMaxBytes,
      topics: groupByTopic(entries, (e) => e.topic, (e) => ({
        partition: e.partition,
        fetchOffset: e.fetchOffset,
        currentLeaderEpoch: e.leaderEpoch,
        logStartOffset: this.options.partition(e.topic, e.partition)?.log.logStartOffset ?? -1,
        partitionMaxBytes: settings.replicaFetchMaxBytes,
      })),
    };
    const response = await connection.send(ApiKey.Fetch, request, { timeoutMs: settings.replicaFetchWaitMaxMs + settings.replicaSocketTimeoutMs });
    if (response.errorCode !== ErrorCode.NONE.code) {
      throw JosefError.fromCode(response.errorCode, 'Fetch failed as a whole');
    }
    const answers = new Map<string, FetchPartitionResponse>();
    // All answers share one frame, so any one answer's records stand for its memory.
    let frameMemory: Buffer | undefined;
    for (const topic of response.topics ?? []) {
      for (const p of topic.partitions ?? []) {
        answers.set(partitionKey(topic.name, p.partition), p);
        if (p.records && p.records.length > 0) frameMemory = p.records;
      }
    }
    try {
      await this.applyAnswers(connection, entries, offsets, answers);
    } finally {
      // The records are in our logs now (appends copy them to the file) and nothing keeps a view
      // of them: the connection may read the next response into the same memory.
      if (frameMemory) connection.recycle?.(frameMemory);
    }
  }

  private async applyAnswers(
    connection: FetcherConnection, entries: FetchEntry[], offsets: Map<string, number>, answers: Map<string, FetchPartitionResponse>,
  ): Promise<void> {
    for (const entry of entries) {
      const answer = answers.get(entry.key);
      const fetchOffset = offsets.get(entry.key) as number;
      const hosted = this.current(entry, fetchOffset);
      if (!hosted || answer === undefined) continue;
      if (answer.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE.code) {
        await this.handleOffsetOutOfRange(connection, entry, fetchOffset);
      } else if (answer.errorCode !== ErrorCode.NONE.code) {
        this.onPartitionError(entry, answer.errorCode, 'Fetch', answer.errorMessage);
      } else {
        this.applyFetched(entry, hosted, answer);
      }
    }
  }

  private applyFetched(entry: FetchEntry, hosted: Partition, answer: FetchPartitionResponse): void {
    try {
      if (answer.records && answer.records.length > 0) {
        hosted.appendRecordsAsFollower(answer.records, answer.highWatermark);
        entry.fetchOffset = hosted.log.logEndOffset;
        if (this.options.quota?.isThrottled(entry.topic, entry.partition)) this.options.quota.record(answer.records.length);
      } else {
        hosted.updateFollowerHighWatermark(answer.highWatermark);
      }
      // Records the leader deleted (DeleteRecords, retention) go here too; the leader's DeleteRecords waits for it.
      hosted.updateFollowerLogStartOffset(answer.logStartOffset);
      entry.caughtUp = entry.fetchOffset >= answer.highWatermark;
      entry.leaderBehindRetryMs = LEADER_BEHIND_FIRST_RETRY_MS;
    } catch (err) {
      if (err instanceof JosefError && err.code === ErrorCode.OFFSET_OUT_OF_RANGE.code) {
        // The leader's batches do not continue our log: find where the histories agree again.
        this.logger.warn(`${entry.key}: ${err.message}; truncating again`);
        entry.state = 'truncating';
        entry.fetchOffset = hosted.log.logEndOffset;
        return;
      }
      this.logger.error(`${entry.key}: cannot append what broker ${this.source.nodeId} sent: ${(err as Error).message}`);
      this.delay(entry, 'follower append failed');
    }
  }

  private onPartitionError(entry: FetchEntry, errorCode: number, what: string, message?: string | null): void {
    const detail = `${what} answered ${errorInfo(errorCode).name}${message ? ` (${message})` : ''}`;
    if (errorCode === ErrorCode.FENCED_LEADER_EPOCH.code) {
      this.fenced(entry, `leader epoch ${entry.leaderEpoch} is older than broker ${this.source.nodeId}'s: ${detail}`);
      return;
    }
    // NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH, REPLICA_NOT_AVAILABLE: the leader has not heard
    // of this leadership yet (its LeaderAndIsr is on the way, usually milliseconds behind ours):
    // soon again, then less and less often. Anything else: wait the backoff and retry.
    if (leaderBehindErrors.has(errorCode)) {
      const waitMs = Math.min(entry.leaderBehindRetryMs, this.options.settings.replicaFetchBackoffMs);
      entry.leaderBehindRetryMs = Math.min(2 * entry.leaderBehindRetryMs, this.options.settings.replicaFetchBackoffMs);
      this.delay(entry, detail, waitMs);
      return;
    }
    this.delay(entry, detail);
  }

  /**
   * Kafka's handleOffsetOutOfRange: if the leader's log ends before ours (only after an unclean
   * election), cut ours to its end; if our end is below the leader's log start (retention deleted
   * what we lack), start over empty at the leader's log start.
   */
  private async handleOffsetOutOfRange(connection: FetcherConnection, entry: FetchEntry, fetchOffset: number): Promise<void> {
    const [earliest, latest] = await Promise.all([EARLIEST_TIMESTAMP, LATEST_TIMESTAMP].map(async (timestamp) => {
      const response = await connection.send(ApiKey.ListOffsets, {
        replicaId: this.options.localBrokerId,
        topics: [{ name: entry.topic, partitions: [{ partition: entry.partition, timestamp }] }],
      }, { timeoutMs: this.options.settings.replicaSocketTimeoutMs });
      const answer = response.topics?.[0]?.partitions?.[0];
      if (!answer || answer.errorCode !== ErrorCode.NONE.code) {
        throw JosefError.fromCode(answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR.code, `${entry.key}: ListOffsets for offset-out-of-range recovery failed`);
      }
      return answer.offset;
    }));
    const hosted = this.current(entry, fetchOffset);
    if (!hosted) return;
    const ours = hosted.log.logEndOffset;
    if (latest < ours) {
      this.logger.warn(`${entry.key}: the leader's log ends at ${latest}, before ours at ${ours} (an unclean election?): truncating to ${latest}`);
      hosted.truncateTo(latest);
    } else if (ours < earliest) {
      this.logger.info(`${entry.key}: the leader's log starts at ${earliest}, past our end ${ours} (retention deleted the rest): starting over at ${earliest}`);
      hosted.truncateFullyAndStartAt(earliest);
    }
    entry.fetchOffset = hosted.log.logEndOffset;
  }
}
