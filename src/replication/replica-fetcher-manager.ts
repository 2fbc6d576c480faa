/**
 * The follower side's fetchers (Kafka's ReplicaFetcherManager): one ReplicaFetcher per source
 * broker and fetcher id (num.replica.fetchers, partitions spread over them by hash), created when
 * a partition starts following a leader there and stopped once it carries no partition. A leader
 * that moved to another host or port gets a new fetcher.
 */
import type { Logger } from '../common/logger';
import type { BrokerEndpoint } from '../protocol/messages';
import { partitionKey } from '../common/topic';
import type { ReplicationQuota } from './replication-quota';
import {
  ReplicaFetcher, type FetchStart, type FetcherConnect, type ReplicaFetcherOptions, type ReplicaFetcherSettings,
} from './replica-fetcher';

export interface ReplicaFetcherManagerOptions {
  localBrokerId: number;
  numFetchers: number;
  settings: ReplicaFetcherSettings;
  connect: FetcherConnect;
  partition: ReplicaFetcherOptions['partition'];
  logger: Logger;
  nowMs?: () => number;
  /** The broker's follower replication throttle, shared by its fetchers. */
  quota?: ReplicationQuota;
}

export interface FollowStart extends FetchStart {
  leader: BrokerEndpoint;
}

/** Java's String.hashCode, so partitions land on the fetcher Kafka would give them. */
function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's AbstractFetcherManager.getFetcherId. */
export function fetcherId(topic: string, partition: number, numFetchers: number): number {
  return Math.abs((Math.imul(31, javaStringHash(topic)) + partition) | 0) % numFetchers;
}

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  /** Which fetcher serves a partition, by partition key. */
  private readonly owners = new Map<string, string>();

  constructor(private readonly options: ReplicaFetcherManagerOptions) {}

  /** Makes each partition fetch from its leader, truncating first (also when it already fetched from there). */
  addFetcherForPartitions(starts: FollowStart[]): void {
    // Removed all at once: one at a time cost a Map and an array per partition (10,000 at a failover).
    this.removeFetcherForPartitions(starts);
    const grouped = new Map<string, FollowStart[]>();
    for (const start of starts) {
      const id = `${start.leader.nodeId}-${fetcherId(start.topic, start.partition, this.options.numFetchers)}`;
      const existing = this.fetchers.get(id);
      const { host, port } = start.leader;
      if (existing && (existing.source.host !== host || existing.source.port !== port)) {
        // The leader came back elsewhere: its partitions move to a new fetcher with the new address.
        const moved = existing.partitions().map((p) => p.key);
        void existing.stop();
        this.fetchers.delete(id);
        for (const key of moved) this.owners.delete(key);
        this.options.logger.info(`broker ${start.leader.nodeId} now listens on ${host}:${port}: its fetcher starts again (${moved.length} partitions re-truncate)`);
      }
      const group = grouped.get(id) ?? [];
      group.push(start);
      grouped.set(id, group);
    }
    for (const [id, group] of grouped) {
      let fetcher = this.fetchers.get(id);
      if (!fetcher) {
        fetcher = new ReplicaFetcher({
          name: `ReplicaFetcher-${this.options.localBrokerId}-${id}`,
          localBrokerId: this.options.localBrokerId,
          source: group[0].leader,
          settings: this.options.settings,
          connect: this.options.connect,
          partition: this.options.partition,
          logger: this.options.logger,
          nowMs: this.options.nowMs,
          quota: this.options.quota,
        });
        this.fetchers.set(id, fetcher);
      }
      fetcher.addPartitions(group);
      for (const start of group) this.owners.set(partitionKey(start.topic, start.partition), id);
    }
  }

  removeFetcherForPartitions(partitions: { topic: string; partition: number }[]): void {
    const byFetcher = new Map<string, string[]>();
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const id = this.owners.get(key);
      if (id === undefined) continue;
      this.owners.delete(key);
      const keys = byFetcher.get(id) ?? [];
      keys.push(key);
      byFetcher.set(id, keys);
    }
    for (const [id, keys] of byFetcher) this.fetchers.get(id)?.removePartitions(keys);
  }

  /** Stops fetchers left with no partition (Kafka's shutdownIdleFetcherThreads). */
  async shutdownIdleFetchers(): Promise<void> {
    const idle = [...this.fetchers].filter(([, f]) => f.partitionCount === 0);
    for (const [id] of idle) this.fetchers.delete(id);
    await Promise.all(idle.map(([, f]) => f.stop()));
  }

  async shutdown(): Promise<void> {
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    this.owners.clear();
    await Promise.all(all.map((f) => f.stop()));
  }
}
