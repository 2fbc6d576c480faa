/**
 * `npm run bench -- produce`: one producer sends --records records of --record-size random bytes
 * as fast as the brokers take them (kafka-producer-perf-test with --throughput -1), through the
 * ordinary `send` API: a promise per record, a loop that awaits `waitForRoom` when the 32 MiB
 * buffer is full. Send-to-ack latency is sampled on every 1000th record. --warmup-records are sent
 * first, untimed (the JIT of the client and of every broker warming up, as e2e leaves out its
 * first records; Kafka's 2014 runs of 50 million records made it negligible). At the end the
 * topic's end offsets are summed to check that every record arrived. --compare-single measures a
 * one-broker, unreplicated, acks=1 baseline in the same run (replication's cost, as Kafka's 2014
 * figures show it); --runs repeats the pair and reports the medians, since a shared 2-core machine
 * moves either figure by a fifth from one run to the next. --security sasl_ssl measures a cluster
 * with SASL_SSL listeners only (as `cluster up --secure` starts it) and pairs each run with the
 * same settings over PLAINTEXT, alternating which goes first: what TLS and SASL cost Josef.
 *
 * batch.size follows Kafka's 2014 runs unless --batch-size says otherwise: 64000 with acks=all
 * (its "3x synchronous replication" run, 421,823 records/s), Kafka's default 16384 otherwise. The
 * baseline uses --baseline-batch-size, 16384 by default: a larger batch than the 8196 of Kafka's
 * unreplicated run (821,557 records/s), and a faster one here, so the comparison is the stricter.
 * acks=all needs the larger batch because its throughput is bounded by the bytes in flight: at
 * most max.in.flight.requests.per.connection (5) requests per broker, each with one batch per
 * partition, every one waiting for the followers' next fetch.
 */
import type { Command, OptionValues } from 'commander';
import { Consumer } from '../src/client/consumer';
import { Producer } from '../src/client/producer';
import type { ClientSecurity } from '../src/client/client-security';
import { formatNumber } from '../src/cli/format';
import {
  benchCluster, type BenchCluster, benchParameters, clientOptions, createBenchTopic, DEFAULT_BATCH_SIZE, defineClientOptions, quietLogger, randomPayload, replicationFactorOf,
  type ClientBenchOptions,
} from './client-bench';
import { elapsedMsSince, LatencyRecorder, mbPerSec, median, MiB, parseCount, parseCountOrZero, processCpuMs, type Benchmark, type Progress } from './harness';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

/** batch.size of Kafka's 2014 run with 3x synchronous replication (acks=-1), the one issue 4's goal cites. */
export const ACKS_ALL_BATCH_SIZE = 64_000;

/** --batch-size when not given: Kafka 2014's for acks=all, Kafka's default otherwise. */
export function defaultBatchSize(acks: ClientBenchOptions['acks']): number {
  return acks === 'all' ? ACKS_ALL_BATCH_SIZE : DEFAULT_BATCH_SIZE;
}

/** Every this many records the loop lets the sender and the sockets work if the buffer is full. */
const roomCheckEvery = 256;
const latencySampleEvery = 1000;

export interface ProduceRun {
  elapsedMs: number;
  latency: LatencyRecorder;
  failed: number;
}

/** Sends `records` records of `payload` to `topic` through `send`; resolves after the last is acknowledged. */
export async function produceAll(producer: Producer, topic: string, payload: Buffer, records: number): Promise<ProduceRun> {
  const latency = new LatencyRecorder();
  let failed = 0;
  const onFailure = (): void => void failed++;
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    const sent = producer.send({ topic, value: payload });
    if (i % latencySampleEvery === 0) {
      const sentNs = process.hrtime.bigint();
      sent.then(() => latency.recordSince(sentNs), onFailure);
    }
    if (i % roomCheckEvery === roomCheckEvery - 1) await producer.waitForRoom();
  }
  await producer.flush();
  return { elapsedMs: elapsedMsSince(startNs), latency, failed };
}

/** The sum of the topic's end offsets: how many records it holds. */
export async function countRecords(bootstrapServers: string, topic: string, partitions: number, security?: ClientSecurity): Promise<number> {
  const consumer = new Consumer({ bootstrapServers, security, logger: quietLogger });
  try {
    const ends = await consumer.endOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    return [...ends.values()].reduce((a, b) => a + b, 0);
  } finally {
    await consumer.close();
  }
}

export function benchProducer(bootstrapServers: string, o: ClientBenchOptions, security?: ClientSecurity): Producer {
  return new Producer({ bootstrapServers, security, acks: o.acks, batchSize: o.batchSize, lingerMs: o.lingerMs, logger: quietLogger, clientId: 'bench-producer' });
}

export type ProduceBenchOptions = ClientBenchOptions & {
  warmupRecords: number;
  /** The measured cluster's listeners; PLAINTEXT when absent. */
  security?: BenchSecurity;
};

/**
 * Something that runs beside a measured run (the console and a metrics scraper, for console-cost):
 * started once the topic exists, before the warm-up, and stopped after the timed records.
 */
export type Alongside = (cluster: BenchCluster, topic: string) => Promise<() => Promise<void>>;

/** One measured run on its own cluster: what the report needs of it. */
export interface ProduceMeasurement {
  o: ProduceBenchOptions;
  run: ProduceRun;
  /** The sum of the partitions' high watermarks; undefined for acks=0 (not checked). */
  stored: number | undefined;
  /** CPU time (user + system) over the timed records: the brokers this run started (0 with --bootstrap-server), and this process (the producer). */
  brokerCpuMs: number;
  clientCpuMs: number;
}

/** Sends the records on a fresh cluster (with metrics.port on every broker when `alongside` needs it) and checks they all arrived. */
export async function measureProduce(o: ProduceBenchOptions, progress: Progress, alongside?: { metrics: boolean; start: Alongside }): Promise<ProduceMeasurement> {
  const cluster = await benchCluster(o, progress, { metrics: alongside?.metrics ?? false, secure: o.security === 'sasl_ssl' });
  try {
    const topic = await createBenchTopic(cluster, o, 'bench-produce');
    const producer = benchProducer(cluster.bootstrapServers, o, cluster.security);
    const payload = randomPayload(o.recordSize);
    const stopAlongside = await alongside?.start(cluster, topic);
    let run: ProduceRun;
    let cpu: { brokerCpuMs: number; clientCpuMs: number };
    try {
      await producer.send({ topic, value: payload }); // metadata and connections, outside the timing
      if (o.warmupRecords > 0) {
        progress(`warming up: ${formatNumber(o.warmupRecords, 0)} records, untimed`);
        const warmup = await produceAll(producer, topic, payload, o.warmupRecords);
        if (warmup.failed > 0) throw new Error(`${warmup.failed} of the ${o.warmupRecords} warm-up records failed`);
      }
      progress(`sending ${formatNumber(o.records, 0)} records of ${o.recordSize} bytes to ${topic} (acks=${o.acks}, replication factor ${cluster.replicationFactor})`);
      const brokerCpuBeforeMs = processCpuMs(cluster.brokerPids());
      const clientCpuBefore = process.cpuUsage();
      run = await produceAll(producer, topic, payload, o.records);
      const clientCpu = process.cpuUsage(clientCpuBefore);
      cpu = { brokerCpuMs: processCpuMs(cluster.brokerPids()) - brokerCpuBeforeMs, clientCpuMs: (clientCpu.user + clientCpu.system) / 1000 };
    } finally {
      await producer.close();
      await stopAlongside?.();
    }
    const stored = o.acks === 0 ? undefined : await countRecords(cluster.bootstrapServers, topic, o.partitions, cluster.security);
    return { o, run, stored, ...cpu };
  } finally {
    await cluster.stop();
  }
}

export function phaseOf(m: ProduceMeasurement, name: string): ThroughputPhase {
  return { name, bytes: m.o.records * m.o.recordSize, records: m.o.records, elapsedMs: m.run.elapsedMs, latency: m.run.latency.summary() };
}

export function storedNote(m: ProduceMeasurement, what: string): string {
  if (m.stored === undefined) return `${what}: acks=0, the topic was not checked.`;
  const sent = m.o.records + m.o.warmupRecords + 1;
  const verdict = m.stored === sent ? 'all arrived' : 'MISMATCH';
  return `${what}: consumers can read ${formatNumber(m.stored, 0)} records (the sum of the partitions' high watermarks; ${formatNumber(m.o.records, 0)} timed + ${formatNumber(m.o.warmupRecords + 1, 0)} warm-up): ${verdict}.`;
}

export const rate = (m: ProduceMeasurement): number => m.o.records / (m.run.elapsedMs / 1000);

/** CPU µs the brokers and the producer's process spent per timed record: what a side costs, less moved by a busy machine than its rate. */
export const brokerCpuUsPerRecord = (m: ProduceMeasurement): number => (m.brokerCpuMs * 1000) / m.o.records;
export const clientCpuUsPerRecord = (m: ProduceMeasurement): number => (m.clientCpuMs * 1000) / m.o.records;

/** --security: the listeners of the measured cluster. */
export type BenchSecurity = 'plaintext' | 'sasl_ssl';

export function parseSecurity(value: string): BenchSecurity {
  const security = value.toLowerCase();
  if (security === 'plaintext' || security === 'sasl_ssl') return security;
  throw new Error(`--security wants plaintext or sasl_ssl, got "${value}"`);
}

/**
 * What each run's measured cluster is compared with in the same run: --compare-single's
 * one-broker baseline, or --security sasl_ssl's twin on PLAINTEXT listeners with every other
 * setting the same.
 */
export interface Comparison {
  /** Names the other side in the JSON figures (baselineRecordsPerSec, vsPlaintextPercent) and notes. */
  key: 'baseline' | 'plaintext';
  /** Names the other side in progress lines and notes. */
  label: string;
  options: ProduceBenchOptions;
  /** Its row in the table; `suffix` tells runs apart. */
  phaseName(suffix: string): string;
  /** Whether run i (from 0) measures the measured cluster before the other side. */
  measuredFirst(i: number): boolean;
  notes: string[];
}

/** The comparison the options ask for, if any; --compare-single and --security sasl_ssl do not go together (one pair per run). */
export function comparisonOf(o: ProduceBenchOptions, compareSingle: boolean, baselineBatchSize: number): Comparison | undefined {
  const secured = o.security === 'sasl_ssl';
  if ((compareSingle || secured) && o.bootstrapServer !== undefined) {
    throw new Error(`${compareSingle ? '--compare-single' : '--security sasl_ssl'} starts its own clusters; it cannot be used with --bootstrap-server`);
  }
  if (compareSingle && secured) throw new Error('--compare-single and --security sasl_ssl each pair the measured run with another; give one of them');
  if (secured) {
    return {
      key: 'plaintext',
      label: 'PLAINTEXT',
      options: { ...o, security: 'plaintext' },
      phaseName: (suffix) => `PLAINTEXT: send (brokers ${o.brokers}, RF ${replicationFactorOf(o)}, acks=${o.acks}, batch ${o.batchSize}${suffix})`,
      // Alternating, so that a slow spell of the shared machine, or a warmer page cache, favours neither side.
      measuredFirst: (i) => i % 2 === 0,
      notes: [
        'Each run measured the same settings on two fresh clusters, one with SASL_SSL listeners only (TLS 1.2 or 1.3 and SCRAM-SHA-256, as `cluster up --secure` starts it: the authorizer on, the brokers replicating over SASL_SSL too, the producer logged in as a super user) and one with PLAINTEXT listeners; run 1 measured SASL_SSL first, and the order alternates.',
      ],
    };
  }
  if (!compareSingle) return undefined;
  return {
    key: 'baseline',
    label: 'baseline',
    options: { ...o, brokers: 1, replicationFactor: 1, acks: 1, batchSize: baselineBatchSize },
    phaseName: (suffix) => `baseline: send (1 broker, RF 1, acks=1, batch ${baselineBatchSize}${suffix})`,
    measuredFirst: () => true,
    notes: [
      `The baseline ran after the measured run, on a fresh one-broker cluster (its own ZooKeeper), with the same producer settings but acks=1 and batch.size ${baselineBatchSize}.`,
      `Kafka's 2014 comparison (421,823 against 821,557 records/s, 51%) ran acks=-1 with batch.size 64000 and the unreplicated baseline with 8196; --batch-size and --baseline-batch-size set both sides (equal sizes: the same batches on both).`,
    ],
  };
}

/** The other side's figures and each run's measured rate as a percentage of its own other side's (the median, and with several runs the range). */
export function comparisonFigures(key: Comparison['key'], mains: readonly ProduceMeasurement[], others: readonly ProduceMeasurement[]): Record<string, number> {
  const ratios = mains.map((m, i) => (rate(m) / rate(others[i])) * 100);
  const vs = `vs${key[0].toUpperCase()}${key.slice(1)}Percent`;
  return {
    [`${key}RecordsPerSec`]: median(others.map(rate)),
    [`${key}P99Ms`]: median(others.map((b) => b.run.latency.summary().p99Us / 1000)),
    [vs]: median(ratios),
    [`${key}FailedRecords`]: others.reduce((sum, b) => sum + b.run.failed, 0),
    [`${key}BrokerCpuUsPerRecord`]: median(others.map(brokerCpuUsPerRecord)),
    [`${key}ClientCpuUsPerRecord`]: median(others.map(clientCpuUsPerRecord)),
    ...(mains.length > 1 ? { [`${vs}Min`]: Math.min(...ratios), [`${vs}Max`]: Math.max(...ratios) } : {}),
  };
}

const cpuRemark = (m: ProduceMeasurement): string => `brokers ${brokerCpuUsPerRecord(m).toFixed(2)}, producer ${clientCpuUsPerRecord(m).toFixed(2)}`;

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const given = clientOptions(options);
  const o: ProduceBenchOptions = {
    ...given, batchSize: (given.batchSize as number | undefined) ?? defaultBatchSize(given.acks), warmupRecords: (options as { warmupRecords: number }).warmupRecords,
    security: (options as { security: BenchSecurity }).security,
  };
  const compareSingle = (options as { compareSingle?: boolean }).compareSingle === true;
  const baselineBatchSize = (options as { baselineBatchSize: number }).baselineBatchSize;
  const runs = (options as { runs: number }).runs;
  const comparison = comparisonOf(o, compareSingle, baselineBatchSize);
  const secured = o.security === 'sasl_ssl';
  // Each run: the measured cluster and (with a comparison) the other side, in the order the
  // comparison says, so that slow spells of a shared machine fall on both sides.
  const pairs: { main: ProduceMeasurement; other: ProduceMeasurement | undefined }[] = [];
  for (let i = 0; i < runs; i++) {
    const tag = runs > 1 ? `run ${i + 1}/${runs}: ` : '';
    const measured = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}${secured ? 'SASL_SSL: ' : ''}${m}`));
    if (comparison === undefined) {
      pairs.push({ main: await measured(), other: undefined });
      continue;
    }
    const otherSide = (): Promise<ProduceMeasurement> => measureProduce(comparison.options, (m) => progress(`${tag}${comparison.label}: ${m}`));
    if (comparison.measuredFirst(i)) {
      const main = await measured();
      pairs.push({ main, other: await otherSide() });
    } else {
      const other = await otherSide();
      pairs.push({ main: await measured(), other });
    }
  }
  const suffix = (i: number): string => (runs > 1 ? `, run ${i + 1}` : '');
  const phases: ThroughputPhase[] = [];
  pairs.forEach(({ main, other }, i) => {
    const mainPhase = phaseOf(main, `${secured ? 'SASL_SSL: ' : ''}send (brokers ${o.brokers}, RF ${replicationFactorOf(o)}, acks=${o.acks}, batch ${o.batchSize}${suffix(i)})`);
    phases.push(mainPhase);
    if (other === undefined || comparison === undefined) return;
    const otherPhase = phaseOf(other, comparison.phaseName(suffix(i)));
    phases.push(otherPhase);
    mainPhase.remark = `${((rate(main) / rate(other)) * 100).toFixed(0)}% of ${secured ? 'PLAINTEXT' : 'the baseline'}`;
    if (!secured) return;
    // What each side cost, beside its rate: the CPU per record moves less with a busy machine.
    mainPhase.remark += `; CPU µs/record: ${cpuRemark(main)}`;
    otherPhase.remark = `CPU µs/record: ${cpuRemark(other)}`;
  });
  const mains = pairs.map((p) => p.main);
  const latencies = mains.map((m) => m.run.latency.summary());
  const figures: Record<string, number> = {
    recordsPerSec: median(mains.map(rate)),
    mbPerSec: median(mains.map((m) => mbPerSec(m.o.records * m.o.recordSize, m.run.elapsedMs))),
    p50Ms: median(latencies.map((l) => l.p50Us / 1000)),
    p99Ms: median(latencies.map((l) => l.p99Us / 1000)),
    failedRecords: mains.reduce((sum, m) => sum + m.run.failed, 0),
    brokerCpuUsPerRecord: median(mains.map(brokerCpuUsPerRecord)),
    clientCpuUsPerRecord: median(mains.map(clientCpuUsPerRecord)),
  };
  const notes = [
    `MB/s counts value bytes, MB = ${MiB} bytes (as kafka-producer-perf-test). One record fetched metadata first, then ${formatNumber(o.warmupRecords, 0)} warm-up records went untimed.`,
    ...mains.map((m, i) => storedNote(m, runs > 1 ? `Measured run ${i + 1}` : 'Measured run')),
    'Latency here includes the time a record waits in the full producer buffer, as in Kafka\'s tool; e2e measures it at a fixed rate.',
    'CPU µs/record (JSON brokerCpuUsPerRecord, clientCpuUsPerRecord): the brokers\' and the producer\'s process\'s user + system time over the timed records, per record (/proc, to 10 ms).',
  ];
  if (comparison !== undefined) {
    const others = pairs.map((p) => p.other as ProduceMeasurement);
    Object.assign(figures, comparisonFigures(comparison.key, mains, others));
    const otherName = `${comparison.label[0].toUpperCase()}${comparison.label.slice(1)}`;
    notes.push(...others.map((b, i) => storedNote(b, runs > 1 ? `${otherName} ${i + 1}` : otherName)), ...comparison.notes);
  }
  if (runs > 1) notes.push(`${runs} runs: the JSON figures are the medians of the runs (vs...Percent: the median of each run's own ratio).`);
  return {
    benchmark: 'produce',
    parameters: {
      ...benchParameters(o), warmupRecords: o.warmupRecords, security: o.security ?? 'plaintext', compareSingle, ...(compareSingle ? { baselineBatchSize } : {}), runs,
    },
    tables: [throughputTable('producer: send to acknowledgement (latency sampled every 1000th record)', phases)],
    figures,
    notes,
  };
}

export const produceBenchmark: Benchmark = {
  name: 'produce',
  description: 'one producer sending records as fast as it can (kafka-producer-perf-test)',
  defineOptions(command: Command): void {
    defineClientOptions(command, {
      records: 2_000_000,
      partitions: 6,
      batchSizeHelp: `the producer's batch.size (default: ${ACKS_ALL_BATCH_SIZE} with acks=all, as Kafka's 2014 run with synchronous replication; ${DEFAULT_BATCH_SIZE} otherwise)`,
    });
    command.option('--warmup-records <n>', 'records sent first, untimed (the JIT of every process warming up)', parseCountOrZero, 1_000_000);
    command.option('--compare-single', 'then measure one broker, replication factor 1, acks=1 in the same run, and report the ratio (issue 4\'s goal: acks=all at 50% or more of it)', false);
    command.option('--baseline-batch-size <bytes>', `the baseline producer's batch.size (--compare-single; Kafka 2014's unreplicated run used 8196)`, parseCount, DEFAULT_BATCH_SIZE);
    command.option('--security <protocol>', 'plaintext, or sasl_ssl: measure a cluster with SASL_SSL listeners (TLS and SCRAM-SHA-256) and, in the same run, the same settings over PLAINTEXT', parseSecurity, 'plaintext');
    command.option('--runs <n>', 'measure this many times (alternating with the baseline or PLAINTEXT) and report the medians', parseCount, 1);
  },
  run,
};
