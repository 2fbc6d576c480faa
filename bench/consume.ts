/**
 * `npm run bench -- consume`: fills a topic with --records records (untimed), then one consumer
 * reads them all from the beginning (kafka-consumer-perf-test), first with `poll` and then with
 * `for await` over records, each timed from the first poll to the last record.
 */
import type { Command, OptionValues } from 'commander';
import { Consumer } from '../src/client/consumer';
import { formatNumber } from '../src/cli/format';
import { benchCluster, benchParameters, clientOptions, createBenchTopic, defineClientOptions, quietLogger, randomPayload } from './client-bench';
import { elapsedMsSince, mbPerSec, MiB, type Benchmark, type Progress } from './harness';
import { benchProducer, produceAll } from './produce';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

type ReadMode = 'poll' | 'iterator';

export interface ConsumePhase extends ThroughputPhase {
  /** This process's CPU time (user + system) over the timed part: what the consumer cost. */
  cpuMs: number;
}

/** One consumer reads `records` records of the topic from the beginning, timed from the first poll. */
export async function consumeAll(bootstrapServers: string, topic: string, partitions: number, records: number, mode: ReadMode): Promise<ConsumePhase> {
  const consumer = new Consumer({ bootstrapServers, logger: quietLogger, clientId: `bench-consumer-${mode}` });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    consumer.assign(tps);
    consumer.seekToBeginning();
    for (const tp of tps) await consumer.position(tp);
    let count = 0;
    let bytes = 0;
    const startNs = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    if (mode === 'poll') {
      while (count < records) {
        for (const record of await consumer.poll(1000)) {
          count++;
          bytes += record.value!.length;
        }
      }
    } else {
      for await (const record of consumer) {
        count++;
        bytes += record.value!.length;
        if (count === records) break;
      }
    }
    const elapsedMs = elapsedMsSince(startNs);
    const cpu = process.cpuUsage(cpuBefore);
    return { name: mode === 'poll' ? 'poll()' : 'for await', bytes, records: count, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await consumer.close();
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = clientOptions(options);
  const cluster = await benchCluster(o, progress);
  try {
    const topic = await createBenchTopic(cluster, o, 'bench-consume');
    progress(`filling ${topic} with ${formatNumber(o.records, 0)} records of ${o.recordSize} bytes`);
    const producer = benchProducer(cluster.bootstrapServers, o);
    try {
      const filled = await produceAll(producer, topic, randomPayload(o.recordSize), o.records);
      if (filled.failed > 0) throw new Error(`${filled.failed} records could not be produced`);
    } finally {
      await producer.close();
    }
    progress('consuming with poll()');
    const polled = await consumeAll(cluster.bootstrapServers, topic, o.partitions, o.records, 'poll');
    progress('consuming with for await');
    const iterated = await consumeAll(cluster.bootstrapServers, topic, o.partitions, o.records, 'iterator');
    return {
      benchmark: 'consume',
      parameters: benchParameters(o),
      tables: [throughputTable('consumer: from the first poll to the last record', [polled, iterated])],
      figures: {
        recordsPerSec: polled.records / (polled.elapsedMs / 1000),
        mbPerSec: mbPerSec(polled.bytes, polled.elapsedMs),
        iteratorRecordsPerSec: iterated.records / (iterated.elapsedMs / 1000),
      },
      notes: [
        `MB/s counts value bytes, MB = ${MiB} bytes. The headline figures are poll()'s; for await yields records one by one over the same polls.`,
        'Fetch settings are the consumer\'s defaults (fetch.max.wait.ms 500, max.partition.fetch.bytes 1 MiB, fetch.max.bytes 50 MiB, max.poll.records 500, check.crcs true).',
      ],
    };
  } finally {
    await cluster.stop();
  }
}

export const consumeBenchmark: Benchmark = {
  name: 'consume',
  description: 'one consumer reading a filled topic from the beginning (kafka-consumer-perf-test)',
  defineOptions(command: Command): void {
    defineClientOptions(command, { records: 2_000_000, partitions: 6 });
  },
  run,
};
