/**
 * `npm run bench -- partitions`: how a cluster's cost grows with its partition count (issue 24).
 * For each count in --partitions, a fresh local cluster of three brokers gets one topic of that
 * many partitions, replication factor 3: the time CreateTopics takes to answer, the time until
 * every partition is led with its whole ISR (Metadata polled), each broker's open file
 * descriptors and RSS once idle, and the time until every partition is led again after a SIGKILL
 * of a broker that is not the controller (the floor is the ZooKeeper session timeout).
 */
import * as fs from 'fs';
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import { formatNumber } from '../src/cli/format';
import type { LocalCluster } from '../src/local/local-cluster';
import { waitFor } from '../src/common/wait';
import { quietLogger, withBenchCluster } from './bench-cluster';
import { elapsedMsSince, type Benchmark, type Progress } from './harness';
import type { BenchReport } from './report';

interface PartitionsOptions {
  partitions: number[];
  sessionTimeoutMs: number;
}

interface BrokerCost {
  fds: number;
  rssMb: number;
}

interface CountResult {
  partitions: number;
  createMs: number;
  allLedMs: number;
  brokers: BrokerCost[];
  ledAgainAfterKillMs: number;
}

const brokers = 3;
const topic = 'many';
/** How long any one step may take before the run gives up. */
const stepTimeoutMs = 120_000;

/** Open descriptors and resident memory of process `pid`, from /proc. */
function processCost(pid: number): BrokerCost {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { fds: fs.readdirSync(`/proc/${pid}/fd`).length, rssMb: rssKb / 1024 };
}

/** Polls Metadata until `led` holds for every partition of the topic. */
async function untilEveryPartition(admin: Admin, count: number, led: (p: { leader: number; isr: number[] }) => boolean, message: string): Promise<void> {
  let last = 'no answer yet';
  await waitFor(async () => {
    try {
      const partitions = (await admin.describeTopics([topic]))[0]?.partitions ?? [];
      const waiting = partitions.filter((p) => !led(p));
      last = `${partitions.length} partitions known, ${waiting.length} not yet (first: ${JSON.stringify(waiting[0])})`;
      return partitions.length === count && waiting.length === 0;
    } catch (err) {
      // A broker just killed, or a topic not yet in the metadata: ask again.
      last = (err as Error).message;
      return false;
    }
  }, { timeoutMs: stepTimeoutMs, intervalMs: 250, message: () => `${message} (last: ${last})` });
}

async function oneCount(count: number, cluster: LocalCluster, progress: Progress): Promise<CountResult> {
  // CreateTopics waits for the leaders up to stepTimeoutMs: the request must not time out (and be sent again) first.
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, logger: quietLogger, requestTimeoutMs: stepTimeoutMs + 30_000 });
  try {
    progress(`${count} partitions: creating the topic`);
    const startNs = process.hrtime.bigint();
    await admin.createTopics([{ name: topic, numPartitions: count, replicationFactor: brokers }], { timeoutMs: stepTimeoutMs });
    const createMs = elapsedMsSince(startNs);
    await untilEveryPartition(admin, count, (p) => p.leader >= 1 && p.isr.length === brokers, `all ${count} partitions led with a full ISR`);
    const allLedMs = elapsedMsSince(startNs);
    const costs = cluster.brokers().map((b) => processCost(b.pid as number));
    const controller = await cluster.controllerId();
    const victim = cluster.brokers().map((b) => b.id).find((id) => id !== controller) as number;
    progress(`${count} partitions: all led in ${formatNumber(allLedMs, 0)} ms; SIGKILL of broker ${victim}`);
    const killNs = process.hrtime.bigint();
    await cluster.stopBroker(victim, 'SIGKILL');
    const survivors = new Admin({ bootstrapServers: cluster.bootstrapServers, logger: quietLogger });
    try {
      await untilEveryPartition(survivors, count, (p) => p.leader >= 1 && p.leader !== victim, `every partition led by a broker other than ${victim}`);
    } finally {
      await survivors.close();
    }
    return { partitions: count, createMs, allLedMs, brokers: costs, ledAgainAfterKillMs: elapsedMsSince(killNs) };
  } finally {
    await admin.close();
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as PartitionsOptions;
  const results: CountResult[] = [];
  for (const count of o.partitions) {
    const clusterOptions = { name: `partitions-${count}`, zkBasePort: 23930, brokers, overrides: { 'zookeeper.session.timeout.ms': String(o.sessionTimeoutMs) } };
    results.push(await withBenchCluster(clusterOptions, progress, (cluster) => oneCount(count, cluster, progress)));
  }
  return report(results, o);
}

function report(results: CountResult[], o: PartitionsOptions): BenchReport {
  const ms = (v: number): string => formatNumber(v, 0);
  const perBroker = (r: CountResult, pick: (c: BrokerCost) => number): string => r.brokers.map((c) => formatNumber(pick(c), 0)).join(' / ');
  const figures: Record<string, number> = { sessionTimeoutMs: o.sessionTimeoutMs };
  for (const r of results) {
    figures[`createMs_${r.partitions}`] = r.createMs;
    figures[`allLedMs_${r.partitions}`] = r.allLedMs;
    figures[`ledAgainAfterKillMs_${r.partitions}`] = r.ledAgainAfterKillMs;
    figures[`maxFds_${r.partitions}`] = Math.max(...r.brokers.map((c) => c.fds));
    figures[`maxRssMb_${r.partitions}`] = Math.max(...r.brokers.map((c) => c.rssMb));
  }
  return {
    benchmark: 'partitions',
    parameters: { brokers, replicationFactor: brokers, partitions: o.partitions.join(','), sessionTimeoutMs: o.sessionTimeoutMs },
    tables: [{
      title: `one topic, RF ${brokers}, on ${brokers} brokers (every broker hosts every partition)`,
      columns: [
        { title: 'partitions', align: 'right' }, { title: 'CreateTopics ms', align: 'right' }, { title: 'all led ms', align: 'right' },
        { title: 'led again after SIGKILL ms', align: 'right' }, { title: 'open fds per broker', align: 'right' }, { title: 'RSS MB per broker', align: 'right' },
      ],
      rows: results.map((r) => [
        formatNumber(r.partitions, 0), ms(r.createMs), ms(r.allLedMs), ms(r.ledAgainAfterKillMs), perBroker(r, (c) => c.fds), perBroker(r, (c) => c.rssMb),
      ]),
    }],
    figures,
    notes: [
      'CreateTopics ms: until the answer, which comes once the controller has written the assignment and the partitions have leaders in the answering broker\'s metadata (Kafka\'s timeoutMs wait).',
      'all led ms: from the request until Metadata (polled every 250 ms) shows every partition with a leader and all three replicas in its ISR.',
      `led again after SIGKILL: from the kill of a broker that is not the controller until Metadata from the others shows no partition led by it; its floor is about zookeeper.session.timeout.ms (${o.sessionTimeoutMs}), counted by ZooKeeper from the dead broker's last heartbeat.`,
      'open fds and RSS: each broker once every partition is led, read from /proc/<pid>; segment files count only as far as log.max.open.files lets them stay open.',
    ],
  };
}

function parseCounts(value: string): number[] {
  const counts = value.split(',').map((v) => Number(v.trim()));
  if (counts.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new Error(`expected partition counts separated by commas, got "${value}"`);
  return counts;
}

export const partitionsBenchmark: Benchmark = {
  name: 'partitions',
  description: 'topic creation, leadership, failover, descriptors and memory of 3 brokers against the partition count (RF 3)',
  defineOptions(command: Command): void {
    command
      .option('--partitions <list>', 'partition counts to measure, a fresh cluster each', parseCounts, [1_000, 5_000, 10_000])
      .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms (the broker\'s default)', (v: string) => parseCounts(v)[0], 6_000);
  },
  run,
};
