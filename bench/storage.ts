/**
 * `npm run bench -- storage`: the partition log against the file system's own speed. Each round
 * makes one pass over a fresh log (append --bytes of ~16 KiB batches through appendAsLeader, read
 * them back through read, into a reused buffer and again into fresh ones) and one over a raw file (the same bytes with plain sequential fs calls),
 * alternating which goes first; the report gives the median. Then it times LogManager.open after
 * a simulated crash. RSS is sampled throughout to show the data stays in the page cache.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command, OptionValues } from 'commander';
import { systemClock } from '../src/common/clock';
import { createLogger, type Logger } from '../src/common/logger';
import { logConfig, type LogConfig } from '../src/storage/log-config';
import { LogManager } from '../src/storage/log-manager';
import { MiB, RssSampler, mbPerSec, parseCount, type Benchmark, type Progress } from './harness';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';
import {
  appendPhase, buildWorkload, dropPageCache, logReadPhase, rawReadPhase, rawWritePhase, syncFile, type Workload,
} from './storage-phases';
import { recoveryTable, timeRecovery, type RecoveryTimes } from './storage-recovery';

interface StorageBenchOptions {
  bytes: number;
  batchBytes: number;
  recordBytes: number;
  readBytes: number;
  segmentBytes: number;
  rounds: number;
  dir: string;
  dropCaches: boolean;
  keep: boolean;
}

const topic = 'bench';
const partition = 0;

/** What every round shares. */
interface RunContext {
  opts: StorageBenchOptions;
  config: LogConfig;
  logger: Logger;
  workload: Workload;
  rss: RssSampler;
  progress: Progress;
  /** Drops the page cache before a read or an open when asked to; collects why it could not. */
  dropCacheIfAsked: () => void;
}

/** What one pass over the log or over the raw file measured. */
interface PassResult {
  write: ThroughputPhase;
  read: ThroughputPhase;
}

interface LogPassResult extends PassResult {
  /** The same reads, each into a fresh Buffer (as the broker's Fetch path reads). */
  readFresh: ThroughputPhase;
  recovery: RecoveryTimes;
  segmentCount: number;
}

/**
 * Appends to a fresh log, then (untimed) flushes it and checkpoints a recovery point near its end,
 * reads it back, and closes it without a clean shutdown (a crash) to time the reopenings.
 */
function logPass(ctx: RunContext, logDir: string): LogPassResult {
  const manager = LogManager.open([logDir], ctx.config, { clock: systemClock, logger: ctx.logger });
  const log = manager.getOrCreateLog(topic, partition);
  const write = appendPhase(log, ctx.workload, ctx.rss);
  log.flush();
  // Kafka flushes a segment when it rolls, so a crash finds the recovery point at the active
  // segment's base, or one segment earlier if that flush had not run yet. Take the worse case:
  // recovery checks the last full segment and the active one. (Lowering it claims less is on disk.)
  const baseOffsets = log.segmentBaseOffsets();
  log.recoveryPoint = baseOffsets[Math.max(0, baseOffsets.length - 2)];
  manager.checkpointRecoveryPoints();
  ctx.dropCacheIfAsked();
  const read = logReadPhase(log, ctx.workload, ctx.opts.readBytes, ctx.rss, 'reused');
  ctx.dropCacheIfAsked();
  const readFresh = logReadPhase(log, ctx.workload, ctx.opts.readBytes, ctx.rss, 'fresh');
  const segmentCount = log.segmentCount;
  log.close();
  const recovery = timeRecovery({
    logDir, config: ctx.config, logger: ctx.logger, expectedLogEndOffset: ctx.workload.totalRecords, beforeEachOpen: ctx.dropCacheIfAsked,
  });
  return { write, read, readFresh, recovery, segmentCount };
}

/** Writes the raw file, then (untimed) fsyncs it, then reads it back. */
function rawPass(ctx: RunContext, rawPath: string): PassResult {
  const write = rawWritePhase(rawPath, ctx.workload, ctx.rss);
  syncFile(rawPath);
  ctx.dropCacheIfAsked();
  return { write, read: rawReadPhase(rawPath, ctx.workload, ctx.opts.readBytes, ctx.rss) };
}

/** The pass with the median time (of an even count, the faster middle one), with the spread of all. */
function median(phases: readonly ThroughputPhase[]): ThroughputPhase {
  const sorted = [...phases].sort((a, b) => a.elapsedMs - b.elapsedMs);
  const mbps = phases.map((p) => mbPerSec(p.bytes, p.elapsedMs));
  return { ...sorted[(sorted.length - 1) >> 1], mbpsRange: [Math.min(...mbps), Math.max(...mbps)] };
}

/** The median (of an even count, the lower middle one). */
function medianOf(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];
}

interface StorageRun {
  workload: Workload;
  phases: { append: ThroughputPhase; rawWrite: ThroughputPhase; read: ThroughputPhase; readFresh: ThroughputPhase; rawRead: ThroughputPhase };
  recovery: RecoveryTimes;
  segmentCount: number;
  rss: RssSampler;
  dropFailure: string | undefined;
}

/**
 * `opts.rounds` rounds of a log pass and a raw pass, alternating which goes first. Each pass
 * deletes its files when done (but the last log with --keep), so that no pass runs beside another's
 * gigabyte of cached data: on the machine measured, that alone halved raw write speed.
 */
function runRounds(ctx: RunContext, workDir: string): { logPasses: LogPassResult[]; rawPasses: PassResult[] } {
  const logPasses: LogPassResult[] = [];
  const rawPasses: PassResult[] = [];
  const mbps = (p: ThroughputPhase): string => mbPerSec(p.bytes, p.elapsedMs).toFixed(0);
  for (let round = 0; round < ctx.opts.rounds; round++) {
    const runLog = (): void => {
      const logDir = path.join(workDir, `logs-${round}`);
      const pass = logPass(ctx, logDir);
      if (!ctx.opts.keep || round < ctx.opts.rounds - 1) fs.rmSync(logDir, { recursive: true, force: true });
      logPasses.push(pass);
      ctx.progress(`  log: append ${mbps(pass.write)} MB/s, read ${mbps(pass.read)} MB/s (fresh buffers ${mbps(pass.readFresh)}), crash recovery ${pass.recovery.crashMs.toFixed(0)} ms`);
    };
    const runRaw = (): void => {
      const rawPath = path.join(workDir, `raw-${round}.bin`);
      const pass = rawPass(ctx, rawPath);
      fs.rmSync(rawPath);
      rawPasses.push(pass);
      ctx.progress(`  raw: write ${mbps(pass.write)} MB/s, read ${mbps(pass.read)} MB/s`);
    };
    const logFirst = round % 2 === 0;
    const w = ctx.workload;
    ctx.progress(`round ${round + 1} of ${ctx.opts.rounds}: ${w.batchCount} batches of ${w.batchBytes} bytes ` +
      `(${w.recordsPerBatch} records), ${logFirst ? 'log' : 'raw file'} first`);
    for (const pass of logFirst ? [runLog, runRaw] : [runRaw, runLog]) pass();
  }
  return { logPasses, rawPasses };
}

function runAll(opts: StorageBenchOptions, workDir: string, progress: Progress): StorageRun {
  const workload = buildWorkload(opts.bytes, opts.batchBytes, opts.recordBytes);
  const dropFailures: string[] = [];
  const maybeDropCache = (): void => {
    const failure = opts.dropCaches ? dropPageCache() : undefined;
    if (failure !== undefined) dropFailures.push(failure);
  };
  const ctx: RunContext = {
    opts, config: logConfig({ segmentBytes: opts.segmentBytes }), logger: createLogger('bench.storage'),
    workload, rss: new RssSampler(), progress, dropCacheIfAsked: maybeDropCache,
  };
  const { logPasses, rawPasses } = runRounds(ctx, workDir);
  return {
    workload,
    phases: {
      append: median(logPasses.map((p) => p.write)),
      rawWrite: median(rawPasses.map((p) => p.write)),
      read: median(logPasses.map((p) => p.read)),
      readFresh: median(logPasses.map((p) => p.readFresh)),
      rawRead: median(rawPasses.map((p) => p.read)),
    },
    recovery: {
      crashMs: medianOf(logPasses.map((p) => p.recovery.crashMs)),
      cleanMs: medianOf(logPasses.map((p) => p.recovery.cleanMs)),
      noCheckpointMs: medianOf(logPasses.map((p) => p.recovery.noCheckpointMs)),
    },
    segmentCount: logPasses[0].segmentCount, rss: ctx.rss, dropFailure: dropFailures[0],
  };
}

function cacheNote(opts: StorageBenchOptions, run: StorageRun): string {
  if (!opts.dropCaches) {
    return `Reads and recovery come from the page cache: the ${(run.workload.totalBytes / MiB).toFixed(0)} MiB were just written ` +
      'and fit in memory. --drop-caches (root) makes them come from the disk.';
  }
  if (run.dropFailure !== undefined) return `--drop-caches failed (${run.dropFailure}): reads still come from the page cache.`;
  return 'The page cache was dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before each read phase and each open: reads come from the disk.';
}

function buildReport(opts: StorageBenchOptions, run: StorageRun): BenchReport {
  const { append, rawWrite, read, readFresh, rawRead } = run.phases;
  const mbps = (p: ThroughputPhase): number => mbPerSec(p.bytes, p.elapsedMs);
  const appendVsRaw = (mbps(append) / mbps(rawWrite)) * 100;
  const readVsRaw = (mbps(read) / mbps(rawRead)) * 100;
  const readFreshVsRaw = (mbps(readFresh) / mbps(rawRead)) * 100;
  append.remark = `${appendVsRaw.toFixed(0)}% of raw write`;
  read.remark = `${readVsRaw.toFixed(0)}% of raw read`;
  readFresh.remark = `${readFreshVsRaw.toFixed(0)}% of raw read`;
  const w = run.workload;
  const rssStartMB = run.rss.startBytes / MiB;
  const rssMB = run.rss.peakBytes / MiB;
  const title = `${(w.totalBytes / MiB).toFixed(0)} MiB, ${w.totalRecords} records of ${opts.recordBytes} bytes; ` +
    `median of ${opts.rounds} round(s), latency per call`;
  return {
    benchmark: 'storage',
    parameters: {
      bytes: w.totalBytes, batchBytes: w.batchBytes, recordsPerBatch: w.recordsPerBatch, recordBytes: opts.recordBytes, readBytes: opts.readBytes,
      segmentBytes: opts.segmentBytes, segments: run.segmentCount, rounds: opts.rounds, dropCaches: opts.dropCaches, dir: opts.dir,
    },
    tables: [
      throughputTable(title, [append, rawWrite, read, readFresh, rawRead]),
      recoveryTable(run.recovery, run.segmentCount, opts.segmentBytes, opts.rounds),
    ],
    figures: {
      appendMBps: mbps(append),
      rawWriteMBps: mbps(rawWrite),
      readMBps: mbps(read),
      readFreshMBps: mbps(readFresh),
      rawReadMBps: mbps(rawRead),
      recordsPerSec: append.records / (append.elapsedMs / 1000),
      readRecordsPerSec: read.records / (read.elapsedMs / 1000),
      appendVsRawPercent: appendVsRaw,
      readVsRawPercent: readVsRaw,
      readFreshVsRawPercent: readFreshVsRaw,
      appendP99Us: append.latency?.p99Us ?? NaN,
      readP99Us: read.latency?.p99Us ?? NaN,
      rssStartMB,
      rssMB,
      recoveryMs: run.recovery.crashMs,
      fullRecoveryMs: run.recovery.noCheckpointMs,
      cleanOpenMs: run.recovery.cleanMs,
    },
    notes: [
      cacheNote(opts, run),
      'Nothing is fsynced inside a timed phase (Kafka\'s default: the OS flushes, replication gives durability); each write phase is followed by an untimed fsync.',
      `RSS: ${rssStartMB.toFixed(0)} MB at the start, ${rssMB.toFixed(0)} MB at the peak: the data lives in the page cache, not the heap.`,
      'The headline read fills one reused buffer (LogReadOptions.into); the "fresh Buffer" row allocates one per read, as the broker\'s Fetch path does while a response holds on to its records.',
      'MB = 2^20 bytes. The raw rows\' records/s counts the records their bytes hold.',
    ],
  };
}

export const storageBenchmark: Benchmark = {
  name: 'storage',
  description: 'append and read back a partition log against plain sequential file I/O; time crash recovery; watch RSS',
  defineOptions(command: Command): void {
    command
      .option('--bytes <n>', 'bytes per pass over the log and over the raw file', parseCount, 1024 * MiB)
      .option('--batch-bytes <n>', 'largest batch, filled with whole records', parseCount, 16 * 1024)
      .option('--record-bytes <n>', 'value bytes per record (no key, no headers)', parseCount, 100)
      .option('--read-bytes <n>', 'maxBytes of each read', parseCount, MiB)
      // Smaller than Kafka's 1 GiB default so that the log has several segments and crash
      // recovery checks only the last ones, as on a broker whose log is many segments long.
      .option('--segment-bytes <n>', 'log.segment.bytes', parseCount, 128 * MiB)
      .option('--rounds <n>', 'rounds to take the median of, alternating whether the log or the raw file goes first', parseCount, 3)
      .option('--dir <dir>', 'parent folder for the run\'s files (a fresh subfolder is made and removed)', os.tmpdir())
      .option('--drop-caches', 'as root: sync and drop the page cache before each read phase and each open', false)
      .option('--keep', 'keep the last log\'s files (and say where)', false);
  },
  async run(options: OptionValues, progress: Progress): Promise<BenchReport> {
    const opts = options as StorageBenchOptions;
    fs.mkdirSync(opts.dir, { recursive: true });
    const workDir = fs.mkdtempSync(path.join(opts.dir, 'josef-bench-storage-'));
    try {
      return buildReport(opts, runAll(opts, workDir, progress));
    } finally {
      if (opts.keep) progress(`kept ${workDir}`);
      else fs.rmSync(workDir, { recursive: true, force: true });
    }
  },
};
