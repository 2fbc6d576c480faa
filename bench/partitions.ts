/**
 * `npm run bench -- partitions`: how a cluster's cost grows with its partition count (issue 24).
 * For each count in --partitions, fresh local clusters of three brokers each get one topic of that
 * many partitions, replication factor 3 (every broker hosts every partition). The first measures
 * the time CreateTopics takes to answer and until every partition is led with its whole ISR (Metadata
 * polled), each broker's open descriptors and RSS (and RSS per partition replica against the same
 * broker before the topic), produce throughput with records spread over every partition against
 * a 6-partition topic beside it, and the time until every partition is led again after a SIGKILL
 * of a broker that is not the controller. The second times the same after a SIGKILL of the
 * controller; the third a controlled shutdown (SIGTERM) of a broker that leads about a third.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import { Producer } from '../src/client/producer';
import { formatNumber } from '../src/cli/format';
import type { LocalCluster } from '../src/local/local-cluster';
import { waitFor } from '../src/common/wait';
import { randomPayload } from './client-bench';
import { quietLogger, withBenchCluster } from './bench-cluster';
import { elapsedMsSince, median, parseCount, parseCountList, parseListOf, type Benchmark, type Progress } from './harness';
import { partitionsChartSvg } from './partitions-chart';
import { machineInfo, type BenchReport } from './report';

interface PartitionsOptions {
  partitions: number[];
  sessionTimeoutMs: number;
  records: number;
  recordSize: number;
  phases: Phase[];
  zkBasePort: number;
  svg?: string;
}

/** The three fresh clusters of a count, each a phase --phases may pick. */
const phases = ['create', 'controller', 'shutdown'] as const;
type Phase = (typeof phases)[number];

interface BrokerCost {
  fds: number;
  rssMb: number;
}

/** The first cluster's figures: creation, cost, throughput, then a SIGKILL of a broker that is not the controller. */
interface CreationFigures {
  createMs: number;
  allLedMs: number;
  /** Each broker once every partition is led. */
  brokers: BrokerCost[];
  /** The median over the brokers of (RSS led - RSS before the topic) / partitions, in KiB. */
  rssKibPerReplica: number;
  /** Undefined when a step did not finish in time (the reason among the count's failures). */
  produceAllRps: number | undefined;
  produceSixRps: number | undefined;
  ledAgainAfterKillMs: number | undefined;
}

interface ShutdownFigures {
  /** Leaderships of the broker stopped by SIGTERM, when it was stopped. */
  leaderships: number;
  exitMs: number;
  /** From SIGTERM until it has exited and every partition is led by another broker. */
  ledElsewhereMs: number;
}

/** One count's figures, each phase's undefined when it did not finish (the reason in failures). */
interface CountResult {
  partitions: number;
  creation: CreationFigures | undefined;
  ledAgainAfterControllerKillMs: number | undefined;
  shutdown: ShutdownFigures | undefined;
  failures: string[];
}

const brokers = 3;
const topic = 'many';
/** The topic of the same run's produce baseline: Kafka's usual handful of partitions. */
const sixTopic = 'six';
const sixPartitions = 6;
/** How long any one step may take before the run gives up. */
const stepTimeoutMs = 120_000;

/** Open descriptors and resident memory of process `pid`, from /proc. */
function processCost(pid: number): BrokerCost {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { fds: fs.readdirSync(`/proc/${pid}/fd`).length, rssMb: rssKb / 1024 };
}

type PartitionLeadership = { partition: number; leader: number; isr: number[] };

/** Polls Metadata until `led` holds for every partition of `name`; resolves with the last answer. */
async function untilEveryPartition(
  admin: Admin, name: string, count: number, led: (p: PartitionLeadership) => boolean, message: string,
): Promise<PartitionLeadership[]> {
  let last = 'no answer yet';
  return waitFor(async () => {
    try {
      const partitions = (await admin.describeTopics([name]))[0]?.partitions ?? [];
      const waiting = partitions.filter((p) => !led(p));
      last = `${partitions.length} partitions known, ${waiting.length} not yet (first: ${JSON.stringify(waiting[0])})`;
      return partitions.length === count && waiting.length === 0 ? partitions : undefined;
    } catch (err) {
      // A broker just killed, or a topic not yet in the metadata: ask again.
      last = (err as Error).message;
      return undefined;
    }
  }, { timeoutMs: stepTimeoutMs, intervalMs: 250, message: () => `${message} (last: ${last})` });
}

/** CreateTopics waits for the leaders up to stepTimeoutMs: the request must not time out (and be sent again) first. */
function benchAdmin(bootstrapServers: string): Admin {
  return new Admin({ bootstrapServers, logger: quietLogger, requestTimeoutMs: stepTimeoutMs + 30_000 });
}

async function withAdmin<T>(bootstrapServers: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = benchAdmin(bootstrapServers);
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

const fullyLed = (p: PartitionLeadership): boolean => p.leader >= 1 && p.isr.length === brokers;

/** Creates `name` and waits until every partition is led with a full ISR: both times from the request. */
async function createLed(admin: Admin, name: string, count: number): Promise<{ createMs: number; allLedMs: number; partitions: PartitionLeadership[] }> {
  const startNs = process.hrtime.bigint();
  await admin.createTopics([{ name, numPartitions: count, replicationFactor: brokers }], { timeoutMs: stepTimeoutMs });
  const createMs = elapsedMsSince(startNs);
  const partitions = await untilEveryPartition(admin, name, count, fullyLed, `all ${count} partitions of ${name} led with a full ISR`);
  return { createMs, allLedMs: elapsedMsSince(startNs), partitions };
}

/** The bootstrap list of every running broker but `id`. */
function othersBootstrap(cluster: LocalCluster, id: number): string {
  return cluster.brokers().filter((b) => b.running && b.id !== id).map((b) => `${b.host}:${b.port}`).join(',');
}

/** ms from `sentNs` until Metadata from the other brokers shows no partition led by `victim`. */
async function untilLedElsewhere(cluster: LocalCluster, victim: number, count: number, sentNs: bigint): Promise<number> {
  await withAdmin(othersBootstrap(cluster, victim), (admin) =>
    untilEveryPartition(admin, topic, count, (p) => p.leader >= 1 && p.leader !== victim, `every partition led by a broker other than ${victim}`));
  return elapsedMsSince(sentNs);
}

/**
 * Records per second of acks=all sends of `records` records spread evenly over every partition
 * (record i to partition i mod count), after one untimed record per partition (metadata and
 * connections warm).
 */
async function produceSpread(bootstrapServers: string, name: string, count: number, o: PartitionsOptions): Promise<number> {
  const producer = new Producer({ bootstrapServers, acks: 'all', lingerMs: 5, deliveryTimeoutMs: stepTimeoutMs, logger: quietLogger, clientId: 'bench-partitions' });
  const payload = randomPayload(o.recordSize);
  let failed: Error | undefined;
  const send = (i: number): void => void producer.send({ topic: name, partition: i % count, value: payload }).catch((err: Error) => (failed ??= err));
  try {
    for (let i = 0; i < count; i++) send(i);
    await producer.flush();
    const startNs = process.hrtime.bigint();
    for (let i = 0; i < o.records && !failed; i++) {
      send(i);
      // Stops at the first failed send (a record past its delivery timeout): with partitions that
      // refuse every write, each wait for room would otherwise wait out another record's timeout.
      if (i % 256 === 255) await producer.waitForRoom();
    }
    await producer.flush();
    const elapsedMs = elapsedMsSince(startNs);
    if (failed) throw new Error(`a send to ${name} failed: ${failed.message}`);
    return o.records / (elapsedMs / 1000);
  } finally {
    await producer.close();
  }
}

/** A broker that is not the controller, and the number of partitions it leads. */
function nonController(partitions: PartitionLeadership[], controller: number | undefined): { id: number; leaderships: number } {
  const id = [1, 2, 3].find((b) => b !== controller) as number;
  return { id, leaderships: partitions.filter((p) => p.leader === id).length };
}

/** Kills every broker still running: the cluster's clean stop would shut each down under thousands of partitions. */
async function killAll(cluster: LocalCluster): Promise<void> {
  for (const b of cluster.brokers().filter((x) => x.running)) await cluster.stopBroker(b.id, 'SIGKILL');
}

type PhaseBody<T> = (cluster: LocalCluster) => Promise<T>;

async function onFreshCluster<T>(count: number, what: string, o: PartitionsOptions, progress: Progress, body: PhaseBody<T>): Promise<T> {
  const clusterOptions = { name: `partitions-${count}-${what}`, zkBasePort: o.zkBasePort, brokers, overrides: { 'zookeeper.session.timeout.ms': String(o.sessionTimeoutMs) } };
  return withBenchCluster(clusterOptions, progress, async (cluster) => {
    try {
      return await body(cluster);
    } finally {
      await killAll(cluster);
    }
  });
}

async function creationAndKill(count: number, cluster: LocalCluster, o: PartitionsOptions, progress: Progress, failures: string[]): Promise<CreationFigures> {
  const pids = cluster.brokers().map((b) => b.pid as number);
  const before = pids.map(processCost);
  return withAdmin(cluster.bootstrapServers, async (admin) => {
    progress(`${count} partitions: creating the topic`);
    const { createMs, allLedMs, partitions } = await createLed(admin, topic, count);
    const costs = pids.map(processCost);
    const rssKibPerReplica = median(costs.map((c, i) => ((c.rssMb - before[i].rssMb) * 1024) / count));
    progress(`${count} partitions: all led in ${formatNumber(allLedMs, 0)} ms; producing over all of them, then over ${sixPartitions}`);
    // A step past its deadline is noted and the next still measured: on a loaded machine thousands of partitions may churn.
    const step = async <T>(what: string, body: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await body();
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
        progress(`${count} partitions: ${what} failed: ${(err as Error).message}`);
        return undefined;
      }
    };
    const produceAllRps = await step('produce', () => produceSpread(cluster.bootstrapServers, topic, count, o));
    const produceSixRps = await step(`produce over ${sixPartitions}`, async () => {
      await createLed(admin, sixTopic, sixPartitions);
      return produceSpread(cluster.bootstrapServers, sixTopic, sixPartitions, o);
    });
    const ledAgainAfterKillMs = await step('SIGKILL of a broker', async () => {
      const victim = nonController(partitions, await cluster.controllerId());
      progress(`${count} partitions: SIGKILL of broker ${victim.id} (leads ${victim.leaderships})`);
      const killNs = process.hrtime.bigint();
      await cluster.stopBroker(victim.id, 'SIGKILL');
      return untilLedElsewhere(cluster, victim.id, count, killNs);
    });
    return { createMs, allLedMs, brokers: costs, rssKibPerReplica, produceAllRps, produceSixRps, ledAgainAfterKillMs };
  });
}

/**
 * Waits until each broker's own Metadata shows every partition led with a full ISR: the cluster
 * settled, every broker's metadata cache current (the answer of one broker says nothing of the others').
 */
async function untilEveryBrokerSeesLed(cluster: LocalCluster, count: number): Promise<void> {
  for (const b of cluster.brokers().filter((x) => x.running)) {
    await withAdmin(`${b.host}:${b.port}`, (admin) => untilEveryPartition(admin, topic, count, fullyLed, `broker ${b.id}'s metadata: all ${count} partitions led with a full ISR`));
  }
}

async function controllerKill(count: number, cluster: LocalCluster, progress: Progress): Promise<number> {
  await withAdmin(cluster.bootstrapServers, (admin) => createLed(admin, topic, count));
  // Killed right after one broker showed the topic led, the controller left others that had not heard (a failover of a cluster still settling).
  await untilEveryBrokerSeesLed(cluster, count);
  const controller = await cluster.controllerId() as number;
  progress(`${count} partitions: SIGKILL of the controller, broker ${controller}, at ${new Date().toISOString()}`);
  const killNs = process.hrtime.bigint();
  await cluster.stopBroker(controller, 'SIGKILL');
  return untilLedElsewhere(cluster, controller, count, killNs);
}

async function controlledShutdown(count: number, cluster: LocalCluster, progress: Progress): Promise<ShutdownFigures> {
  const { partitions } = await withAdmin(cluster.bootstrapServers, (admin) => createLed(admin, topic, count));
  const victim = nonController(partitions, await cluster.controllerId());
  progress(`${count} partitions: controlled shutdown (SIGTERM) of broker ${victim.id}, leading ${victim.leaderships}`);
  const termNs = process.hrtime.bigint();
  const [exitMs, ledElsewhereMs] = await Promise.all([
    cluster.stopBroker(victim.id, 'SIGTERM').then(() => elapsedMsSince(termNs)),
    untilLedElsewhere(cluster, victim.id, count, termNs),
  ]);
  return { leaderships: victim.leaderships, exitMs, ledElsewhereMs: Math.max(exitMs, ledElsewhereMs) };
}

async function oneCount(count: number, o: PartitionsOptions, progress: Progress): Promise<CountResult> {
  const failures: string[] = [];
  // A phase past its deadline (at a count the machine cannot lead in time) is reported, and the others still run.
  const phase = async <T>(what: Phase, body: PhaseBody<T>): Promise<T | undefined> => {
    if (!o.phases.includes(what)) return undefined;
    try {
      return await onFreshCluster(count, what, o, progress, body);
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
      progress(`${count} partitions: ${what} failed: ${(err as Error).message}`);
      return undefined;
    }
  };
  const creation = await phase('create', (cluster) => creationAndKill(count, cluster, o, progress, failures));
  // Where the topic could not even be led, the other phases, each creating it again, would only wait out their deadlines too.
  if (!creation && o.phases.includes('create')) return { partitions: count, creation, ledAgainAfterControllerKillMs: undefined, shutdown: undefined, failures: [...failures, 'controller, shutdown: not tried'] };
  const ledAgainAfterControllerKillMs = await phase('controller', (cluster) => controllerKill(count, cluster, progress));
  const shutdown = await phase('shutdown', (cluster) => controlledShutdown(count, cluster, progress));
  const result = { partitions: count, creation, ledAgainAfterControllerKillMs, shutdown, failures };
  // Said as each count ends, so that a long run's earlier counts are not lost to a later one.
  progress(`${count} partitions done: ${JSON.stringify(result)}`);
  return result;
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as PartitionsOptions;
  // The 1-minute load average before and after: on a shared machine, what the times were taken under.
  const loadStart = os.loadavg()[0];
  const results: CountResult[] = [];
  for (const count of o.partitions) results.push(await oneCount(count, o, progress));
  const result = report(results, o, [loadStart, os.loadavg()[0]]);
  if (o.svg) writeChart(o.svg, result, o);
  return result;
}

function writeChart(file: string, result: BenchReport, o: PartitionsOptions): void {
  const machine = machineInfo();
  fs.writeFileSync(file, partitionsChartSvg(result.figures, o.partitions, [
    `npm run bench -- partitions --partitions ${o.partitions.join(',')}: 3 brokers, RF 3, zookeeper.session.timeout.ms ${o.sessionTimeoutMs}; ${machine.date.slice(0, 16)}Z`,
    `${machine.cpuModel}, ${machine.cpuCores} cores; 1-minute load average ${formatNumber(result.figures.loadAverageStart, 1)} at the start, ${formatNumber(result.figures.loadAverageEnd, 1)} at the end`,
  ]));
}

function report(results: CountResult[], o: PartitionsOptions, [loadAverageStart, loadAverageEnd]: [number, number]): BenchReport {
  const missing = (phase: Phase): string => (o.phases.includes(phase) ? 'failed' : 'not run');
  const cell = (v: number | undefined, digits = 0, phase: Phase = 'create'): string => (v === undefined ? missing(phase) : formatNumber(v, digits));
  const perBroker = (c: CreationFigures | undefined, pick: (b: BrokerCost) => number): string => c?.brokers.map((b) => formatNumber(pick(b), 0)).join(' / ') ?? missing('create');
  const figures: Record<string, number> = { sessionTimeoutMs: o.sessionTimeoutMs, loadAverageStart, loadAverageEnd };
  const failures: Record<string, string[]> = {};
  for (const { partitions: n, creation: c, ledAgainAfterControllerKillMs, shutdown, failures: failed } of results) {
    const named: Record<string, number | undefined> = {
      createMs: c?.createMs,
      allLedMs: c?.allLedMs,
      ledAgainAfterKillMs: c?.ledAgainAfterKillMs,
      ledAgainAfterControllerKillMs,
      controlledShutdownMs: shutdown?.ledElsewhereMs,
      controlledShutdownExitMs: shutdown?.exitMs,
      controlledShutdownLeaderships: shutdown?.leaderships,
      maxFds: c && Math.max(...c.brokers.map((b) => b.fds)),
      maxRssMb: c && Math.max(...c.brokers.map((b) => b.rssMb)),
      rssKibPerReplica: c?.rssKibPerReplica,
      produceAllRps: c?.produceAllRps,
      produceSixRps: c?.produceSixRps,
    };
    for (const [name, value] of Object.entries(named)) if (value !== undefined) figures[`${name}_${n}`] = value;
    if (failed.length > 0) failures[n] = failed;
  }
  return {
    benchmark: 'partitions',
    parameters: {
      brokers, replicationFactor: brokers, partitions: o.partitions.join(','), sessionTimeoutMs: o.sessionTimeoutMs, records: o.records, recordSize: o.recordSize,
    },
    tables: [{
      title: `one topic, RF ${brokers}, on ${brokers} brokers (every broker hosts every partition)`,
      columns: [
        { title: 'partitions', align: 'right' }, { title: 'CreateTopics ms', align: 'right' }, { title: 'all led ms', align: 'right' },
        { title: 'open fds per broker', align: 'right' }, { title: 'RSS MB per broker', align: 'right' }, { title: 'KiB RSS per replica', align: 'right' },
      ],
      rows: results.map(({ partitions: n, creation: c }) => [
        formatNumber(n, 0), cell(c?.createMs), cell(c?.allLedMs), perBroker(c, (b) => b.fds), perBroker(c, (b) => b.rssMb), cell(c?.rssKibPerReplica, 1),
      ]),
    }, {
      title: 'leadership moves, each on a fresh cluster of the same topic',
      columns: [
        { title: 'partitions', align: 'right' }, { title: 'led again after SIGKILL of a broker ms', align: 'right' },
        { title: 'of the controller ms', align: 'right' }, { title: 'controlled shutdown ms', align: 'right' },
        { title: '(its exit ms)', align: 'right' }, { title: '(leaderships it had)', align: 'right' },
      ],
      rows: results.map(({ partitions: n, creation: c, ledAgainAfterControllerKillMs, shutdown }) => [
        formatNumber(n, 0), cell(c?.ledAgainAfterKillMs), cell(ledAgainAfterControllerKillMs, 0, 'controller'),
        cell(shutdown?.ledElsewhereMs, 0, 'shutdown'), cell(shutdown?.exitMs, 0, 'shutdown'), cell(shutdown?.leaderships, 0, 'shutdown'),
      ]),
    }, {
      title: `produce, acks=all, ${formatNumber(o.records, 0)} records of ${o.recordSize} bytes spread evenly over the partitions`,
      columns: [
        { title: 'partitions', align: 'right' }, { title: 'records/s over all', align: 'right' },
        { title: `records/s over ${sixPartitions}`, align: 'right' }, { title: 'ratio', align: 'right' },
      ],
      rows: results.map(({ partitions: n, creation: c }) => [formatNumber(n, 0), cell(c?.produceAllRps), cell(c?.produceSixRps), cell(c?.produceAllRps && c.produceSixRps && c.produceAllRps / c.produceSixRps, 2)]),
    }],
    figures,
    structured: Object.keys(failures).length > 0 ? { failures } : undefined,
    notes: [
      'CreateTopics ms: until the answer, which comes once the controller has written the assignment and the partitions have leaders in the answering broker\'s metadata (Kafka\'s timeoutMs wait).',
      'all led ms: from the request until Metadata (polled every 250 ms) shows every partition with a leader and all three replicas in its ISR.',
      'open fds and RSS: each broker once every partition is led, read from /proc/<pid>; segment files count only as far as log.max.open.files lets them stay open. RSS per replica: the median over the brokers of the growth since before the topic, divided by the partition count.',
      `led again after SIGKILL: from the kill of a broker that is not the controller (or of the controller, on a second cluster) until Metadata from the others shows no partition led by it; its floor is about zookeeper.session.timeout.ms (${o.sessionTimeoutMs}), counted by ZooKeeper from the dead broker's last heartbeat.`,
      'controlled shutdown (a third cluster): from SIGTERM of a broker that is not the controller until it has exited and Metadata from the others shows no partition led by it.',
      `produce: one producer (linger.ms 5, batch.size 16384, acks=all), record i to partition i mod N, after one untimed record per partition; the ${sixPartitions}-partition topic lives on the same cluster beside the big one.`,
      `load average (1 minute) ${formatNumber(loadAverageStart, 1)} at the start, ${formatNumber(loadAverageEnd, 1)} at the end: on a shared machine the times grow with it.`,
      ...results.flatMap((r) => r.failures.map((f) => `${formatNumber(r.partitions, 0)} partitions, ${f}`)),
    ],
  };
}

export const partitionsBenchmark: Benchmark = {
  name: 'partitions',
  description: 'topic creation, leadership, failover, controlled shutdown, descriptors, memory and produce throughput of 3 brokers against the partition count (RF 3)',
  defineOptions(command: Command): void {
    command
      .option('--partitions <list>', 'partition counts to measure, fresh clusters each', parseCountList('partition counts'), [1_000, 5_000, 10_000])
      .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms (the broker\'s default)', parseCount, 6_000)
      .option('--records <n>', 'records of each produce run', parseCount, 30_000)
      .option('--record-size <bytes>', 'bytes of each record\'s value', parseCount, 100)
      .option('--phases <list>', `the fresh clusters to run, of ${phases.join(',')} (create: creation, cost, produce and a broker's SIGKILL; controller: the controller's SIGKILL; shutdown: a controlled shutdown)`, parseListOf(phases, 'phase'), [...phases])
      .option('--zk-base-port <port>', 'where to look for a free port for the local ZooKeeper', parseCount, 23_930)
      .option('--svg <file>', 'also draw each figure against the partition count, with Kafka\'s published figures, as an SVG chart');
  },
  run,
};
