/**
 * `npm run bench -- produce`: one producer sends --records records of --record-size random bytes
 * as fast as the brokers take them (kafka-producer-perf-test with --throughput -1), through the
 * ordinary `send` API: a promise per record, a loop that awaits `waitForRoom` when the 32 MiB
 * buffer is full. Send-to-ack latency is sampled on every 1000th record. --warmup-records are sent
 * first, untimed (the JIT of the client and of every broker warming up, as e2e leaves out its
 * first records; Kafka's 2014 runs of 50 million records made it negligible). At the end the
 * topic's end offsets are summed to check that every record arrived. --compare-single measures a
 * one-broker, unreplicated, acks=1 baseline in the same run (replication's cost, as Kafka's 2014
 * figures show it).
 */
import type { Command, OptionValues } from 'commander';
import { Consumer } from '../src/client/consumer';
import { Producer } from '../src/client/producer';
import { formatNumber } from '../src/cli/format';
import {
  benchCluster, benchParameters, clientOptions, createBenchTopic, defineClientOptions, quietLogger, randomPayload, replicationFactorOf, type ClientBenchOptions,
} from './client-bench';
import { elapsedMsSince, LatencyRecorder, mbPerSec, MiB, parseCountOrZero, type Benchmark, type Progress } from './harness';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

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
export async function countRecords(bootstrapServers: string, topic: string, partitions: number): Promise<number> {
  const consumer = new Consumer({ bootstrapServers, logger: quietLogger });
  try {
    const ends = await consumer.endOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
    return [...ends.values()].reduce((a, b) => a + b, 0);
  } finally {
    await consumer.close();
  }
}

export function benchProducer(bootstrapServers: string, o: ClientBenchOptions): Producer {
  return new Producer({ bootstrapServers, acks: o.acks, batchSize: o.batchSize, lingerMs: o.lingerMs, logger: quietLogger, clientId: 'bench-producer' });
}

type ProduceBenchOptions = ClientBenchOptions & { warmupRecords: number };

/** One measured run on its own cluster: what the report needs of it. */
interface ProduceMeasurement {
  o: ProduceBenchOptions;
  run: ProduceRun;
  /** The sum of the partitions' high watermarks; undefined for acks=0 (not checked). */
  stored: number | undefined;
}

async function measure(o: ProduceBenchOptions, progress: Progress): Promise<ProduceMeasurement> {
  const cluster = await benchCluster(o, progress);
  try {
    const topic = await createBenchTopic(cluster, o, 'bench-produce');
    const producer = benchProducer(cluster.bootstrapServers, o);
    const payload = randomPayload(o.recordSize);
    let run: ProduceRun;
    try {
      await producer.send({ topic, value: payload }); // metadata and connections, outside the timing
      if (o.warmupRecords > 0) {
        progress(`warming up: ${formatNumber(o.warmupRecords, 0)} records, untimed`);
        const warmup = await produceAll(producer, topic, payload, o.warmupRecords);
        if (warmup.failed > 0) throw new Error(`${warmup.failed} of the ${o.warmupRecords} warm-up records failed`);
      }
      progress(`sending ${formatNumber(o.records, 0)} records of ${o.recordSize} bytes to ${topic} (acks=${o.acks}, replication factor ${cluster.replicationFactor})`);
      run = await produceAll(producer, topic, payload, o.records);
    } finally {
      await producer.close();
    }
    const stored = o.acks === 0 ? undefined : await countRecords(cluster.bootstrapServers, topic, o.partitions);
    return { o, run, stored };
  } finally {
    await cluster.stop();
  }
}

function phaseOf(m: ProduceMeasurement, name: string): ThroughputPhase {
  return { name, bytes: m.o.records * m.o.recordSize, records: m.o.records, elapsedMs: m.run.elapsedMs, latency: m.run.latency.summary() };
}

function storedNote(m: ProduceMeasurement, what: string): string {
  if (m.stored === undefined) return `${what}: acks=0, the topic was not checked.`;
  const sent = m.o.records + m.o.warmupRecords + 1;
  const verdict = m.stored === sent ? 'all arrived' : 'MISMATCH';
  return `${what}: consumers can read ${formatNumber(m.stored, 0)} records (the sum of the partitions' high watermarks; ${formatNumber(m.o.records, 0)} timed + ${formatNumber(m.o.warmupRecords + 1, 0)} warm-up): ${verdict}.`;
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o: ProduceBenchOptions = { ...clientOptions(options), warmupRecords: (options as { warmupRecords: number }).warmupRecords };
  const compareSingle = (options as { compareSingle?: boolean }).compareSingle === true;
  if (compareSingle && o.bootstrapServer !== undefined) throw new Error('--compare-single starts its own one-broker cluster; it cannot be used with --bootstrap-server');
  const main = await measure(o, progress);
  // Kafka's 2014 comparison: the same producer against one broker, no replication, acks=1.
  const baseline = compareSingle ? await measure({ ...o, brokers: 1, replicationFactor: 1, acks: 1 }, (m) => progress(`baseline: ${m}`)) : undefined;
  const mainPhase = phaseOf(main, `send (brokers ${o.brokers}, RF ${replicationFactorOf(o)}, acks=${o.acks})`);
  const phases = [mainPhase];
  const recordsPerSec = o.records / (main.run.elapsedMs / 1000);
  const latency = mainPhase.latency!;
  const figures: Record<string, number> = {
    recordsPerSec, mbPerSec: mbPerSec(mainPhase.bytes, main.run.elapsedMs), p50Ms: latency.p50Us / 1000, p99Ms: latency.p99Us / 1000, failedRecords: main.run.failed,
  };
  const notes = [
    `MB/s counts value bytes, MB = ${MiB} bytes (as kafka-producer-perf-test). One record fetched metadata first, then ${formatNumber(o.warmupRecords, 0)} warm-up records went untimed.`,
    storedNote(main, 'Measured run'),
    'Latency here includes the time a record waits in the full producer buffer, as in Kafka\'s tool; e2e measures it at a fixed rate.',
  ];
  if (baseline !== undefined) {
    const basePhase = phaseOf(baseline, 'baseline: send (1 broker, RF 1, acks=1)');
    phases.push(basePhase);
    const baselineRecordsPerSec = o.records / (baseline.run.elapsedMs / 1000);
    const ratio = (recordsPerSec / baselineRecordsPerSec) * 100;
    mainPhase.remark = `${ratio.toFixed(0)}% of the baseline`;
    Object.assign(figures, {
      baselineRecordsPerSec, baselineP99Ms: basePhase.latency!.p99Us / 1000, vsBaselinePercent: ratio, baselineFailedRecords: baseline.run.failed,
    });
    notes.push(storedNote(baseline, 'Baseline'), 'The baseline ran after the measured run, on a fresh one-broker cluster (its own ZooKeeper), with the same producer settings but acks=1.');
  }
  return {
    benchmark: 'produce',
    parameters: { ...benchParameters(o), warmupRecords: o.warmupRecords, compareSingle },
    tables: [throughputTable('producer: send to acknowledgement (latency sampled every 1000th record)', phases)],
    figures,
    notes,
  };
}

export const produceBenchmark: Benchmark = {
  name: 'produce',
  description: 'one producer sending records as fast as it can (kafka-producer-perf-test)',
  defineOptions(command: Command): void {
    defineClientOptions(command, { records: 2_000_000, partitions: 6 });
    command.option('--warmup-records <n>', 'records sent first, untimed (the JIT of every process warming up)', parseCountOrZero, 1_000_000);
    command.option('--compare-single', 'then measure one broker, replication factor 1, acks=1 in the same run, and report the ratio (issue 4\'s goal: acks=all at 50% or more of it)', false);
  },
  run,
};
