/**
 * `npm run bench -- reassign`: how fast a reassignment moves data onto a new broker, with and
 * without a replication throttle, and what it costs the producers meanwhile. Three brokers of a
 * local cluster; per round a fresh topic (replication factor 2 over brokers 1-3) is loaded with
 * --load-mb, broker 4 is started (first round), and every partition's follower is replaced by broker 4
 * (so the whole topic is copied to it) by executing a plan as `topic reassign --execute` does, then
 * verify is polled until no partition is in progress. MB/s is the new replicas' log bytes on disk
 * over that time. A producer sends acks=all records at a steady rate to the same topic throughout;
 * its latencies before the move and during it are the second figure.
 */
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import { Producer } from '../src/client/producer';
import { loadTopic, replicaLogBytes } from '../src/cli/demo/demo-scale-out-load';
import { formatNumber } from '../src/cli/format';
import type { LocalCluster } from '../src/local/local-cluster';
import { waitFor } from '../src/common/wait';
import { executeReassignment, verifyReassignment } from '../src/admin/reassignment-admin';
import type { ReassignmentPlan } from '../src/admin/reassignment-plan';
import { ZkClient } from '../src/coordination/zk-client';
import { readPartitionState } from '../src/admin/topic-admin';
import { quietLogger } from './client-bench';
import { LatencyRecorder, MiB, mbPerSec, parseCount, type Benchmark, type LatencySummary, type Progress } from './harness';
import { withBenchCluster } from './bench-cluster';
import type { BenchReport } from './report';

interface ReassignOptions {
  loadMb: number;
  partitions: number;
  throttle: number;
  rate: number;
  recordBytes: number;
  baselineMs: number;
}

interface RoundResult {
  name: string;
  throttleBytesPerSec: number | undefined;
  partitions: number;
  movedBytes: number;
  elapsedMs: number;
  before: LatencySummary & { records: number };
  during: LatencySummary & { records: number };
  failures: number;
}

const brokersAtStart = 3;
const newBrokerId = 4;
const loadValueBytes = 1024;
const stepTimeoutMs = 60_000;
const moveTimeoutMs = 30 * 60_000;
const verifyIntervalMs = 100;
const warmUpMs = 1_000;
/** The steady producer sends a share of its rate this often. */
const producerTickMs = 10;

/** Sends `rate` acks=all records per second, recording each latency into whichever recorder is current when it is sent. */
class SteadyProducer {
  current: { recorder: LatencyRecorder; records: number } | undefined;
  failures = 0;
  private readonly producer: Producer;
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(bootstrapServers: string, private readonly topic: string, private readonly partitions: number, private readonly o: ReassignOptions) {
    this.producer = new Producer({ bootstrapServers, acks: 'all', lingerMs: 0, retryBackoffMs: 100, requestTimeoutMs: 30_000, logger: quietLogger, clientId: 'bench-reassign' });
  }

  start(): void {
    const startedMs = performance.now();
    const value = Buffer.alloc(this.o.recordBytes, 'v');
    this.timer = setInterval(() => {
      // As many as the schedule asks by now: a late tick catches up instead of lowering the rate.
      const due = Math.floor(((performance.now() - startedMs) * this.o.rate) / 1000);
      while (this.sent < due) this.sendOne(value);
    }, producerTickMs);
  }

  private sendOne(value: Buffer): void {
    const phase = this.current;
    const startNs = process.hrtime.bigint();
    const sending = this.producer.send({ topic: this.topic, partition: this.sent++ % this.partitions, value }).then(
      () => {
        if (!phase) return;
        phase.recorder.recordSince(startNs);
        phase.records++;
      },
      () => { this.failures++; },
    ).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    await this.producer.close();
  }
}

/** A window of time the producer is measured over: a span the benchmark chose, not a wait for state. */
function measuringWindow(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function createTopic(cluster: LocalCluster, zk: ZkClient, topic: string, partitions: number): Promise<Map<number, number[]>> {
  const assignment = new Map(Array.from({ length: partitions }, (_, p) => [p, [1 + (p % brokersAtStart), 1 + ((p + 1) % brokersAtStart)]]));
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, logger: quietLogger });
  try {
    await admin.createTopics([{ name: topic, replicaAssignment: Object.fromEntries(assignment), configs: { 'min.insync.replicas': '2' } }]);
  } finally {
    await admin.close();
  }
  for (const p of assignment.keys()) {
    await waitFor(async () => (await readPartitionState(zk, topic, p))?.isr.length === 2, { timeoutMs: stepTimeoutMs, message: `${topic}-${p} to have a full ISR` });
  }
  return assignment;
}

async function oneRound(
  name: string, throttleBytesPerSec: number | undefined, cluster: LocalCluster, zk: ZkClient, o: ReassignOptions, progress: Progress,
): Promise<RoundResult> {
  const topic = `bench-reassign-${throttleBytesPerSec === undefined ? 'unthrottled' : 'throttled'}-${Date.now()}`;
  const assignment = await createTopic(cluster, zk, topic, o.partitions);
  progress(`${name}: loading ${o.loadMb} MB into ${topic} (${o.partitions} partitions on brokers 1-${brokersAtStart}, replication factor 2)`);
  await loadTopic({ bootstrapServers: cluster.bootstrapServers, topic, partitions: o.partitions, bytes: o.loadMb * MiB, valueBytes: loadValueBytes, logger: quietLogger });
  if (!cluster.broker(newBrokerId).running) {
    progress(`starting broker ${newBrokerId}`);
    await cluster.startBroker(newBrokerId);
    await cluster.awaitReady();
  }
  const producer = new SteadyProducer(cluster.bootstrapServers, topic, o.partitions, o);
  const before = { recorder: new LatencyRecorder(), records: 0 };
  const during = { recorder: new LatencyRecorder(), records: 0 };
  try {
    producer.start();
    // Connections and metadata warm up unrecorded; the baseline window then measures the steady state.
    await measuringWindow(warmUpMs);
    producer.current = before;
    await measuringWindow(o.baselineMs);
    // Each partition's follower (second replica) is replaced by broker 4: the whole topic is copied to it.
    const plan: ReassignmentPlan = { version: 1, partitions: [...assignment].map(([partition, replicas]) => ({ topic, partition, replicas: [replicas[0], newBrokerId] })) };
    producer.current = during;
    const startNs = process.hrtime.bigint();
    await executeReassignment(zk, plan, { throttleBytesPerSec });
    const verified = await waitFor(async () => {
      const v = await verifyReassignment(zk, plan);
      return v.partitions.some((p) => p.status === 'in progress') ? undefined : v;
    }, { timeoutMs: moveTimeoutMs, intervalMs: verifyIntervalMs, message: `the reassignment of ${topic} to finish` });
    const elapsedMs = Number(process.hrtime.bigint() - startNs) / 1e6;
    producer.current = undefined;
    const failed = verified.partitions.filter((p) => p.status !== 'done');
    if (failed.length > 0) throw new Error(`${name}: partitions ${failed.map((p) => p.partition).join(', ')} of ${topic} did not move`);
    const logDir = cluster.broker(newBrokerId).logDir.split(',')[0];
    const movedBytes = [...assignment.keys()].reduce((sum, p) => sum + replicaLogBytes(logDir, topic, p), 0);
    progress(`${name}: ${formatNumber(movedBytes / MiB, 1)} MB moved to broker ${newBrokerId} in ${formatNumber(elapsedMs / 1000, 2)} s = ${formatNumber(mbPerSec(movedBytes, elapsedMs), 1)} MB/s`);
    return {
      name, throttleBytesPerSec, partitions: o.partitions, movedBytes, elapsedMs, failures: producer.failures,
      before: { ...before.recorder.summary(), records: before.records },
      during: { ...during.recorder.summary(), records: during.records },
    };
  } finally {
    await producer.stop();
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as ReassignOptions;
  return withBenchCluster({ name: 'reassign', zkBasePort: 23930, brokers: newBrokerId, startedBrokers: brokersAtStart }, progress, async (cluster) => {
    const zkClient = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    try {
      const rounds = [
        await oneRound('no throttle', undefined, cluster, zkClient, o, progress),
        await oneRound(`throttle ${o.throttle} MB/s`, Math.round(o.throttle * MiB), cluster, zkClient, o, progress),
      ];
      return report(rounds, o);
    } finally {
      await zkClient.close();
    }
  });
}

function report(rounds: readonly RoundResult[], o: ReassignOptions): BenchReport {
  const [free, throttled] = rounds;
  const ms = (us: number): string => formatNumber(us / 1000, 1);
  const mbps = (r: RoundResult): number => mbPerSec(r.movedBytes, r.elapsedMs);
  return {
    benchmark: 'reassign',
    parameters: {
      brokers: `${brokersAtStart}+1`, replicationFactor: 2, partitions: o.partitions, loadMb: o.loadMb, throttleMBps: o.throttle,
      producerRate: o.rate, recordBytes: o.recordBytes, baselineMs: o.baselineMs, acks: 'all',
    },
    tables: [
      {
        title: `moving every partition's follower to broker ${newBrokerId} (${o.loadMb} MB loaded per topic)`,
        columns: [
          { title: 'move' }, { title: 'partitions', align: 'right' }, { title: 'MB moved', align: 'right' }, { title: 'seconds', align: 'right' },
          { title: 'MB/s', align: 'right' }, { title: 'of throttle', align: 'right' },
        ],
        rows: rounds.map((r) => [
          r.name, r.partitions, formatNumber(r.movedBytes / MiB, 1), formatNumber(r.elapsedMs / 1000, 2), formatNumber(mbps(r), 1),
          r.throttleBytesPerSec === undefined ? '-' : `${formatNumber((100 * mbps(r) * MiB) / r.throttleBytesPerSec, 0)}%`,
        ]),
      },
      {
        title: `producer latency, acks=all, ${o.rate} records/s of ${o.recordBytes} bytes to the moving topic (ms)`,
        columns: [
          { title: 'move' }, { title: 'window' }, { title: 'records', align: 'right' }, { title: 'p50', align: 'right' }, { title: 'p99', align: 'right' },
          { title: 'p99.9', align: 'right' }, { title: 'max', align: 'right' },
        ],
        rows: rounds.flatMap((r) => ([['before the move', r.before], ['during the move', r.during]] as const).map(([window, l]) => [
          r.name, window, l.records, ms(l.p50Us), ms(l.p99Us), ms(l.p999Us), ms(l.maxUs),
        ])),
      },
    ],
    figures: {
      unthrottledMBps: mbps(free),
      throttledMBps: mbps(throttled),
      throttleMBps: o.throttle,
      unthrottledSeconds: free.elapsedMs / 1000,
      throttledSeconds: throttled.elapsedMs / 1000,
      unthrottledMovedMB: free.movedBytes / MiB,
      throttledMovedMB: throttled.movedBytes / MiB,
      unthrottledP99BeforeMs: free.before.p99Us / 1000,
      unthrottledP99DuringMs: free.during.p99Us / 1000,
      throttledP99BeforeMs: throttled.before.p99Us / 1000,
      throttledP99DuringMs: throttled.during.p99Us / 1000,
      producerFailures: free.failures + throttled.failures,
    },
    notes: [
      `Each round: a new topic of ${o.partitions} partitions, replicas [b, b+1] over brokers 1-${brokersAtStart}, loaded with ${o.loadMb} MB of ${loadValueBytes}-byte values; `
        + `the plan replaces every follower by broker ${newBrokerId}, so broker ${newBrokerId} copies the whole topic. Time: from executing the plan (throttle set first) to the first verify (polled every ${verifyIntervalMs} ms) with no partition in progress.`,
      'MB moved: the new replicas\' log segment bytes on disk once verify says done (what was loaded, the producer\'s records during the move, and batch headers).',
      `The throttle is Kafka's: leader.replication.throttled.rate and follower.replication.throttled.rate on every broker of a moving partition, the moving replicas listed in the topic's throttled-replica configs; broker ${newBrokerId} fetches every moving partition, so its follower rate bounds the move.`,
      `Latency windows: before = ${o.baselineMs} ms just before the plan is executed (after a 1 s warm-up), during = from executing it to verify done. acks=all waits for the ISR, which a new replica joins only once caught up, so what the move costs a producer is the leaders' extra reads and sends and the CPU it takes.`,
      `Producer sends that failed: ${free.failures + throttled.failures}.`,
    ],
  };
}

export const reassignBenchmark: Benchmark = {
  name: 'reassign',
  description: 'MB/s a reassignment moves to a new broker, with and without a throttle, and producer latency during the move vs before',
  defineOptions(command: Command): void {
    command
      .option('--load-mb <MB>', 'MB loaded into each round\'s topic before the move', parseCount, 64)
      .option('--partitions <n>', 'partitions of each round\'s topic (each moves one replica to the new broker)', parseCount, 4)
      .option('--throttle <MB/s>', 'the throttle of the second round (whole MB/s)', parseCount, 10)
      .option('--rate <records/s>', 'the steady producer\'s rate', parseCount, 500)
      .option('--record-bytes <n>', 'the steady producer\'s value size', parseCount, 100)
      .option('--baseline-ms <ms>', 'the window of producer latency before the move', parseCount, 5_000);
  },
  run,
};
