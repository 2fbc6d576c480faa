/**
 * `npm run sim -- [--seeds N] [--seed S] [--unclean] [--workers W] [--json]`: seeded runs of the
 * controller on the simulated ZooKeeper (src/coordination/sim/), in batches over worker threads
 * (one per core by default). Prints a table, each failing seed's history with the command that replays
 * it, and with --json a last line carrying seeds, failures, steps and elapsedMs. Exits 1 when any
 * seed failed.
 */
import { Command } from 'commander';
import { availableParallelism } from 'os';
import path from 'path';
import { Worker } from 'worker_threads';
import { replayCommand, runSeeds, type SeedRunOptions, type SeedRunSummary } from '../coordination/sim/seed-runner';

/** A worker thread runs each batch of seeds it is sent and answers with its summary; under ts-node it registers ts-node first. */
const workerSource = `
const { workerData, parentPort } = require('worker_threads');
if (workerData.tsconfig) require('ts-node').register({ project: workerData.tsconfig, transpileOnly: true });
const { runSeeds } = require(workerData.runner);
parentPort.on('message', (options) => runSeeds(options).then((summary) => parentPort.postMessage(summary)));
`;

/**
 * Seeds a worker is sent at a time: few enough that the threads finish together although seeds
 * differ in cost and other processes may slow one core (fixed halves left one thread idle for the
 * last part), many enough that the messages cost nothing beside the seeds.
 */
const batchSeedsMax = 50;

/** Batches of seeds handed to whichever worker is free, run in parallel and summed up. */
async function runSeedsInWorkers(options: SeedRunOptions, workers: number): Promise<SeedRunSummary> {
  if (workers <= 1) return runSeeds(options);
  const startedMs = Date.now();
  const endSeed = options.firstSeed + options.seeds;
  let nextSeed = options.firstSeed;
  const summaries: SeedRunSummary[] = [];
  const underTsNode = __filename.endsWith('.ts');
  const runWorker = (): Promise<void> => new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { runner: require.resolve('../coordination/sim/seed-runner'), tsconfig: underTsNode ? path.join(__dirname, '..', '..', 'tsconfig.json') : undefined },
    });
    const sendNext = (): void => {
      if (nextSeed >= endSeed) {
        void worker.terminate();
        resolve();
        return;
      }
      const seeds = Math.min(batchSeedsMax, endSeed - nextSeed);
      worker.postMessage({ ...options, firstSeed: nextSeed, seeds });
      nextSeed += seeds;
    };
    worker.on('message', (summary: SeedRunSummary) => {
      summaries.push(summary);
      sendNext();
    });
    worker.once('error', reject);
    sendNext();
  });
  await Promise.all(Array.from({ length: workers }, runWorker));
  return {
    seeds: options.seeds,
    failures: summaries.flatMap((s) => s.failures).sort((x, y) => x.seed - y.seed),
    steps: summaries.reduce((sum, s) => sum + s.steps, 0),
    simulatedMs: summaries.reduce((sum, s) => sum + s.simulatedMs, 0),
    elapsedMs: Date.now() - startedMs,
  };
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`expected a whole number, got "${value}"`);
  return n;
}

export function formatSimSummary(summary: SeedRunSummary, firstSeed: number, unclean: boolean): string {
  const seconds = summary.elapsedMs / 1000;
  const lines: string[] = [];
  for (const f of summary.failures) {
    lines.push(`seed ${f.seed} FAILED: ${f.failure}`, ...f.history.map((h) => `  ${h}`));
    if (!f.replayed) lines.push(`  (the replay did not fail the same way: the run is not deterministic)`);
    lines.push(`replay: ${replayCommand(f.seed, unclean)}`, '');
  }
  lines.push(
    'seeds    first seed  failures  steps      simulated (s)  elapsed (s)  seeds/s',
    `${String(summary.seeds).padEnd(8)} ${String(firstSeed).padEnd(11)} ${String(summary.failures.length).padEnd(9)} ${String(summary.steps).padEnd(10)} ` +
      `${(summary.simulatedMs / 1000).toFixed(0).padEnd(14)} ${seconds.toFixed(1).padEnd(12)} ${(summary.seeds / Math.max(seconds, 0.001)).toFixed(0)}`,
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('sim')
    .description('seeded runs of the controller on the simulated ZooKeeper, checking its invariants after every step')
    .option('--seeds <n>', 'how many seeds to run', count, 100)
    .option('--seed <s>', 'the first seed (with --seeds 1 by default: replays that seed and prints its history)', count)
    .option('--unclean', 'unclean.leader.election.enable=true for every controller', false)
    .option('--workers <w>', 'worker threads (default: one per core)', count, availableParallelism())
    .option('--json', 'end with one JSON line: seeds, failures, steps, elapsedMs', false)
    .parse(argv);
  const opts = program.opts<{ seeds: number; seed?: number; unclean: boolean; workers: number; json: boolean }>();
  const single = opts.seed !== undefined && program.getOptionValueSource('seeds') === 'default';
  const firstSeed = opts.seed ?? 1;
  const seeds = single ? 1 : opts.seeds;
  const summary = await runSeedsInWorkers({ firstSeed, seeds, uncleanLeaderElectionEnable: opts.unclean }, Math.min(opts.workers, Math.ceil(seeds / 100)));
  if (single && summary.failures.length === 0) {
    const { runControllerSimulation } = await import('../coordination/sim/controller-simulation');
    const replay = await runControllerSimulation({ seed: firstSeed, uncleanLeaderElectionEnable: opts.unclean });
    process.stdout.write(`${replay.history.join('\n')}\n\n`);
  }
  process.stdout.write(`${formatSimSummary(summary, firstSeed, opts.unclean)}\n`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({
      seeds: summary.seeds, failures: summary.failures.map((f) => ({ seed: f.seed, failure: f.failure })), steps: summary.steps, elapsedMs: summary.elapsedMs,
    })}\n`);
  }
  process.exitCode = summary.failures.length > 0 ? 1 : 0;
}
