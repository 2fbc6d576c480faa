/**
 * The watchers of `bench console-cost`, in a process of their own as they are in use (the console
 * is `josef console`, Prometheus another program): `node console-watcher.js ZK_CONNECT INTERVAL_MS
 * METRICS_URL...` starts the console on the cluster, connects a page to its live feed (parsing
 * each message, as the page does), scrapes every metrics URL each INTERVAL_MS, prints `ready`
 * once watching, and on SIGTERM prints one JSON line of what it did and exits.
 */
import WebSocket from 'ws';
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

async function watch(zookeeperConnect: string, intervalMs: number, metricsUrls: string[]): Promise<void> {
  const counts: WatcherCounts = { scrapes: 0, scrapeFailures: 0, pageMessages: 0, pageBytes: 0, cpuMs: 0 };
  const console = await startConsole({ zookeeperConnect, port: 0, logger: createLogger('bench-console', () => undefined) });
  const page = new WebSocket(`${console.url.replace(/^http/, 'ws')}${LIVE_PATH.slice(1)}`);
  page.on('message', (data: Buffer) => {
    counts.pageMessages++;
    counts.pageBytes += data.length;
    JSON.parse(data.toString());
  });
  await new Promise((resolve, reject) => page.once('open', resolve).once('error', reject));
  const cpuAtStart = process.cpuUsage();
  const timer = setInterval(() => {
    for (const url of metricsUrls) {
      fetch(url, { signal: AbortSignal.timeout(intervalMs) }).then((r) => r.text()).then(() => { counts.scrapes++; }, () => { counts.scrapeFailures++; });
    }
  }, intervalMs);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    const cpu = process.cpuUsage(cpuAtStart);
    counts.cpuMs = (cpu.user + cpu.system) / 1000;
    page.terminate();
    void console.close().then(() => {
      process.stdout.write(`${JSON.stringify(counts)}\n`);
      process.exit(0);
    });
  });
  process.stdout.write('ready\n');
}

if (require.main === module) {
  const [zookeeperConnect, intervalMs, ...metricsUrls] = process.argv.slice(2);
  watch(zookeeperConnect, Number(intervalMs), metricsUrls).catch((err: unknown) => {
    process.stderr.write(`console-watcher: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
