/**
 * Replication throttling (Kafka's ReplicationQuotaManager, KIP-73): a byte rate measured over a
 * sliding window of samples, a limit in bytes per second, and the partitions it applies to. One
 * instance limits what a leader serves to followers (leader.replication.throttled.rate over the
 * topic's leader.replication.throttled.replicas), another what a follower fetches
 * (follower.replication.throttled.rate over follower.replication.throttled.replicas). Replicas in
 * the ISR are never throttled (their callers check): throttling slows catching up, never the ISR.
 * Pure: time comes from the injected clock.
 */

/** Kafka's replication.quota.window.num and replication.quota.window.size.seconds defaults. */
export const replicationQuotaSamplesDefault = 11;
export const replicationQuotaSampleWindowMsDefault = 1_000;

/** Kafka's broker dynamic configs (bytes/s; absent: no limit) and topic configs (which replicas they apply to). */
export const ReplicationThrottleConfig = {
  leaderRate: 'leader.replication.throttled.rate',
  followerRate: 'follower.replication.throttled.rate',
  leaderReplicas: 'leader.replication.throttled.replicas',
  followerReplicas: 'follower.replication.throttled.replicas',
} as const;

/** Every partition of the topic (Kafka's AllReplicas, the value "*"). */
export const ALL_PARTITIONS = '*';
export type ThrottledPartitions = typeof ALL_PARTITIONS | readonly number[];

export interface ReplicationQuotaOptions {
  nowMs: () => number;
  samples?: number;
  sampleWindowMs?: number;
}

interface Sample {
  startMs: number;
  bytes: number;
}

export class ReplicationQuota {
  private bytesPerSecMax = Infinity;
  private readonly throttled = new Map<string, ThrottledPartitions>();
  private readonly samples: Sample[] = [];
  private readonly samplesMax: number;
  private readonly sampleWindowMs: number;

  constructor(private readonly options: ReplicationQuotaOptions) {
    this.samplesMax = options.samples ?? replicationQuotaSamplesDefault;
    this.sampleWindowMs = options.sampleWindowMs ?? replicationQuotaSampleWindowMsDefault;
  }

  /** The limit in bytes per second; undefined (or Infinity) lifts it. */
  updateQuota(bytesPerSec: number | undefined): void {
    if (bytesPerSec !== undefined && !(bytesPerSec > 0)) throw new Error(`a replication throttle must be a positive number of bytes per second, got ${bytesPerSec}`);
    this.bytesPerSecMax = bytesPerSec ?? Infinity;
  }

  get upperBoundBytesPerSec(): number {
    return this.bytesPerSecMax;
  }

  markThrottled(topic: string, partitions: ThrottledPartitions): void {
    this.throttled.set(topic, partitions);
  }

  removeThrottle(topic: string): void {
    this.throttled.delete(topic);
  }

  /** Kafka's isThrottled: the topic's list names this partition (for this broker), or is "*". */
  isThrottled(topic: string, partition: number): boolean {
    const partitions = this.throttled.get(topic);
    return partitions !== undefined && (partitions === ALL_PARTITIONS || partitions.includes(partition));
  }

  /** Kafka's isQuotaExceeded: the measured rate is above the limit. */
  isQuotaExceeded(): boolean {
    return this.bytesPerSecMax !== Infinity && this.rateBytesPerSec() > this.bytesPerSecMax;
  }

  /** Counts bytes of throttled partitions sent or fetched now. */
  record(bytes: number): void {
    const nowMs = this.options.nowMs();
    this.purgeObsoleteSamples(nowMs);
    const current = this.samples[this.samples.length - 1];
    if (current === undefined || nowMs - current.startMs >= this.sampleWindowMs) {
      this.samples.push({ startMs: nowMs, bytes });
      if (this.samples.length > this.samplesMax) this.samples.shift();
    } else {
      current.bytes += bytes;
    }
  }

  /**
   * Kafka's SimpleRate: bytes in the samples still in the window over the time since the oldest
   * began (at least one sample window, so a first burst is not divided by almost nothing).
   */
  rateBytesPerSec(): number {
    const nowMs = this.options.nowMs();
    this.purgeObsoleteSamples(nowMs);
    if (this.samples.length === 0) return 0;
    const total = this.samples.reduce((sum, s) => sum + s.bytes, 0);
    const elapsedMs = Math.max(nowMs - this.samples[0].startMs, this.sampleWindowMs);
    return (total * 1000) / elapsedMs;
  }

  /** Samples older than the whole window (samples x window) count no more. */
  private purgeObsoleteSamples(nowMs: number): void {
    const expireAgeMs = this.samplesMax * this.sampleWindowMs;
    while (this.samples.length > 0 && nowMs - this.samples[0].startMs >= expireAgeMs) this.samples.shift();
  }
}

/**
 * Kafka's parseThrottledPartitions: "*" is every partition; "0:1,1:2" lists partition:broker pairs,
 * of which this broker takes the partitions paired with its own id; "" is none. A malformed value
 * throws (Kafka's ThrottledReplicaListValidator refuses it before it is stored).
 */
export function parseThrottledReplicas(value: string, brokerId: number): ThrottledPartitions {
  const trimmed = value.trim();
  if (trimmed === ALL_PARTITIONS) return ALL_PARTITIONS;
  if (trimmed === '') return [];
  const partitions: number[] = [];
  for (const pair of trimmed.split(',')) {
    const match = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(pair);
    if (!match) throw new Error(`throttled replicas must be "*" or a list of partition:brokerId, got ${JSON.stringify(value)}`);
    if (Number(match[2]) === brokerId) partitions.push(Number(match[1]));
  }
  return partitions;
}

/** A rate setting in bytes per second; absent or empty: no limit. */
export function parseThrottleRate(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`${name} must be a positive number of bytes per second, got ${JSON.stringify(value)}`);
  return rate;
}
