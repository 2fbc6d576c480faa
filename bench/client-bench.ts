/**
 * What the client benchmarks (produce, consume, e2e) share: their common options in the spirit of
 * kafka-producer-perf-test, a cluster to run against (given with --bootstrap-server, or a local
 * one of --brokers broker processes with their own ZooKeeper, started and stopped here), and the
 * topic they write to, created fresh for each run.
 */
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import type { Acks } from '../src/client/producer';
import type { ClientSecurity } from '../src/client/client-security';
import { quietLogger, startBenchCluster } from './bench-cluster';
import { parseCount, type Progress } from './harness';

export { quietLogger };

export interface ClientBenchOptions {
  brokers: number;
  bootstrapServer?: string;
  /** Replicas of the benchmark topic; default min(3, brokers). */
  replicationFactor?: number;
  acks: Acks;
  recordSize: number;
  records: number;
  partitions: number;
  batchSize: number;
  lingerMs: number;
}

/** A cluster to run against, and how to let it go. */
export interface BenchCluster {
  bootstrapServers: string;
  replicationFactor: number;
  /** TLS and SASL credentials for every client of the run (a secured cluster's); undefined for PLAINTEXT. */
  security: ClientSecurity | undefined;
  /** Process ids of the brokers this run started (none for --bootstrap-server), for their memory. */
  brokerPids(): number[];
  /** Of a cluster this run started: its ZooKeeper (chroot included) and its brokers' metrics URLs (with `metrics`). */
  zookeeperConnect: string | undefined;
  metricsUrls: string[];
  stop(): Promise<void>;
}

function parseMs(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`expected milliseconds (0 or more), got "${value}"`);
  return n;
}

export function parseAcks(value: string): Acks {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '1' || value === '0') return Number(value) as 0 | 1;
  throw new Error(`--acks wants all, 1 or 0, got "${value}"`);
}

/** Kafka's default batch.size. */
export const DEFAULT_BATCH_SIZE = 16_384;

/**
 * Declares the options every client benchmark takes; `records` and `partitions` defaults differ per
 * benchmark. `batchSizeHelp` replaces --batch-size's help and its default of 16384 (the benchmark
 * then resolves a missing value itself).
 */
export function defineClientOptions(command: Command, defaults: { records: number; partitions: number; batchSizeHelp?: string }): void {
  command
    .option('--brokers <n>', 'broker processes of the local cluster to start', parseCount, 1)
    .option('--replication-factor <n>', 'replicas of the benchmark topic (default: min(3, brokers))', parseCount)
    .option('--bootstrap-server <host:port>', 'use a running cluster instead of starting one')
    .option('--acks <acks>', 'all, 1 or 0', parseAcks, 1)
    .option('--record-size <bytes>', 'value bytes per record (no key, as kafka-producer-perf-test)', parseCount, 100)
    .option('--records <n>', 'records to send', parseCount, defaults.records)
    .option('--partitions <n>', 'partitions of the benchmark topic', parseCount, defaults.partitions)
    .option('--batch-size <bytes>', defaults.batchSizeHelp ?? 'the producer\'s batch.size', parseCount, defaults.batchSizeHelp === undefined ? DEFAULT_BATCH_SIZE : undefined)
    .option('--linger-ms <ms>', 'the producer\'s linger.ms', parseMs, 0);
}

export function clientOptions(options: OptionValues): ClientBenchOptions {
  return options as ClientBenchOptions;
}

export function benchParameters(o: ClientBenchOptions): Record<string, string | number> {
  return {
    brokers: o.bootstrapServer ? `external ${o.bootstrapServer}` : o.brokers,
    replicationFactor: replicationFactorOf(o),
    acks: o.acks,
    recordSize: o.recordSize,
    records: o.records,
    partitions: o.partitions,
    batchSize: o.batchSize,
    lingerMs: o.lingerMs,
  };
}

export function replicationFactorOf(o: ClientBenchOptions): number {
  return o.replicationFactor ?? Math.min(3, o.brokers);
}

/**
 * The running cluster named by --bootstrap-server, or a fresh local one (its own ZooKeeper and
 * data); `secure`: one with SASL_SSL listeners only, as `cluster up --secure` starts.
 */
export async function benchCluster(o: ClientBenchOptions, progress: Progress, { metrics = false, secure = false } = {}): Promise<BenchCluster> {
  if (o.bootstrapServer !== undefined) {
    if (secure) throw new Error('a secured run starts its own cluster; it cannot be used with --bootstrap-server');
    return {
      bootstrapServers: o.bootstrapServer, replicationFactor: replicationFactorOf(o), security: undefined, brokerPids: () => [], zookeeperConnect: undefined, metricsUrls: [], stop: async () => undefined,
    };
  }
  const { cluster, clientSecurity, stop } = await startBenchCluster({ name: 'clients', zkBasePort: 23810, brokers: o.brokers, metrics, secure }, progress);
  return {
    bootstrapServers: cluster.bootstrapServers,
    security: clientSecurity,
    zookeeperConnect: cluster.zookeeperConnect,
    metricsUrls: cluster.brokers().flatMap((b) => (b.metricsPort === undefined ? [] : [`http://${b.host}:${b.metricsPort}/metrics`])),
    replicationFactor: replicationFactorOf(o),
    brokerPids: () => cluster.brokers().flatMap((b) => (b.running && b.pid !== undefined ? [b.pid] : [])),
    stop,
  };
}

/** Creates a fresh topic for the run (--replication-factor, default up to 3 replicas) and waits for its leaders. */
export async function createBenchTopic(cluster: BenchCluster, o: ClientBenchOptions, name: string): Promise<string> {
  const topic = `${name}-${Date.now()}`;
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, security: cluster.security, logger: quietLogger });
  try {
    await admin.createTopics([{ name: topic, numPartitions: o.partitions, replicationFactor: cluster.replicationFactor }]);
  } finally {
    await admin.close();
  }
  return topic;
}

/** A value of `size` bytes of printable random characters, as kafka-producer-perf-test sends. */
export function randomPayload(size: number): Buffer {
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) payload[i] = 65 + Math.floor(Math.random() * 26);
  return payload;
}
