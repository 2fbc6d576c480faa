/**
 * `npm run bench -- console-cost`: what watching a cluster costs its producers (issue 20: under 5%
 * of produce throughput). Each run measures the produce benchmark twice on fresh clusters, side by
 * side: plainly (no metrics.port, nobody watching), and watched: every broker with metrics.port,
 * scraped every --scrape-interval-ms as Prometheus would, and the console (josef console on the
 * cluster's ZooKeeper) running with a page connected to its live feed, reading every message the
 * page would; all of it in a process of its own (console-watcher.ts), as it runs in use, not in
 * the producer's. The order alternates from run to run, so a slow spell of a shared machine falls on
 * both sides; the report gives each run's change and the median of them. --watchers console,
 * scrape or none (metrics.port on, nothing watching) measure one part of the cost at a time.
 */
import { spawn } from 'child_process';
import type { Command, OptionValues } from 'commander';
import path from 'path';
import { formatNumber } from '../src/cli/format';
import { waitFor } from '../src/common/wait';
import { WATCHERS, type WatcherCounts, type Watchers } from './console-watcher';
import { clientOptions, DEFAULT_BATCH_SIZE, defineClientOptions } from './client-bench';
import { median, parseCount, parseCountOrZero, parseOneOf, processCpuMs, type Benchmark, type Progress } from './harness';
import { ACKS_ALL_BATCH_SIZE, defaultBatchSize, measureProduce, phaseOf, rate, storedNote, type Alongside, type ProduceBenchOptions, type ProduceMeasurement } from './produce';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

/** The bound on the change of produce throughput. */
const allowedChangePercent = 5;

/** What the watched side has (--watchers): the default is the issue's; the others tell its cost apart. */
const WATCHED_BY = [...WATCHERS, 'none'] as const;
type WatchedBy = (typeof WATCHED_BY)[number];

function describeWatched(watchedBy: WatchedBy, scrapeIntervalMs: number): string {
  switch (watchedBy) {
    case 'both': return `console open, metrics every ${scrapeIntervalMs} ms`;
    case 'console': return 'console open, metrics not scraped';
    case 'scrape': return `metrics every ${scrapeIntervalMs} ms, no console`;
    case 'none': return 'metrics.port on, nobody watching';
  }
}

/** CPU (user + system) one side used from the watchers' start to their stop, in ms. */
interface SideCpu {
  brokersMs: number;
  /** This process: the producer. */
  producerMs: number;
  /** The watchers' process (0 on the plain side and with --watchers none). */
  watchersMs: number;
}

/** Around `start` (which may start nothing), counts the CPU the brokers and this process used until stopped; `cpu` gets it. */
function countingCpu(start: Alongside, cpu: (used: SideCpu) => void, watchersMs: () => number): Alongside {
  return async (cluster, topic) => {
    const stop = await start(cluster, topic);
    const brokersAtStart = processCpuMs(cluster.brokerPids());
    const producerAtStart = process.cpuUsage();
    const watchersAtStart = watchersMs();
    return async () => {
      const brokersMs = processCpuMs(cluster.brokerPids()) - brokersAtStart;
      const producer = process.cpuUsage(producerAtStart);
      await stop();
      cpu({ brokersMs, producerMs: (producer.user + producer.system) / 1000, watchersMs: watchersMs() - watchersAtStart });
    };
  };
}

const cpuTotalMs = (c: SideCpu): number => c.brokersMs + c.producerMs + c.watchersMs;

/** Starts the watchers (bench/console-watcher.ts) in a process of their own; stopping them adds up what they did. */
function watcher(scrapeIntervalMs: number, watchers: Watchers, watching: WatcherCounts): Alongside {
  return async (cluster) => {
    if (cluster.zookeeperConnect === undefined) throw new Error('console-cost starts its own clusters; it cannot watch one given with --bootstrap-server');
    const script = path.join(__dirname, `console-watcher${path.extname(__filename)}`);
    const tsNode = path.extname(__filename) === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [];
    const child = spawn(process.execPath, [...tsNode, script, cluster.zookeeperConnect, String(scrapeIntervalMs), watchers, ...cluster.metricsUrls], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`the console watcher exited (${child.exitCode}) before it was ready`);
        return output.startsWith('ready\n');
      }, { timeoutMs: 60_000, intervalMs: 50, message: 'the console watcher to be ready' });
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return async () => {
      child.kill('SIGTERM');
      await exited;
      const counts = JSON.parse(output.slice('ready\n'.length)) as WatcherCounts;
      for (const key of Object.keys(counts) as (keyof WatcherCounts)[]) watching[key] += counts[key];
    };
  };
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const given = clientOptions(options);
  const o: ProduceBenchOptions = {
    ...given, batchSize: (given.batchSize as number | undefined) ?? defaultBatchSize(given.acks), warmupRecords: (options as { warmupRecords: number }).warmupRecords,
  };
  const { runs, scrapeIntervalMs, watchers } = options as { runs: number; scrapeIntervalMs: number; watchers: WatchedBy };
  const watchedAs = describeWatched(watchers, scrapeIntervalMs);
  const watching: WatcherCounts = { scrapes: 0, scrapeFailures: 0, pageMessages: 0, pageBytes: 0, cpuMs: 0 };
  const nothing: Alongside = async () => async () => undefined;
  // 'none': the brokers count and serve metrics, and nothing starts beside them.
  const start: Alongside = watchers === 'none' ? nothing : watcher(scrapeIntervalMs, watchers, watching);
  const pairs: { plain: ProduceMeasurement; watched: ProduceMeasurement; plainCpu: SideCpu; watchedCpu: SideCpu }[] = [];
  for (let i = 1; i <= runs; i++) {
    const tag = `run ${i}/${runs}: `;
    let plainCpu: SideCpu | undefined;
    let watchedCpu: SideCpu | undefined;
    const plain = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}plain: ${m}`), { metrics: false, start: countingCpu(nothing, (c) => { plainCpu = c; }, () => 0) });
    const watched = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}watched: ${m}`), { metrics: true, start: countingCpu(start, (c) => { watchedCpu = c; }, () => watching.cpuMs) });
    let p: ProduceMeasurement;
    let w: ProduceMeasurement;
    if (i % 2 === 1) {
      p = await plain();
      w = await watched();
    } else {
      w = await watched();
      p = await plain();
    }
    if (plainCpu === undefined || watchedCpu === undefined) throw new Error('a side of the run did not report its CPU');
    pairs.push({ plain: p, watched: w, plainCpu, watchedCpu });
  }
  const changes = pairs.map(({ plain, watched }) => (rate(watched) / rate(plain) - 1) * 100);
  // Records sent while the CPU was counted: the warm-up, the timed ones and the first, which opens the connections.
  const countedRecords = o.warmupRecords + o.records + 1;
  const cpuUsPerRecord = (c: SideCpu): number => (cpuTotalMs(c) * 1000) / countedRecords;
  // On saturated cores throughput goes as 1 / CPU per record: the change that CPU alone makes.
  const cpuChanges = pairs.map(({ plainCpu, watchedCpu }) => (cpuTotalMs(plainCpu) / cpuTotalMs(watchedCpu) - 1) * 100);
  const medianCpuChange = median(cpuChanges);
  const sideMedian = (side: 'plainCpu' | 'watchedCpu', part: keyof SideCpu): number => median(pairs.map((p) => (p[side][part] * 1000) / countedRecords));
  const phases: ThroughputPhase[] = pairs.flatMap(({ plain, watched }, i) => [
    phaseOf(plain, `plain (run ${i + 1}${i % 2 === 1 ? ', second' : ', first'})`),
    { ...phaseOf(watched, `watched: ${watchedAs} (run ${i + 1})`), remark: `${changes[i] >= 0 ? '+' : ''}${changes[i].toFixed(1)}%` },
  ]);
  const medianChange = median(changes);
  return {
    benchmark: 'console-cost',
    parameters: { brokers: o.brokers, acks: o.acks, recordSize: o.recordSize, records: o.records, partitions: o.partitions, batchSize: o.batchSize, warmupRecords: o.warmupRecords, runs, scrapeIntervalMs, watchers },
    tables: [throughputTable('producer throughput, plain and watched, side by side', phases)],
    figures: {
      plainRecordsPerSec: median(pairs.map((p) => rate(p.plain))),
      watchedRecordsPerSec: median(pairs.map((p) => rate(p.watched))),
      changePercent: medianChange,
      changePercentMin: Math.min(...changes),
      changePercentMax: Math.max(...changes),
      scrapes: watching.scrapes,
      scrapeFailures: watching.scrapeFailures,
      pageMessages: watching.pageMessages,
      failedRecords: pairs.reduce((sum, p) => sum + p.plain.run.failed + p.watched.run.failed, 0),
      plainCpuUsPerRecord: median(pairs.map((p) => cpuUsPerRecord(p.plainCpu))),
      watchedCpuUsPerRecord: median(pairs.map((p) => cpuUsPerRecord(p.watchedCpu))),
      plainBrokersCpuUsPerRecord: sideMedian('plainCpu', 'brokersMs'),
      watchedBrokersCpuUsPerRecord: sideMedian('watchedCpu', 'brokersMs'),
      watchersCpuUsPerRecord: sideMedian('watchedCpu', 'watchersMs'),
      cpuChangePercent: medianCpuChange,
      cpuChangePercentMin: Math.min(...cpuChanges),
      cpuChangePercentMax: Math.max(...cpuChanges),
    },
    notes: [
      `Median change of throughput, ${watchedAs}: ${medianChange >= 0 ? '+' : ''}${medianChange.toFixed(1)}% (runs: ${changes.map((c) => c.toFixed(1)).join(', ')}); the issue allows ${allowedChangePercent}%: ${Math.abs(medianChange) < allowedChangePercent ? 'within it' : 'OVER IT'}.`,
      `CPU per record (brokers + producer + watchers, user + system, over the ${formatNumber(countedRecords, 0)} records sent while watched or counted): plain ${formatNumber(median(pairs.map((p) => cpuUsPerRecord(p.plainCpu))), 2)} µs, watched ${formatNumber(median(pairs.map((p) => cpuUsPerRecord(p.watchedCpu))), 2)} µs (brokers ${formatNumber(sideMedian('plainCpu', 'brokersMs'), 2)} -> ${formatNumber(sideMedian('watchedCpu', 'brokersMs'), 2)} µs, watchers ${formatNumber(sideMedian('watchedCpu', 'watchersMs'), 2)} µs); on saturated cores that alone changes throughput by ${medianCpuChange >= 0 ? '+' : ''}${medianCpuChange.toFixed(1)}% (median; runs: ${cpuChanges.map((c) => c.toFixed(1)).join(', ')}).`,
      `While watched: ${formatNumber(watching.scrapes, 0)} scrapes (${watching.scrapeFailures} failed), ${formatNumber(watching.pageMessages, 0)} messages (${formatNumber(watching.pageBytes / 1024, 0)} KiB) to the page; the watchers' process used ${formatNumber(watching.cpuMs, 0)} ms of CPU in all.`,
      ...pairs.flatMap((p, i) => [storedNote(p.plain, `Plain run ${i + 1}`), storedNote(p.watched, `Watched run ${i + 1}`)]),
      'The console, its page and the scraper ran in one process of their own beside the producer and the brokers. The page is a WebSocket client that parses every message, as the browser page does before drawing: the browser itself runs where the viewer sits.',
    ],
  };
}

export const consoleCostBenchmark: Benchmark = {
  name: 'console-cost',
  description: 'produce throughput with and without the console open and metrics scraped every second, side by side',
  defineOptions(command: Command): void {
    defineClientOptions(command, {
      records: 3_000_000,
      partitions: 6,
      batchSizeHelp: `the producer's batch.size (default: ${ACKS_ALL_BATCH_SIZE} with acks=all; ${DEFAULT_BATCH_SIZE} otherwise)`,
    });
    command.option('--warmup-records <n>', 'records sent first, untimed (the console and scraper already running)', parseCountOrZero, 1_000_000);
    command.option('--runs <n>', 'pairs of runs (plain and watched), the order alternating', parseCount, 3);
    command.option('--scrape-interval-ms <ms>', 'how often every broker\'s /metrics is scraped while watched', parseCount, 1000);
    command.option('--watchers <what>', `what watches the watched side: ${WATCHED_BY.join(', ')} (console or scraper alone; none: metrics.port on, nothing started)`, parseOneOf(WATCHED_BY, 'watcher'), 'both');
  },
  run,
};
