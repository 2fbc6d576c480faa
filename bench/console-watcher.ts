/**
 * The watchers of `bench console-cost`, in a process of their own as they are in use (the console
 * is `josef console`, Prometheus another program): `node console-watcher.js ZK_CONNECT INTERVAL_MS
 * WATCHERS METRICS_URL...` starts the console on the cluster and connects a page to its live feed
 * (parsing each message, as the page does), scrapes every metrics URL each INTERVAL_MS (WATCHERS
 * `both`; `console` or `scrape` for one of them alone), prints `ready` once watching, and on
 * SIGTERM prints one JSON line of what it did and exits; it exits as well when its stdin closes
 * (the bench is gone). The scrapes go over one kept-alive connection per broker with Node's http,
 * as Prometheus keeps one: with fetch, its per-request machinery made the scraper's own CPU
 * (Prometheus, in Go, pays far less per scrape) the larger part of what the watchers took.
 */
import http from 'http';
import WebSocket from 'ws';
import { httpGetText } from '../src/common/http-get';
import { createLogger } from '../src/common/logger';
import { startConsole } from '../src/console/console';
import { LIVE_PATH } from '../src/console/console-server';

export interface WatcherCounts {
  scrapes: number;
  scrapeFailures: number;
  pageMessages: number;
  pageBytes: number;
  /** CPU the watchers' process used while watching (user + system), in ms. */
  cpuMs: number;
}

/** What watches the cluster: the console with a page on its feed, the scraper, or both. */
export const WATCHERS = ['both', 'console', 'scrape'] as const;
export type Watchers = (typeof WATCHERS)[number];

/** The console with a page reading its live feed; close() ends both. */
async function consoleWithPage(zookeeperConnect: string, counts: WatcherCounts): Promise<{ close(): Promise<void> }> {
  const console = await startConsole({ zookeeperConnect, port: 0, logger: createLogger('bench-console', () => undefined) });
  const page = new WebSocket(`${console.url.replace(/^http/, 'ws')}${LIVE_PATH.slice(1)}`);
  page.on('message', (data: Buffer) => {
    counts.pageMessages++;
    counts.pageBytes += data.length;
    JSON.parse(data.toString());
  });
  await new Promise((resolve, reject) => page.once('open', resolve).once('error', reject));
  return {
    close: () => {
      page.terminate();
      return console.close();
    },
  };
}

async function watch(zookeeperConnect: string, intervalMs: number, watchers: Watchers, metricsUrls: string[]): Promise<void> {
  const counts: WatcherCounts = { scrapes: 0, scrapeFailures: 0, pageMessages: 0, pageBytes: 0, cpuMs: 0 };
  const console = watchers === 'scrape' ? undefined : await consoleWithPage(zookeeperConnect, counts);
  const scraped = watchers === 'console' ? [] : metricsUrls;
  const cpuAtStart = process.cpuUsage();
  // One connection per broker, kept open from one scrape to the next, as Prometheus keeps its own.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const timer = setInterval(() => {
    for (const url of scraped) {
      httpGetText(url, agent, intervalMs).then(() => { counts.scrapes++; }, () => { counts.scrapeFailures++; });
    }
  }, intervalMs);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    agent.destroy();
    const cpu = process.cpuUsage(cpuAtStart);
    counts.cpuMs = (cpu.user + cpu.system) / 1000;
    void (console?.close() ?? Promise.resolve()).then(() => {
      process.stdout.write(`${JSON.stringify(counts)}\n`);
      process.exit(0);
    });
  });
  // A bench that is gone (interrupted, killed) closes its end of our stdin: nobody is left to report to.
  process.stdin.once('close', () => process.exit(0)).resume();
  process.stdout.write('ready\n');
}

if (require.main === module) {
  const [zookeeperConnect, intervalMs, watchers, ...metricsUrls] = process.argv.slice(2);
  watch(zookeeperConnect, Number(intervalMs), watchers as Watchers, metricsUrls).catch((err: unknown) => {
    process.stderr.write(`console-watcher: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
