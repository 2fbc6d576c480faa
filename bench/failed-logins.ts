/**
 * `npm run bench -- failed-logins`: issue 21's "10,000 failed logins from one client while
 * others keep producing". One broker with a PLAINTEXT listener for the producers and a
 * SASL_PLAINTEXT one for the intruder; --producers producers send --rate records/s in all
 * (acks=1) throughout three phases: quiet, the storm (failed-login-storm.ts in a process of its
 * own: --attempts wrong SCRAM logins, --concurrency at a time), quiet again. Each phase reports
 * the producers' acknowledged rate and latency and the broker's CPU; the storm also the
 * intruder's rate. Every value of --delays-ms (connection.failed.authentication.delay.ms) gets a
 * fresh broker, so KIP-306's delay can be seen doing its work against none in the same run.
 */
import { spawn } from 'child_process';
import type { Command, OptionValues } from 'commander';
import path from 'path';
import { Producer } from '../src/client/producer';
import { freePorts } from '../src/common/free-ports';
import { formatNumber } from '../src/cli/format';
import { ZkClient } from '../src/coordination/zk-client';
import { addScramUser } from '../src/security/user-admin';
import { quietLogger, startBenchCluster } from './bench-cluster';
import { randomPayload } from './client-bench';
import type { StormResult } from './failed-login-storm';
import { LatencyRecorder, median, parseCount, parseCountList, processCpuMs, type Benchmark, type LatencySummary, type Progress } from './harness';
import type { BenchReport } from './report';

const intruder = 'alice';
/** How often the steady producers send their share of the rate. */
const tickMs = 10;

/** --producers producers sending --rate records/s between them; `phase()` reads and resets what was acknowledged since the last call. */
class SteadyLoad {
  private acked = 0;
  private failed = 0;
  private latency = new LatencyRecorder();
  private readonly timer: NodeJS.Timeout;
  private owed = 0;
  private turn = 0;

  constructor(private readonly producers: Producer[], topic: string, ratePerSec: number, payload: Buffer) {
    let lastNs = process.hrtime.bigint();
    this.timer = setInterval(() => {
      // By the time passed, not the ticks: a loaded machine runs timers late, and the rate must hold.
      const nowNs = process.hrtime.bigint();
      this.owed += (ratePerSec * Number(nowNs - lastNs)) / 1e9;
      lastNs = nowNs;
      for (; this.owed >= 1; this.owed--) {
        const sentNs = process.hrtime.bigint();
        const latency = this.latency;
        this.producers[this.turn++ % this.producers.length].send({ topic, value: payload }).then(() => {
          this.acked++;
          latency.recordSince(sentNs);
        }, () => void this.failed++);
      }
    }, tickMs);
  }

  phase(): { acked: number; failed: number; latency: LatencySummary } {
    const result = { acked: this.acked, failed: this.failed, latency: this.latency.summary() };
    this.acked = 0;
    this.failed = 0;
    this.latency = new LatencyRecorder();
    return result;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.producers.map((p) => p.close()));
  }
}

/** Runs failed-login-storm.ts in its own process and returns what it reports. */
function runStorm(host: string, port: number, attempts: number, concurrency: number): Promise<StormResult> {
  const script = path.join(__dirname, `failed-login-storm${path.extname(__filename)}`);
  const tsNode = path.extname(__filename) === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [];
  const child = spawn(process.execPath, [...tsNode, script, host, String(port), String(attempts), String(concurrency), intruder], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  return new Promise((resolve, reject) => child.once('exit', (code) => {
    if (code !== 0) reject(new Error(`the failed-login storm exited with ${code}`));
    else resolve(JSON.parse(output) as StormResult);
  }));
}

interface Phase {
  delayMs: number;
  name: string;
  elapsedMs: number;
  acked: number;
  failed: number;
  latency: LatencySummary;
  brokerCpuPercent: number;
  storm?: StormResult;
}

interface FailedLoginsOptions {
  attempts: number;
  concurrency: number;
  producers: number;
  rate: number;
  recordSize: number;
  quietMs: number;
  delaysMs: number[];
}

/** One fresh broker with connection.failed.authentication.delay.ms = delayMs: quiet, storm, quiet. */
async function measureDelay(o: FailedLoginsOptions, delayMs: number, progress: Progress): Promise<Phase[]> {
  const [plainPort, saslPort] = await freePorts(2);
  const started = await startBenchCluster({
    name: 'failed-logins', brokers: 1, zkBasePort: 22100, ports: [plainPort], overrides: {
      listeners: `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
      'connection.failed.authentication.delay.ms': String(delayMs),
      'offsets.topic.replication.factor': '1',
    },
  }, progress);
  const { cluster } = started;
  const bootstrap = `127.0.0.1:${plainPort}`;
  try {
    const zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    try {
      await addScramUser(zk, intruder, 'the-real-password', ['SCRAM-SHA-256']);
    } finally {
      await zk.close();
    }
    const topic = 'failed-logins';
    const producers = Array.from({ length: o.producers }, (_, i) => new Producer({ bootstrapServers: bootstrap, acks: 1, logger: quietLogger, clientId: `steady-${i}` }));
    const payload = randomPayload(o.recordSize);
    await Promise.all(producers.map((p) => p.send({ topic, value: payload }))); // auto-creates the topic, connects
    const load = new SteadyLoad(producers, topic, o.rate, payload);
    const brokerPid = cluster.broker(1).pid as number;
    const phases: Phase[] = [];
    const measure = async (name: string, body: () => Promise<StormResult | undefined>): Promise<void> => {
      load.phase();
      const cpuBefore = processCpuMs([brokerPid]);
      const startedAt = Date.now();
      const storm = await body();
      const elapsedMs = Date.now() - startedAt;
      const brokerCpuPercent = ((processCpuMs([brokerPid]) - cpuBefore) / elapsedMs) * 100;
      phases.push({ delayMs, name, elapsedMs, brokerCpuPercent, storm, ...load.phase() });
    };
    const quiet = (): Promise<undefined> => new Promise((resolve) => setTimeout(() => resolve(undefined), o.quietMs));
    try {
      progress(`delay ${delayMs} ms: quiet for ${o.quietMs} ms`);
      await measure('quiet, before', quiet);
      progress(`delay ${delayMs} ms: ${formatNumber(o.attempts, 0)} failed logins, ${o.concurrency} at a time`);
      await measure('failed-login storm', () => runStorm('127.0.0.1', saslPort, o.attempts, o.concurrency));
      progress(`delay ${delayMs} ms: quiet for ${o.quietMs} ms`);
      await measure('quiet, after', quiet);
    } finally {
      await load.stop();
    }
    return phases;
  } finally {
    await started.stop();
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as unknown as FailedLoginsOptions;
  const phases: Phase[] = [];
  for (const delayMs of o.delaysMs) phases.push(...await measureDelay(o, delayMs, progress));
  const perSec = (n: number, ms: number): number => n / (ms / 1000);
  const figures: Record<string, number> = {};
  for (const delayMs of o.delaysMs) {
    const of = phases.filter((p) => p.delayMs === delayMs);
    const storm = of.find((p) => p.storm !== undefined) as Phase;
    const quiet = of.filter((p) => p.storm === undefined);
    Object.assign(figures, {
      [`delay${delayMs}QuietAckedPerSec`]: median(quiet.map((p) => perSec(p.acked, p.elapsedMs))),
      [`delay${delayMs}StormAckedPerSec`]: perSec(storm.acked, storm.elapsedMs),
      [`delay${delayMs}QuietP99Ms`]: median(quiet.map((p) => p.latency.p99Us / 1000)),
      [`delay${delayMs}StormP99Ms`]: storm.latency.p99Us / 1000,
      [`delay${delayMs}QuietBrokerCpuPercent`]: median(quiet.map((p) => p.brokerCpuPercent)),
      [`delay${delayMs}StormBrokerCpuPercent`]: storm.brokerCpuPercent,
      [`delay${delayMs}FailedLoginsPerSec`]: perSec(storm.storm?.refused ?? 0, storm.elapsedMs),
      [`delay${delayMs}LoginsAccepted`]: storm.storm?.accepted ?? 0,
      [`delay${delayMs}StormErrors`]: storm.storm?.errors ?? 0,
      [`delay${delayMs}FailedRecords`]: of.reduce((sum, p) => sum + p.failed, 0),
    });
  }
  return {
    benchmark: 'failed-logins',
    parameters: { ...o, delaysMs: o.delaysMs.join(',') },
    tables: [{
      title: `${o.producers} producers at ${formatNumber(o.rate, 0)} records/s in all (acks=1) while one client fails ${formatNumber(o.attempts, 0)} SCRAM logins, ${o.concurrency} connections at a time`,
      columns: [
        { title: 'delay ms' }, { title: 'phase' }, { title: 'seconds', align: 'right' }, { title: 'acked/s', align: 'right' }, { title: 'p50 ms', align: 'right' },
        { title: 'p99 ms', align: 'right' }, { title: 'failed', align: 'right' }, { title: 'broker CPU %', align: 'right' }, { title: 'failed logins/s', align: 'right' },
      ],
      rows: phases.map((p) => [
        String(p.delayMs), p.name, formatNumber(p.elapsedMs / 1000, 1), formatNumber(perSec(p.acked, p.elapsedMs), 0), formatNumber(p.latency.p50Us / 1000, 1),
        formatNumber(p.latency.p99Us / 1000, 1), String(p.failed), formatNumber(p.brokerCpuPercent, 0),
        p.storm ? `${formatNumber(perSec(p.storm.refused, p.elapsedMs), 0)}${p.storm.accepted + p.storm.errors > 0 ? ` (${p.storm.accepted} accepted, ${p.storm.errors} errors)` : ''}` : '-',
      ]),
    }],
    figures,
    notes: [
      'Broker CPU % is the broker process\'s user + system time over the phase\'s wall time (100% = one core). The intruder runs in a process of its own.',
      'connection.failed.authentication.delay.ms (KIP-306) holds each refused connection that long before answering and closing it, so one client with N connections fails at most N / delay logins a second; with 0 it fails as fast as the broker answers.',
      ...phases.filter((p) => p.storm?.firstError !== undefined).map((p) => `delay ${p.delayMs} ms: the first storm error was: ${p.storm?.firstError}`),
    ],
  };
}

export const failedLoginsBenchmark: Benchmark = {
  name: 'failed-logins',
  description: 'producers\' throughput and the broker\'s CPU while one client fails 10,000 SCRAM logins (issue 21), with and without connection.failed.authentication.delay.ms',
  defineOptions(command: Command): void {
    command.option('--attempts <n>', 'failed logins of the storm', parseCount, 10_000);
    command.option('--concurrency <n>', 'connections the intruder keeps logging in at once', parseCount, 50);
    command.option('--producers <n>', 'producers sending throughout', parseCount, 2);
    command.option('--rate <n>', 'records per second, all producers together', parseCount, 2_000);
    command.option('--record-size <bytes>', 'bytes of each record\'s value', parseCount, 100);
    command.option('--quiet-ms <ms>', 'length of the quiet phases before and after the storm', parseCount, 10_000);
    command.option('--delays-ms <list>', 'connection.failed.authentication.delay.ms values, a fresh broker each (Kafka\'s default is 100)', parseCountList('milliseconds', { min: 0 }), [100, 0]);
  },
  run,
};
