/**
 * `npm run sim -- [--seeds N] [--seed S] [--unclean] [--json]`: seeded runs of the controller on
 * the simulated ZooKeeper (src/coordination/sim/). Prints a table, each failing seed's history
 * with the command that replays it, and with --json a last line carrying seeds, failures, steps
 * and elapsedMs. Exits 1 when any seed failed.
 */
import { Command } from 'commander';
import { replayCommand, runSeeds, type SeedRunSummary } from '../coordination/sim/seed-runner';

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
    .option('--json', 'end with one JSON line: seeds, failures, steps, elapsedMs', false)
    .parse(argv);
  const opts = program.opts<{ seeds: number; seed?: number; unclean: boolean; json: boolean }>();
  const single = opts.seed !== undefined && program.getOptionValueSource('seeds') === 'default';
  const firstSeed = opts.seed ?? 1;
  const summary = await runSeeds({ firstSeed, seeds: single ? 1 : opts.seeds, uncleanLeaderElectionEnable: opts.unclean });
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
