/**
 * `npm run bench -- console-cost`: what watching a cluster costs its producers (issue 20: under 5%
 * of produce throughput). Each run measures the produce benchmark twice on fresh clusters, side by
 * side: plainly (no metrics.port, nobody watching), and watched: every broker with metrics.port,
 * scraped every --scrape-interval-ms as Prometheus would, and the console (josef console on the
 * cluster's ZooKeeper) running with a page connected to its live feed, reading every message the
 * page would. The order alternates from run to run, so a slow spell of a shared machine falls on
 * both sides; the report gives each run's change and the median of them.
 */
import type { Command, OptionValues } from 'commander';
import WebSocket from 'ws';
import { formatNumber } from '../src/cli/format';
import { startConsole } from '../src/console/console';
import { LIVE_PATH } from '../src/console/console-server';
import { clientOptions, DEFAULT_BATCH_SIZE, defineClientOptions, quietLogger } from './client-bench';
import { median, parseCount, parseCountOrZero, type Benchmark, type Progress } from './harness';
import { ACKS_ALL_BATCH_SIZE, defaultBatchSize, measureProduce, phaseOf, rate, storedNote, type Alongside, type ProduceBenchOptions, type ProduceMeasurement } from './produce';
import { throughputTable, type BenchReport, type ThroughputPhase } from './report';

/** The bound on the change of produce throughput. */
const allowedChangePercent = 5;

interface Watching {
  scrapes: number;
  scrapeFailures: number;
  pageMessages: number;
  pageBytes: number;
}

/** Starts the console and a page on its feed, and a scraper of every broker's metrics; counts what they did. */
function watcher(scrapeIntervalMs: number, watching: Watching): Alongside {
  return async (cluster) => {
    if (cluster.zookeeperConnect === undefined) throw new Error('console-cost starts its own clusters; it cannot watch one given with --bootstrap-server');
    const console = await startConsole({ zookeeperConnect: cluster.zookeeperConnect, port: 0, logger: quietLogger });
    const page = new WebSocket(`${console.url.replace(/^http/, 'ws')}${LIVE_PATH.slice(1)}`);
    page.on('message', (data: Buffer) => {
      watching.pageMessages++;
      watching.pageBytes += data.length;
      JSON.parse(data.toString()); // what the page does with each message before drawing
    });
    await new Promise((resolve, reject) => page.once('open', resolve).once('error', reject));
    const scrape = (): void => {
      for (const url of cluster.metricsUrls) {
        fetch(url, { signal: AbortSignal.timeout(scrapeIntervalMs) }).then((r) => r.text()).then(() => { watching.scrapes++; }, () => { watching.scrapeFailures++; });
      }
    };
    const timer = setInterval(scrape, scrapeIntervalMs);
    return async () => {
      clearInterval(timer);
      page.terminate();
      await console.close();
    };
  };
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const given = clientOptions(options);
  const o: ProduceBenchOptions = {
    ...given, batchSize: (given.batchSize as number | undefined) ?? defaultBatchSize(given.acks), warmupRecords: (options as { warmupRecords: number }).warmupRecords,
  };
  const { runs, scrapeIntervalMs } = options as { runs: number; scrapeIntervalMs: number };
  const watching: Watching = { scrapes: 0, scrapeFailures: 0, pageMessages: 0, pageBytes: 0 };
  const pairs: { plain: ProduceMeasurement; watched: ProduceMeasurement }[] = [];
  for (let i = 1; i <= runs; i++) {
    const tag = `run ${i}/${runs}: `;
    const plain = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}plain: ${m}`));
    const watched = (): Promise<ProduceMeasurement> => measureProduce(o, (m) => progress(`${tag}watched: ${m}`), { metrics: true, start: watcher(scrapeIntervalMs, watching) });
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
    { ...phaseOf(watched, `watched: console open, metrics every ${scrapeIntervalMs} ms (run ${i + 1})`), remark: `${changes[i] >= 0 ? '+' : ''}${changes[i].toFixed(1)}%` },
  ]);
  const medianChange = median(changes);
  return {
    benchmark: 'console-cost',
    parameters: { brokers: o.brokers, acks: o.acks, recordSize: o.recordSize, records: o.records, partitions: o.partitions, batchSize: o.batchSize, warmupRecords: o.warmupRecords, runs, scrapeIntervalMs },
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
      `Median change of throughput with the console and metrics: ${medianChange >= 0 ? '+' : ''}${medianChange.toFixed(1)}% (runs: ${changes.map((c) => c.toFixed(1)).join(', ')}); the issue allows ${allowedChangePercent}%: ${Math.abs(medianChange) < allowedChangePercent ? 'within it' : 'OVER IT'}.`,
      `While watched: ${formatNumber(watching.scrapes, 0)} scrapes (${watching.scrapeFailures} failed), ${formatNumber(watching.pageMessages, 0)} messages (${formatNumber(watching.pageBytes / 1024, 0)} KiB) to the page.`,
      ...pairs.flatMap((p, i) => [storedNote(p.plain, `Plain run ${i + 1}`), storedNote(p.watched, `Watched run ${i + 1}`)]),
      'The page is a WebSocket client that parses every message, as the browser page does before drawing: the browser itself runs where the viewer sits, not on the brokers\' machine.',
    ],
  };
}

export const consoleCostBenchmark: Benchmark = {
  name: 'console-cost',
  description: 'produce throughput with and without the console open and metrics scraped every second, side by side',
  defineOptions(command: Command): void {
    defineClientOptions(command, {
      records: 1_000_000,
      partitions: 6,
      batchSizeHelp: `the producer's batch.size (default: ${ACKS_ALL_BATCH_SIZE} with acks=all; ${DEFAULT_BATCH_SIZE} otherwise)`,
    });
    command.option('--warmup-records <n>', 'records sent first, untimed (the console and scraper already running)', parseCountOrZero, 500_000);
    command.option('--runs <n>', 'pairs of runs (plain and watched), the order alternating', parseCount, 3);
    command.option('--scrape-interval-ms <ms>', 'how often every broker\'s /metrics is scraped while watched', parseCount, 1000);
  },
  run,
};
