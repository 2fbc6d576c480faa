/**
 * `npm run bench -- compaction`: the log cleaner's figures of issue 25, in one process on real
 * files. (1) Cleaner throughput: a compacted log of keys written again and again is appended, then
 * cleaned to its active segment, against a raw write of the same bytes in the same run. (2) Produce
 * latency with the cleaner running: appends paced through the event loop (each waits its turn as a
 * request off a socket would), first with the cleaner idle, then while it cleans a dirty log; the
 * cleaner runs on that same loop and gives it back every 2 ms. (3) Coordinator failover: the time a
 * new leader of an __consumer_offsets partition takes to load its groups (GroupMetadataManager's
 * load) after N commits of the same group-partitions, with the log cleaned and without.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command, OptionValues } from 'commander';
import { systemClock } from '../src/common/clock';
import { createLogger } from '../src/common/logger';
import { formatNumber } from '../src/cli/format';
import { GroupMetadataManager } from '../src/group/group-metadata-manager';
import { encodeOffsetCommitKey, encodeOffsetCommitValue } from '../src/group/offsets-records';
import { encodeRecordBatch } from '../src/protocol/record-batch';
import type { CleanerStats } from '../src/storage/cleaner';
import type { LogCleanerConfig } from '../src/storage/log-cleaner';
import { logConfig, type LogConfig } from '../src/storage/log-config';
import { LogManager } from '../src/storage/log-manager';
import type { PartitionLog } from '../src/storage/partition-log';
import { LatencyRecorder, MiB, RssSampler, elapsedMsSince, mbPerSec, parseCount, type Benchmark, type Progress } from './harness';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';
import { rawWritePhase, type Workload } from './storage-phases';

interface CompactionBenchOptions {
  bytes: number;
  keys: number;
  recordBytes: number;
  batchBytes: number;
  segmentBytes: number;
  producedBatches: number;
  commits: number[];
  groupPartitions: number;
  dir: string;
}

/** Kafka's cleaner defaults, unthrottled: what a broker with log.cleaner.* unset runs. */
const cleanerConfig: LogCleanerConfig = {
  threads: 1, dedupeBufferBytes: 128 * MiB, ioBufferBytes: 512 * 1024, loadFactor: 0.9, maxIoBytesPerSecond: Number.MAX_VALUE, backoffMs: 50,
};
/** offsets.topic.segment.bytes for the failover logs: small enough that most of a log is cleanable. */
const offsetsSegmentBytes = 8 * MiB;
/** Group-partitions committed together (one OffsetCommit of a consumer of that many partitions). */
const commitsPerBatch = 100;
const groupPartitionsPerGroup = 100;

/** Batches covering `keys` keys once each, in order, `recordBytes` values, as many records as fit in `batchBytes`. */
function keyedWorkload(opts: CompactionBenchOptions): Workload {
  const keyOf = (i: number): Buffer => Buffer.from(`key-${String(i).padStart(9, '0')}`);
  const value = Buffer.alloc(opts.recordBytes, 'v');
  const timestamp = Date.now();
  const encode = (first: number, count: number): Buffer =>
    encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: keyOf((first + i) % opts.keys), value, timestamp })), { baseTimestamp: timestamp });
  let recordsPerBatch = Math.max(1, Math.floor(opts.batchBytes / opts.recordBytes));
  while (recordsPerBatch > 1 && encode(0, recordsPerBatch).length > opts.batchBytes) recordsPerBatch--;
  // Every batch the same size (keys of one length), together covering the key space.
  const batches = Array.from({ length: Math.max(8, Math.ceil(opts.keys / recordsPerBatch)) }, (_, b) => encode(b * recordsPerBatch, recordsPerBatch));
  const batchBytes = batches[0].length;
  const batchCount = Math.ceil(opts.bytes / batchBytes);
  return { batches, batchBytes, recordsPerBatch, batchCount, totalBytes: batchCount * batchBytes, totalRecords: batchCount * recordsPerBatch };
}

/** Appends the workload's batches in order, every key again and again, timing each call. */
function appendAll(log: PartitionLog, w: Workload, rss: RssSampler): ThroughputPhase {
  const latency = new LatencyRecorder();
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < w.batchCount; i++) {
    const opNs = process.hrtime.bigint();
    log.appendAsLeader(w.batches[i % w.batches.length], 0);
    latency.recordSince(opNs);
    rss.maybeSample();
  }
  return { name: 'append: PartitionLog.appendAsLeader', bytes: w.totalBytes, records: w.totalRecords, elapsedMs: elapsedMsSince(startNs), latency: latency.summary() };
}

/** Cleans until no log needs it; returns the cleanings' stats. */
async function cleanAll(manager: LogManager): Promise<CleanerStats[]> {
  const stats: CleanerStats[] = [];
  manager.cleaner!.onCleaned((done) => stats.push(done.stats));
  while (await manager.cleaner!.cleanFilthiestLog());
  return stats;
}

/**
 * `count` appends, each started after a turn of the event loop (setImmediate: what a request read
 * off a socket waits for); latency from when it was due to when the append returned.
 */
async function pacedProduce(log: PartitionLog, w: Workload, count: number, name: string): Promise<ThroughputPhase> {
  const latency = new LatencyRecorder();
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const dueNs = process.hrtime.bigint();
    await new Promise((resolve) => setImmediate(resolve));
    log.appendAsLeader(w.batches[i % w.batches.length], 0);
    latency.recordSince(dueNs);
  }
  return { name, bytes: count * w.batchBytes, records: count * w.recordsPerBatch, elapsedMs: elapsedMsSince(startNs), latency: latency.summary() };
}

interface FailoverRow {
  commits: number;
  policy: 'compact' | 'delete';
  logBytes: number;
  loadMs: number;
  groups: number;
}

/** A __consumer_offsets partition after `commits` commits of the same group-partitions, cleaned or not, and the time a coordinator takes to load it. */
async function failoverLoad(dir: string, opts: CompactionBenchOptions, commits: number, policy: 'compact' | 'delete', progress: Progress): Promise<FailoverRow> {
  const config: LogConfig = logConfig({ segmentBytes: offsetsSegmentBytes, cleanupPolicy: policy });
  const manager = LogManager.open([dir], config, { clock: systemClock, logger: createLogger('bench.compaction', () => undefined), cleaner: cleanerConfig });
  try {
    const log = manager.getOrCreateLog('__consumer_offsets', 0, config);
    const groups = Math.ceil(opts.groupPartitions / groupPartitionsPerGroup);
    const nowMs = Date.now();
    for (let written = 0; written < commits; written += commitsPerBatch) {
      const records = Array.from({ length: Math.min(commitsPerBatch, commits - written) }, (_, i) => {
        const n = (written + i) % opts.groupPartitions;
        return {
          key: encodeOffsetCommitKey(`group-${n % groups}`, 'topic', Math.floor(n / groups)),
          value: encodeOffsetCommitValue({ offset: written + i, metadata: '', commitTimestampMs: nowMs }),
        };
      });
      log.appendAsLeader(encodeRecordBatch(records, { baseTimestamp: nowMs }), 0);
    }
    if (policy === 'compact') await cleanAll(manager);
    const logBytes = log.logSegments().reduce((sum, s) => sum + s.sizeBytes, 0);
    const newCoordinator = (): GroupMetadataManager => new GroupMetadataManager(1, {
      append: () => Promise.reject(new Error('the benchmark only loads')),
      read: (_p, offset, maxBytes) => (offset >= log.logEndOffset ? Buffer.alloc(0) : log.read(offset, { maxBytes })),
      bounds: () => ({ start: log.logStartOffset, end: log.logEndOffset }),
    }, createLogger('bench.compaction', () => undefined), () => Date.now());
    // The second of two loads is timed: the first pays for compiling the load path (a broker that
    // has served commits has it compiled already) and for reading the files into the page cache.
    await newCoordinator().loadPartition(0, () => undefined);
    const coordinator = newCoordinator();
    const startNs = process.hrtime.bigint();
    await coordinator.loadPartition(0, () => undefined);
    const loadMs = elapsedMsSince(startNs);
    progress(`  ${commits} commits, ${policy}: ${(logBytes / MiB).toFixed(1)} MiB to load, ${loadMs.toFixed(0)} ms`);
    return { commits, policy, logBytes, loadMs, groups: coordinator.groups.size };
  } finally {
    manager.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(opts: CompactionBenchOptions, progress: Progress): Promise<BenchReport> {
  fs.mkdirSync(opts.dir, { recursive: true });
  // Latencies mean little on a busy machine: the report says how busy it was.
  const loadAverage = os.loadavg()[0];
  const workDir = fs.mkdtempSync(path.join(opts.dir, 'josef-bench-compaction-'));
  try {
    const w = keyedWorkload(opts);
    const config = logConfig({ segmentBytes: opts.segmentBytes, cleanupPolicy: 'compact' });
    const rss = new RssSampler();
    const open = (name: string): { manager: LogManager; log: PartitionLog } => {
      const manager = LogManager.open([path.join(workDir, name)], config, { clock: systemClock, logger: createLogger('bench.compaction', () => undefined), cleaner: cleanerConfig });
      return { manager, log: manager.getOrCreateLog('compacted', 0, config) };
    };

    progress(`cleaner throughput: ${(w.totalBytes / MiB).toFixed(0)} MiB of ${opts.keys} keys, ${w.batchCount} batches of ${w.batchBytes} bytes`);
    const rawWrite = rawWritePhase(path.join(workDir, 'raw.bin'), w, rss);
    fs.rmSync(path.join(workDir, 'raw.bin'));
    const cleaned = open('cleaned');
    const append = appendAll(cleaned.log, w, rss);
    const startNs = process.hrtime.bigint();
    const stats = await cleanAll(cleaned.manager);
    const cleanMs = elapsedMsSince(startNs);
    const bytesRead = stats.reduce((sum, s) => sum + s.bytesRead, 0);
    const recordsRead = stats.reduce((sum, s) => sum + s.recordsRead, 0);
    const bytesAfter = cleaned.log.logSegments().reduce((sum, s) => sum + s.sizeBytes, 0);
    cleaned.manager.close();
    const clean: ThroughputPhase = { name: 'clean: LogCleaner, to the active segment', bytes: bytesRead, records: recordsRead, elapsedMs: cleanMs };
    progress(`  raw write ${mbPerSec(rawWrite.bytes, rawWrite.elapsedMs).toFixed(0)} MB/s, cleaner ${mbPerSec(bytesRead, cleanMs).toFixed(0)} MB/s, ${(w.totalBytes / MiB).toFixed(0)} -> ${(bytesAfter / MiB).toFixed(1)} MiB`);

    progress(`produce latency: ${opts.producedBatches} paced appends without, then with the cleaner cleaning`);
    const busy = open('busy');
    appendAll(busy.log, w, rss);
    const idle = await pacedProduce(busy.log, w, opts.producedBatches, 'produce, cleaner idle');
    let cleaningsDuring = 0;
    busy.manager.cleaner!.onCleaned(() => { cleaningsDuring++; });
    busy.manager.cleaner!.startup();
    const during = await pacedProduce(busy.log, w, opts.producedBatches, 'produce, cleaner cleaning');
    const stillCleaning = cleaningsDuring === 0;
    await busy.manager.stopCleaner();
    busy.manager.close();
    progress(`  p99 ${idle.latency!.p99Us.toFixed(0)} µs idle, ${during.latency!.p99Us.toFixed(0)} µs cleaning (${cleaningsDuring} cleaning(s) finished meanwhile)`);

    progress(`coordinator failover: ${opts.groupPartitions} group-partitions committed ${opts.commits.join(', ')} times`);
    const failover: FailoverRow[] = [];
    for (const commits of opts.commits) {
      for (const policy of ['delete', 'compact'] as const) failover.push(await failoverLoad(path.join(workDir, `offsets-${commits}-${policy}`), opts, commits, policy, progress));
    }

    const mbps = (p: ThroughputPhase): number => mbPerSec(p.bytes, p.elapsedMs);
    clean.remark = `${((mbps(clean) / mbps(rawWrite)) * 100).toFixed(0)}% of raw write; ${(w.totalBytes / MiB).toFixed(0)} -> ${(bytesAfter / MiB).toFixed(1)} MiB`;
    append.remark = `${((mbps(append) / mbps(rawWrite)) * 100).toFixed(0)}% of raw write`;
    during.remark = stillCleaning ? 'cleaner busy throughout' : `${cleaningsDuring} cleaning(s) finished within`;
    const loadOf = (commits: number, policy: 'compact' | 'delete'): FailoverRow => failover.find((r) => r.commits === commits && r.policy === policy)!;
    return {
      benchmark: 'compaction',
      parameters: {
        bytes: w.totalBytes, keys: opts.keys, recordBytes: opts.recordBytes, batchBytes: w.batchBytes, segmentBytes: opts.segmentBytes,
        producedBatches: opts.producedBatches, commits: opts.commits.join(','), groupPartitions: opts.groupPartitions, offsetsSegmentBytes, dir: opts.dir,
        loadAverage1m: Math.round(loadAverage * 10) / 10,
      },
      tables: [
        throughputTable(`${(w.totalBytes / MiB).toFixed(0)} MiB of ${opts.keys} keys written again and again; latency per call`, [rawWrite, append, clean, idle, during]),
        {
          title: `Coordinator failover: loading one __consumer_offsets partition after N commits of the same ${opts.groupPartitions} group-partitions`,
          columns: [{ title: 'commits', align: 'right' }, { title: 'cleanup.policy' }, { title: 'MiB to load', align: 'right' }, { title: 'load ms', align: 'right' }, { title: 'groups', align: 'right' }],
          rows: failover.map((r) => [formatNumber(r.commits, 0), r.policy, formatNumber(r.logBytes / MiB, 1), formatNumber(r.loadMs, 0), r.groups]),
        },
      ],
      figures: {
        cleanerMBps: mbps(clean),
        rawWriteMBps: mbps(rawWrite),
        appendMBps: mbps(append),
        cleanerVsRawPercent: (mbps(clean) / mbps(rawWrite)) * 100,
        cleanedFromMB: w.totalBytes / MiB,
        cleanedToMB: bytesAfter / MiB,
        produceP99UsIdle: idle.latency!.p99Us,
        produceP99UsCleaning: during.latency!.p99Us,
        produceP999UsIdle: idle.latency!.p999Us,
        produceP999UsCleaning: during.latency!.p999Us,
        ...Object.fromEntries(failover.map((r) => [`failoverLoadMs_${r.commits}_${r.policy}`, r.loadMs])),
        rssMB: rss.peakBytes / MiB,
      },
      notes: [
        'The cleaner reads the log twice (the offset map of the dirty part, then the copy); its MB/s counts the bytes of the copy pass, as Kafka\'s cleaner log line does.',
        'Produce latency is that of PartitionLog.appendAsLeader in this process, each append waiting one turn of the event loop; the cleaner shares that loop in slices of 2 ms, which is what a client of the broker would wait at most for it.',
        `Failover: with compaction the log to load stays near the live offsets whatever the commit count (${formatNumber(loadOf(opts.commits[0], 'compact').loadMs, 0)} -> ${formatNumber(loadOf(opts.commits.at(-1)!, 'compact').loadMs, 0)} ms); under the delete policy it grows with every commit (${formatNumber(loadOf(opts.commits[0], 'delete').loadMs, 0)} -> ${formatNumber(loadOf(opts.commits.at(-1)!, 'delete').loadMs, 0)} ms). The active segment (${offsetsSegmentBytes / MiB} MiB) is never cleaned.`,
      ],
    };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

export const compactionBenchmark: Benchmark = {
  name: 'compaction',
  description: 'log cleaner throughput against raw write, produce p99 with the cleaner running, coordinator failover after many commits with and without compaction',
  defineOptions(command: Command): void {
    command
      .option('--bytes <n>', 'bytes of keyed records to write and clean', parseCount, 128 * MiB)
      .option('--keys <n>', 'distinct keys, written again and again', parseCount, 100_000)
      .option('--record-bytes <n>', 'value size of each record', parseCount, 100)
      .option('--batch-bytes <n>', 'largest batch', parseCount, 16 * 1024)
      .option('--segment-bytes <n>', 'segment.bytes of the compacted log', parseCount, 16 * MiB)
      .option('--produced-batches <n>', 'paced appends in each produce-latency phase', parseCount, 20_000)
      .option('--commits <list>', 'commit counts for the failover figures, comma-separated', (v: string) => v.split(',').map(parseCount), [100_000, 1_000_000])
      .option('--group-partitions <n>', 'group-partitions committed over and over', parseCount, 1_000)
      .option('--dir <path>', 'where the logs are written', os.tmpdir());
  },
  run: (options: OptionValues, progress: Progress) => run(options as CompactionBenchOptions, progress),
};
