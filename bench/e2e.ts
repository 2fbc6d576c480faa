/**
 * `npm run bench -- e2e`: end-to-end latency at a fixed rate (Kafka's EndToEndLatency, run at a
 * steady --rate instead of one record at a time). A producer sends --rate records per second,
 * each carrying its send time; a consumer in the same process, long-polling the same topic,
 * records now minus send time for every record in an HDR histogram (microsecond precision).
 * The first --warmup-records (2 s at the default rate: the JIT warming up in the client and the
 * broker) are left out of the histograms.
 */
import { performance } from 'perf_hooks';
import type { Command, OptionValues } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { Consumer } from '../src/client/consumer';
import { Producer } from '../src/client/producer';
import { formatNumber } from '../src/cli/format';
import { benchCluster, benchParameters, clientOptions, createBenchTopic, defineClientOptions, quietLogger, randomPayload, type ClientBenchOptions } from './client-bench';
import { mbPerSec, MiB, parseCount, type Benchmark, type LatencySummary, type Progress } from './harness';
import { throughputTable, type BenchReport } from './report';

interface E2eOptions extends ClientBenchOptions {
  rate: number;
  warmupRecords: number;
}

/** The send loop wakes this often and sends what the rate says is due. */
const tickMs = 1;

function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** p50/p99/p99.9/max of a histogram of microseconds. */
function summary(histogram: hdr.Histogram): LatencySummary {
  return {
    p50Us: histogram.getValueAtPercentile(50),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    maxUs: histogram.maxValue,
  };
}

/**
 * Sends `records` records at `rate` per second, each value starting with its send time
 * (performance.now(), float64), and records each one's send-to-acknowledgement time in `acked`.
 */
async function sendAtRate(producer: Producer, topic: string, o: E2eOptions, acked: hdr.Histogram): Promise<{ failed: number }> {
  const payload = randomPayload(Math.max(8, o.recordSize));
  const startMs = performance.now();
  let sent = 0;
  let failed = 0;
  const onFailure = (): void => void failed++;
  while (sent < o.records) {
    const due = Math.min(o.records, Math.floor(((performance.now() - startMs) * o.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const value = Buffer.from(payload);
      const sentMs = performance.now();
      value.writeDoubleBE(sentMs, 0);
      const counted = sent >= o.warmupRecords;
      producer.send({ topic, value }).then((): void => {
        if (counted) acked.recordValue(Math.max(1, Math.round((performance.now() - sentMs) * 1000)));
      }, onFailure);
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await producer.flush();
  return { failed };
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = clientOptions(options) as E2eOptions;
  const cluster = await benchCluster(o, progress);
  try {
    const topic = await createBenchTopic(cluster, o, 'bench-e2e');
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, acks: o.acks, batchSize: o.batchSize, lingerMs: o.lingerMs, logger: quietLogger, clientId: 'bench-e2e-producer' });
    const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, logger: quietLogger, clientId: 'bench-e2e-consumer' });
    const consumed = latencyHistogram();
    const acked = latencyHistogram();
    try {
      const tps = Array.from({ length: o.partitions }, (_, partition) => ({ topic, partition }));
      consumer.assign(tps);
      consumer.seekToEnd();
      for (const tp of tps) await consumer.position(tp);
      await producer.send({ topic, value: Buffer.alloc(8) }); // metadata and connections first
      await consumer.poll(1000); // takes the warm-up record
      progress(`sending ${formatNumber(o.records, 0)} records at ${formatNumber(o.rate, 0)}/s`);
      let received = 0;
      const consuming = (async () => {
        while (received < o.records) {
          for (const record of await consumer.poll(1000)) {
            const latencyUs = Math.round((performance.now() - record.value!.readDoubleBE(0)) * 1000);
            if (received++ >= o.warmupRecords) consumed.recordValue(Math.max(1, latencyUs));
          }
        }
      })();
      const startMs = performance.now();
      const { failed } = await sendAtRate(producer, topic, o, acked);
      await consuming;
      const elapsedMs = performance.now() - startMs;
      const latency = summary(consumed);
      const bytes = o.records * o.recordSize;
      return {
        benchmark: 'e2e',
        parameters: { ...benchParameters(o), rate: o.rate, warmupRecords: o.warmupRecords },
        tables: [
          throughputTable('at a fixed rate: send to acknowledgement, and send to poll (end to end)', [
            { name: 'send → acknowledged', bytes, records: o.records, elapsedMs, latency: summary(acked) },
            { name: 'send → consumed', bytes, records: o.records, elapsedMs, latency },
          ]),
        ],
        figures: {
          recordsPerSec: o.records / (elapsedMs / 1000),
          mbPerSec: mbPerSec(bytes, elapsedMs),
          p50Ms: latency.p50Us / 1000,
          p99Ms: latency.p99Us / 1000,
          p999Ms: latency.p999Us / 1000,
          maxMs: latency.maxUs / 1000,
          ackP99Ms: acked.getValueAtPercentile(99) / 1000,
          failedRecords: failed,
        },
        notes: [
          `Latency is from just before send() to the record coming out of poll(), both in this process (one clock), over ${formatNumber(consumed.totalCount, 0)} records after ${o.warmupRecords} warm-up records.`,
          `The producer has linger.ms ${o.lingerMs} and sends what is due every ${tickMs} ms; the consumer long-polls with fetch.min.bytes 1 and fetch.max.wait.ms 500. MB = ${MiB} bytes.`,
        ],
      };
    } finally {
      await producer.close();
      await consumer.close();
    }
  } finally {
    await cluster.stop();
  }
}

export const e2eBenchmark: Benchmark = {
  name: 'e2e',
  description: 'end-to-end latency (send to poll) at a fixed rate',
  defineOptions(command: Command): void {
    // 12 s at the default rate, the first 2 s (JIT warm-up of both processes) left out of the histograms.
    defineClientOptions(command, { records: 120_000, partitions: 1 });
    command
      .option('--rate <records/s>', 'records sent per second', parseCount, 10_000)
      .option('--warmup-records <n>', 'records left out of the histograms at the start', parseCount, 20_000);
  },
  run,
};
