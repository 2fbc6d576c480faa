/**
 * `npm run bench -- compare`: the same workload, one system after another on this machine, against
 * Josef (one broker with acks=1; three brokers, replication factor 3, acks=all), Redis Streams and
 * NATS JetStream (their Debian servers, started here; a system whose server is not installed is
 * skipped with a line saying so), then the machine's limits (raw disk write and read of the same
 * bytes, loopback TCP between two Node processes). The workload: one producer writes --records
 * values of --record-size bytes to one topic or stream, one consumer reads them all, then an
 * end-to-end latency run at --rate records per second. Ratios are Josef's over each peer's and
 * over the limits, all measured in the same run.
 */
import * as fs from 'fs';
import type { Command, OptionValues } from 'commander';
import { formatNumber } from '../src/cli/format';
import type { FieldValue } from '../src/cli/format';
import { parseAcks } from './client-bench';
import { compareChartSvg } from './compare-chart';
import { MiB, mbPerSec, parseCount, parseListOf, type Benchmark, type LatencySummary, type Progress } from './harness';
import { measureLimits, type Limits } from './limits';
import { JosefPeer } from './peers/josef';
import { NatsPeer } from './peers/nats';
import type { Peer, PeerRun } from './peers/peer';
import { RedisPeer } from './peers/redis';
import type { BenchReport, ReportTable } from './report';

interface CompareOptions {
  records?: number;
  recordSize: number;
  systems: string[];
  partitions: number;
  batchSize: number;
  rate: number;
  e2eRecords: number;
  warmupRecords: number;
  loopbackBytes: number;
  svg?: string;
}

/**
 * Without --records: a million records, or fewer so that a run writes at most this much (16 KiB
 * records: 65,536). A million, not Kafka's customary 2: the official NATS client publishes about
 * 11,000 records/s here (see docs/benchmarks.md), and the whole default run should stay near 5 minutes.
 */
const defaultRecordsMax = 1_000_000;
const defaultBytesMax = 1024 * MiB;

const systemNames = ['josef', 'josef-rf3', 'redis', 'nats'] as const;

function makePeer(name: string, o: CompareOptions): Peer {
  const producer = { partitions: o.partitions, batchSize: o.batchSize, lingerMs: 0 };
  switch (name) {
    case 'josef': return new JosefPeer(name, { brokers: 1, replicationFactor: 1, acks: parseAcks('1'), ...producer });
    case 'josef-rf3': return new JosefPeer(name, { brokers: 3, replicationFactor: 3, acks: parseAcks('all'), ...producer });
    case 'redis': return new RedisPeer();
    case 'nats': return new NatsPeer();
    default: throw new Error(`--systems: unknown system "${name}" (known: ${systemNames.join(', ')})`);
  }
}

/** What one system measured. */
interface SystemResult {
  name: string;
  title: string;
  produce: PeerRun;
  consume: PeerRun;
  e2e: LatencySummary;
  rssMB: number;
}

const rps = (run: PeerRun): number => run.records / (run.elapsedMs / 1000);
const mbps = (run: PeerRun): number => mbPerSec(run.bytes, run.elapsedMs);

async function measureSystem(peer: Peer, o: CompareOptions, records: number, progress: Progress): Promise<SystemResult> {
  const say: Progress = (m) => progress(`${peer.name}: ${m}`);
  await peer.start(say);
  try {
    say(`producing ${formatNumber(records, 0)} records of ${o.recordSize} bytes`);
    const produce = await peer.produce(records, o.recordSize);
    say(`${formatNumber(rps(produce), 0)} records/s; consuming them`);
    const consume = await peer.consume(records);
    say(`${formatNumber(rps(consume), 0)} records/s; end to end at ${formatNumber(o.rate, 0)} records/s`);
    const e2e = await peer.e2e({ rate: o.rate, records: o.e2eRecords, warmupRecords: o.warmupRecords, recordSize: o.recordSize });
    say(`p50 ${(e2e.p50Us / 1000).toFixed(2)} ms, p99 ${(e2e.p99Us / 1000).toFixed(2)} ms`);
    return { name: peer.name, title: peer.title, produce, consume, e2e, rssMB: peer.peakRssMB() };
  } finally {
    await peer.stop();
  }
}

function systemsTable(results: readonly SystemResult[], skipped: ReadonlyMap<string, string>): ReportTable {
  const rows: FieldValue[][] = results.map((r) => [
    r.title, formatNumber(rps(r.produce), 0), formatNumber(mbps(r.produce), 1), formatNumber(rps(r.consume), 0), formatNumber(mbps(r.consume), 1),
    formatNumber(r.e2e.p50Us / 1000, 2), formatNumber(r.e2e.p99Us / 1000, 2), formatNumber(r.rssMB, 0),
  ]);
  for (const [name, why] of skipped) rows.push([`${name}: skipped (${why})`, '-', '-', '-', '-', '-', '-', '-']);
  return {
    title: 'one producer, then one consumer, then end-to-end latency at a fixed rate',
    columns: [
      { title: 'system' }, { title: 'produce rec/s', align: 'right' }, { title: 'MB/s', align: 'right' }, { title: 'consume rec/s', align: 'right' },
      { title: 'MB/s', align: 'right' }, { title: 'e2e p50 ms', align: 'right' }, { title: 'e2e p99 ms', align: 'right' }, { title: 'server peak RSS MB', align: 'right' },
    ],
    rows,
  };
}

function limitsTable(limits: Limits): ReportTable {
  return {
    title: 'limits of this machine',
    columns: [{ title: 'limit' }, { title: 'MB/s', align: 'right' }],
    rows: [
      ['disk: sequential write of the same bytes (pwrite, 16 KiB batches)', formatNumber(limits.diskWriteMBps, 0)],
      ['disk: sequential read back (pread 1 MiB, page cache)', formatNumber(limits.diskReadMBps, 0)],
      ['loopback TCP between two Node processes', formatNumber(limits.loopbackMBps, 0)],
    ],
  };
}

const times = (x: number): string => `${x.toFixed(2)}x`;
const percent = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** Josef's figures over each peer's (latency: the peer's over Josef's, so above 1 is better too), and over the limits. */
function ratios(results: readonly SystemResult[], limits: Limits): { table: ReportTable; figures: Record<string, number> } {
  const figures: Record<string, number> = {};
  const rows: FieldValue[][] = [];
  const josefs = results.filter((r) => r.name.startsWith('josef'));
  const peers = results.filter((r) => !r.name.startsWith('josef'));
  const key = (name: string): string => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
  for (const j of josefs) {
    for (const p of peers) {
      const produce = rps(j.produce) / rps(p.produce);
      const consume = rps(j.consume) / rps(p.consume);
      const p99 = p.e2e.p99Us / j.e2e.p99Us;
      rows.push([`${j.name} / ${p.name}`, times(produce), times(consume), times(p99)]);
      Object.assign(figures, { [`${j.name === 'josef' ? 'josef' : 'josefRf3'}Vs${key(p.name)}Produce`]: produce, [`${j.name === 'josef' ? 'josef' : 'josefRf3'}Vs${key(p.name)}Consume`]: consume });
    }
    const produceOfLoopback = mbps(j.produce) / limits.loopbackMBps;
    rows.push([`${j.name} / limits`, `${percent(produceOfLoopback)} of loopback, ${percent(mbps(j.produce) / limits.diskWriteMBps)} of disk write`,
      `${percent(mbps(j.consume) / limits.loopbackMBps)} of loopback, ${percent(mbps(j.consume) / limits.diskReadMBps)} of disk read`, '']);
    figures[`${j.name === 'josef' ? 'josef' : 'josefRf3'}ProduceVsLoopbackPercent`] = produceOfLoopback * 100;
  }
  return {
    table: { title: 'ratios (Josef over the peer; for latency the peer\'s p99 over Josef\'s: above 1 favours Josef)', columns: [{ title: 'ratio' }, { title: 'produce' }, { title: 'consume' }, { title: 'e2e p99' }], rows },
    figures,
  };
}

function writeChart(file: string, results: readonly SystemResult[], o: CompareOptions, records: number, limits: Limits): void {
  const systems = results.map((r) => ({ title: r.title, produceRps: rps(r.produce), consumeRps: rps(r.consume), p50Ms: r.e2e.p50Us / 1000, p99Ms: r.e2e.p99Us / 1000 }));
  fs.writeFileSync(file, compareChartSvg(systems, [
    `npm run bench -- compare: ${formatNumber(records, 0)} records of ${o.recordSize} bytes, e2e at ${formatNumber(o.rate, 0)} records/s`,
    `limits: disk write ${formatNumber(limits.diskWriteMBps, 0)} MB/s, loopback TCP ${formatNumber(limits.loopbackMBps, 0)} MB/s; ${new Date().toISOString().slice(0, 16)}Z`,
  ]));
}

/** Values of at most this size use Kafka's batch.size (16 KiB); larger ones 1 MiB batches, or each would travel alone. */
const smallRecordBytes = 1024;
/** The end-to-end run's default rate: 5,000 records/s, or fewer so that it sends at most 16 MiB/s (16 KiB records: 1,024/s). */
const e2eRateMax = 5_000;
const e2eBytesPerSecMax = 16 * MiB;

/** --batch-size and --rate, when not given, follow the record size (see the two constants above). */
function withSizeDefaults(options: OptionValues): CompareOptions {
  const o = options as Partial<CompareOptions> & { recordSize: number };
  return {
    ...(o as CompareOptions),
    batchSize: o.batchSize ?? (o.recordSize <= smallRecordBytes ? 16_384 : MiB),
    rate: o.rate ?? Math.max(1, Math.min(e2eRateMax, Math.floor(e2eBytesPerSecMax / o.recordSize))),
  };
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = withSizeDefaults(options);
  const records = o.records ?? Math.min(defaultRecordsMax, Math.floor(defaultBytesMax / o.recordSize));
  const results: SystemResult[] = [];
  const skipped = new Map<string, string>();
  for (const name of o.systems) {
    const peer = makePeer(name, o);
    const missing = peer.missing();
    if (missing !== undefined) {
      progress(`${name}: SKIPPED, ${missing}`);
      skipped.set(name, missing);
      continue;
    }
    results.push(await measureSystem(peer, o, records, progress));
  }
  progress('limits: raw disk write and read, loopback TCP');
  const limits = await measureLimits(records * o.recordSize, o.recordSize, o.loopbackBytes);
  if (o.svg !== undefined) writeChart(o.svg, results, o, records, limits);
  const { table, figures } = ratios(results, limits);
  const systems = Object.fromEntries(results.map((r) => [r.name, {
    produceRps: rps(r.produce), consumeRps: rps(r.consume), p50Ms: r.e2e.p50Us / 1000, p99Ms: r.e2e.p99Us / 1000, rssMB: r.rssMB,
  }]));
  return {
    benchmark: 'compare',
    parameters: {
      records, recordSize: o.recordSize, systems: o.systems.join(','), partitions: o.partitions, batchSize: o.batchSize,
      rate: o.rate, e2eRecords: o.e2eRecords, warmupRecords: o.warmupRecords, loopbackBytes: o.loopbackBytes,
    },
    tables: [systemsTable(results, skipped), limitsTable(limits), table],
    figures,
    structured: { systems, limits },
    notes: [
      ...[...skipped].map(([name, why]) => `${name} was skipped: ${why}.`),
      `MB = ${MiB} bytes of values. Josef: batch.size ${o.batchSize}, linger.ms 0, ${o.partitions} partition(s); Redis: XADD in pipelines of 1,000, 4 in flight, XREAD of ~1 MiB; NATS: 4,000 async publishes in flight, pull consumer of ~1 MiB without acks.`,
      'Every system ran alone, one after another, on the same machine; its client is in this process, its server in its own. Server peak RSS is VmHWM from /proc (for Josef RF 3: the largest broker).',
      `e2e: ${formatNumber(o.e2eRecords, 0)} records at ${formatNumber(o.rate, 0)}/s sent in groups every 1 ms, the first ${formatNumber(o.warmupRecords, 0)} not counted; latency is send to receive in this process.`,
    ],
  };
}

export const compareBenchmark: Benchmark = {
  name: 'compare',
  description: 'Josef against Redis Streams and NATS JetStream on this machine, and against the disk and loopback limits',
  defineOptions(command: Command): void {
    command
      .option('--records <n>', `records to produce and consume (default ${formatNumber(defaultRecordsMax, 0)}, fewer if they would exceed 1 GiB)`, parseCount)
      .option('--record-size <bytes>', 'value bytes per record', parseCount, 100)
      .option('--systems <list>', 'which to measure, in order', parseListOf(systemNames, 'system'), [...systemNames])
      .option('--partitions <n>', 'partitions of Josef\'s topic (a stream is one ordered log: 1)', parseCount, 1)
      .option('--batch-size <bytes>', 'the Josef producer\'s batch.size (default 16384, Kafka\'s; 1 MiB for records over 1 KiB, each of which would otherwise travel alone)', parseCount)
      // 5,000/s: below what every system's client sustains here (NATS's publishes ~11,000/s), so
      // the run measures latency, not queueing. 10 s, the first 2 s (JIT warm-up) not counted.
      .option('--rate <records/s>', 'end-to-end run: records per second (default 5,000, at most 16 MiB/s of values: 1,024/s for 16 KiB records)', parseCount)
      .option('--e2e-records <n>', 'end-to-end run: records sent', parseCount, 50_000)
      .option('--warmup-records <n>', 'end-to-end run: records left out of the histogram at the start', parseCount, 10_000)
      .option('--loopback-bytes <n>', 'bytes sent over loopback TCP for the limit', parseCount, 2048 * MiB)
      .option('--svg <file>', 'also draw the results as a bar chart (e.g. docs/benchmarks-compare.svg)');
  },
  run,
};
