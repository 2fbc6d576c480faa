/**
 * `npm run bench -- produce`: one producer sends --records records of --record-size random bytes
 * as fast as the brokers take them (kafka-producer-perf-test with --throughput -1), through the
 * ordinary `send` API: a promise per record, a loop that awaits `waitForRoom` when the 32 MiB
 * buffer is full. Send-to-ack latency is sampled on every 1000th record. At the end the topic's
 * end offsets are summed to check that every record arrived.
 */
import type { Command, OptionValues } from 'commander';
import { Consumer } from '../src/client/consumer';
import { Producer } from '../src/client/producer';
import { formatNumber } from '../src/cli/format';
import { benchCluster, benchParameters, clientOptions, createBenchTopic, defineClientOptions, quietLogger, randomPayload, type ClientBenchOptions } from './client-bench';
import { elapsedMsSince, LatencyRecorder, mbPerSec, MiB, type Benchmark, type Progress } from './harness';
import { throughputTable, type BenchReport } from './report';

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

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = clientOptions(options);
  const cluster = await benchCluster(o, progress);
  try {
    const topic = await createBenchTopic(cluster, o, 'bench-produce');
    const producer = benchProducer(cluster.bootstrapServers, o);
    const payload = randomPayload(o.recordSize);
    let result: ProduceRun;
    try {
      await producer.send({ topic, value: payload }); // metadata and connections, outside the timing
      progress(`sending ${formatNumber(o.records, 0)} records of ${o.recordSize} bytes to ${topic}`);
      result = await produceAll(producer, topic, payload, o.records);
    } finally {
      await producer.close();
    }
    const stored = o.acks === 0 ? undefined : await countRecords(cluster.bootstrapServers, topic, o.partitions);
    const recordsPerSec = o.records / (result.elapsedMs / 1000);
    const bytes = o.records * o.recordSize;
    const latency = result.latency.summary();
    return {
      benchmark: 'produce',
      parameters: benchParameters(o),
      tables: [throughputTable('producer: send to acknowledgement (latency sampled every 1000th record)', [{ name: 'send', bytes, records: o.records, elapsedMs: result.elapsedMs, latency }])],
      figures: { recordsPerSec, mbPerSec: mbPerSec(bytes, result.elapsedMs), p50Ms: latency.p50Us / 1000, p99Ms: latency.p99Us / 1000, failedRecords: result.failed },
      notes: [
        `MB/s counts value bytes, MB = ${MiB} bytes (as kafka-producer-perf-test). One warm-up record fetched metadata first, outside the timing.`,
        stored === undefined
          ? 'acks=0: the topic was not checked.'
          : `Consumers can read ${formatNumber(stored, 0)} records (the sum of the partitions' high watermarks; ${formatNumber(o.records, 0)} sent + 1 warm-up): ${stored === o.records + 1 ? 'all arrived' : 'MISMATCH'}.`,
        'Latency here includes the time a record waits in the full producer buffer, as in Kafka\'s tool; e2e measures it at a fixed rate.',
      ],
    };
  } finally {
    await cluster.stop();
  }
}

export const produceBenchmark: Benchmark = {
  name: 'produce',
  description: 'one producer sending records as fast as it can (kafka-producer-perf-test)',
  defineOptions(command: Command): void {
    defineClientOptions(command, { records: 2_000_000, partitions: 6 });
  },
  run,
};
