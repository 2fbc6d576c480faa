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
import { median, parseCount, parseCountOrZero, type Benchmark, type Progress } from './harness';
import { ACKS_ALL_BATCH_SIZE, defaultBatchSize, measureProduce, phaseOf, rate, storedNote, type Alongside, type ProduceBenchOptions, type ProduceMeasurement } from './produce';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

/** The bound on the change of produce throughput. */
const allowedChangePercent = 5;

/** What the watched side has (--watchers): the default is the issue's; the others tell its cost apart. */
const WATCHED_BY = [...WATCHERS, 'none'] as const;
type WatchedBy = (typeof WATCHED_BY)[number];

function parseWatchedBy(value: string): WatchedBy {
  const found = WATCHED_BY.find((w) => w === value);
  if (found === undefined) throw new Error(`--watchers wants one of ${WATCHED_BY.join(', ')}, got "${value}"`);
  return found;
}

function describeWatched(watchedBy: WatchedBy, scrapeIntervalMs: number): string {
  switch (watchedBy) {
    case 'both': return `console open, metrics every ${scrapeIntervalMs} ms`;
    case 'console': return 'console open, metrics not scraped';
    case 'scrape': return `metrics every ${scrapeIntervalMs} ms, no console`;
    case 'none': return 'metrics.port on, nobody watching';
  }
}

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
  // 'none': the brokers count and serve metrics, and nothing starts beside them.
  const start: Alongside = watchers === 'none' ? async () => async () => undefined : watcher(scrapeIntervalMs, watchers, watching);
  const pairs: { plain: ProduceMeasurement; watched: ProduceMeasurement }[] = [];
  for (let i = 1; i <= runs; i++) {
    const tag = `run ${i}/${runs}: `;
    const plain = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}plain: ${m}`));
    const watched = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}watched: ${m}`), { metrics: true, start });
    if (i % 2 === 1) {
      const p = await plain();
      pairs.push({ plain: p, watched: await watched() });
    } else {
      const w = await watched();
      pairs.push({ plain: await plain(), watched: w });
    }
  }
  const changes = pairs.map(({ plain, watched }) => (rate(watched) / rate(plain) - 1) * 100);
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
    },
    notes: [
      `Median change of throughput, ${watchedAs}: ${medianChange >= 0 ? '+' : ''}${medianChange.toFixed(1)}% (runs: ${changes.map((c) => c.toFixed(1)).join(', ')}); the issue allows ${allowedChangePercent}%: ${Math.abs(medianChange) < allowedChangePercent ? 'within it' : 'OVER IT'}.`,
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
    command.option('--watchers <what>', `what watches the watched side: ${WATCHED_BY.join(', ')} (console or scraper alone; none: metrics.port on, nothing started)`, parseWatchedBy, 'both');
  },
  run,
};
