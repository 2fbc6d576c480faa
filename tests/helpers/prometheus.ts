/**
 * A real Prometheus server (Debian's `prometheus` package) for tests: it scrapes the given
 * targets every second, keeps its data in a temporary folder, and answers PromQL over its HTTP
 * API. stop() kills it and removes the folder.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import path from 'path';
import { freePorts } from '../../src/common/free-ports';
import { ensureDebianPackage } from './debian-package';
import { rmDir, tmpDir } from './tmp';
import { waitFor } from './wait';

export const prometheusBinary = '/usr/bin/prometheus';

export interface TestPrometheus {
  url: string;
  /** The instant vector of `promql` as [labels, value] pairs. */
  query(promql: string): Promise<Array<[Record<string, string>, number]>>;
  stop(): Promise<void>;
}

interface QueryAnswer {
  status: string;
  error?: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

export async function startPrometheus(targets: string[], scrapeIntervalS = 1): Promise<TestPrometheus> {
  ensureDebianPackage('prometheus', prometheusBinary);
  const dir = tmpDir('prometheus');
  const [port] = await freePorts(1);
  const config = [
    'global:',
    `  scrape_interval: ${scrapeIntervalS}s`,
    'scrape_configs:',
    '  - job_name: josef',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const log = fs.openSync(path.join(dir, 'prometheus.log'), 'a');
  const child: ChildProcess = spawn(prometheusBinary, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited;
    if (!process.env.JOSEF_TEST_KEEP) rmDir(dir);
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-2000)}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ?? false;
    }, { timeoutMs: 60_000, intervalMs: 200, message: 'Prometheus to be ready' });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const answer = (await response.json()) as QueryAnswer;
      if (answer.status !== 'success') throw new Error(`${promql}: ${answer.error}`);
      return answer.data.result.map((r) => [r.metric, Number(r.value[1])]);
    },
    stop,
  };
}
