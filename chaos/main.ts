/**
 * `npm run chaos -- [--duration 120] [--seed N] [--faults kill,stop,zk,restart] [--json] [--keep]`:
 * a seeded nemesis against a local cluster under acks=all producers, then the checker's verdict.
 * Exits 1 when anything acknowledged was lost or replicas diverge below the high watermark.
 */
import { Command } from 'commander';
import { faultKinds, parseFaultKinds } from './nemesis';
import { runChaos, type ChaosReport } from './run';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`expected a positive integer, got "${value}"`);
  return n;
}

export function formatChaosReport(r: ChaosReport): string {
  const lines = [
    `chaos run: seed ${r.seed}, ${r.durationMs / 1000} s, ${r.faults.length} faults`,
    '',
    'fault              victim        at (s)  held (ms)  longest pause in acks (ms)',
    ...r.faults.map((f) => `${f.action.padEnd(18)} ${f.victim.padEnd(13)} ${(f.startMs / 1000).toFixed(1).padStart(6)}  ${String(f.holdMs).padStart(9)}  ${String(f.longestAckPauseMs).padStart(26)}`),
    '',
    `acknowledged  ${r.acknowledged}`,
    `read          ${r.read}`,
    `lost          ${r.lost.length}${r.lost.length > 0 ? `  (first: ${r.lost.slice(0, 5).join(', ')})` : ''}   must be 0`,
    `divergent     ${r.divergent.length}${r.divergent.length > 0 ? `  (first: partition ${r.divergent[0].partition} offset ${r.divergent[0].offset} ${JSON.stringify(r.divergent[0].values)})` : ''}   must be 0`,
    `duplicates    ${r.duplicates}   (producer retries; allowed)`,
    `failed sends  ${r.failedSends}   (not acknowledged; allowed)`,
    '',
    r.lost.length === 0 && r.divergent.length === 0 ? 'verdict: OK, nothing acknowledged was lost and all replicas agree' : 'verdict: FAILED',
  ];
  return `${lines.join('\n')}\n`;
}

export function main(argv: string[]): void {
  const program = new Command();
  program
    .name('chaos')
    .description('Fault injection against a local cluster (3 brokers, 3-node ZooKeeper, RF=3, min.insync.replicas=2) under acks=all producers, then a check that nothing acknowledged was lost')
    .option('--duration <seconds>', 'how long the nemesis runs', positive, 120)
    .option('--seed <n>', 'seed of the fault plan (same seed, same plan)', positive, Date.now() % 1_000_000)
    .option('--faults <list>', `comma-separated fault kinds: ${faultKinds.join(',')}`, parseFaultKinds, [...faultKinds])
    .option('--partitions <n>', 'partitions of the topic', positive, 6)
    .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms', positive, 4000)
    .option('--keep', 'keep the cluster\'s data and logs (the folder is printed)', false)
    .option('--json', 'end with one line of JSON: acknowledged, read, lost, divergent, duplicates, faults', false)
    .action(async (o: { duration: number; seed: number; faults: ReturnType<typeof parseFaultKinds>; partitions: number; sessionTimeoutMs: number; keep: boolean; json: boolean }) => {
      const report = await runChaos({
        durationMs: o.duration * 1000, seed: o.seed, faults: o.faults, partitions: o.partitions, sessionTimeoutMs: o.sessionTimeoutMs, keep: o.keep,
        progress: (line) => process.stderr.write(`[chaos] ${line}\n`),
      });
      process.stdout.write(formatChaosReport(report));
      if (o.keep) process.stdout.write(`data and logs kept in ${report.dir}\n`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({
          acknowledged: report.acknowledged, read: report.read, lost: report.lost.length, divergent: report.divergent.length,
          duplicates: report.duplicates, faults: report.faults, seed: report.seed,
        })}\n`);
      }
      process.exitCode = report.lost.length === 0 && report.divergent.length === 0 ? 0 : 1;
    });
  program.parseAsync(argv).catch((err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  });
}
