/**
 * `npm run chaos -- [--duration 120] [--seed N] [--faults kill,stop,zk,restart] [--json] [--keep]`:
 * a seeded nemesis against a local cluster under acks=all producers and a consumer group
 * committing after processing, then the checker's verdict. Exits 1 when anything acknowledged was
 * lost or never processed by the group, a commit skipped an unprocessed record, or replicas
 * diverge below the high watermark.
 */
import { Command } from 'commander';
import { faultKinds, parseFaultKinds } from './nemesis';
import { failed } from './checker';
import { runChaos, type ChaosReport } from './run';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`expected a whole number, got "${value}"`);
  return n;
}

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
    ...(r.notConsumed === undefined ? [] : [
      `group: consumed       ${r.consumed}   (acknowledged values processed at least once)`,
      `group: not consumed   ${r.notConsumed.length}${r.notConsumed.length > 0 ? `  (first: ${r.notConsumed.slice(0, 5).join(', ')})` : ''}   must be 0${r.groupCaughtUp === false ? ' (the group had not caught up at the end)' : ''}`,
      `group: commits past processed records  ${r.commitsPastProcessed?.length ?? 0}${(r.commitsPastProcessed?.length ?? 0) > 0 ? `  (first: ${JSON.stringify(r.commitsPastProcessed?.[0])})` : ''}   must be 0`,
      `group: processed ${r.processed} records, ${r.commits} partition commits, ${r.commitFailures} failed commits (rebalances; allowed)`,
    ]),
    `__consumer_offsets: ${r.offsetsTopic.recordsKept} of ${r.offsetsTopic.recordsWritten} records written still held (compacted; the active segments are never cleaned)`,
    '',
    failed(r) ? 'verdict: FAILED' : `verdict: OK, nothing acknowledged was lost${r.notConsumed === undefined ? '' : ' or left unprocessed by the group'}, and all replicas agree`,
  ];
  return `${lines.join('\n')}\n`;
}

export function main(argv: string[]): void {
  const program = new Command();
  program
    .name('chaos')
    .description('Fault injection against a local cluster (3 brokers, 3-node ZooKeeper, RF=3, min.insync.replicas=2) under acks=all producers and a consumer group committing after processing, then a check that nothing acknowledged was lost or left unprocessed')
    .option('--duration <seconds>', 'how long the nemesis runs', positive, 120)
    .option('--seed <n>', 'seed of the fault plan (same seed, same plan)', positive, Date.now() % 1_000_000)
    .option('--faults <list>', `comma-separated fault kinds: ${faultKinds.join(',')}`, parseFaultKinds, [...faultKinds])
    .option('--partitions <n>', 'partitions of the topic', positive, 6)
    .option('--group-members <n>', 'members of the consumer group that commits after processing (0: none)', nonNegative, 2)
    .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms', positive, 4000)
    .option('--keep', 'keep the cluster\'s data and logs (the folder is printed)', false)
    .option('--json', 'end with one line of JSON: acknowledged, read, lost, divergent, duplicates, the group\'s consumed, notConsumed and commitsPastProcessed, faults', false)
    .action(async (o: { duration: number; seed: number; faults: ReturnType<typeof parseFaultKinds>; partitions: number; groupMembers: number; sessionTimeoutMs: number; keep: boolean; json: boolean }) => {
      const report = await runChaos({
        durationMs: o.duration * 1000, seed: o.seed, faults: o.faults, partitions: o.partitions, groupMembers: o.groupMembers, sessionTimeoutMs: o.sessionTimeoutMs, keep: o.keep,
        progress: (line) => process.stderr.write(`[chaos] ${line}\n`),
      });
      process.stdout.write(formatChaosReport(report));
      if (o.keep) process.stdout.write(`data and logs kept in ${report.dir}\n`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({
          acknowledged: report.acknowledged, read: report.read, lost: report.lost.length, divergent: report.divergent.length,
          duplicates: report.duplicates, failedSends: report.failedSends, faults: report.faults, seed: report.seed,
          consumed: report.consumed, notConsumed: report.notConsumed?.length, commitsPastProcessed: report.commitsPastProcessed?.length,
          processed: report.processed, commits: report.commits, commitFailures: report.commitFailures, groupCaughtUp: report.groupCaughtUp,
        })}\n`);
      }
      process.exitCode = failed(report) ? 1 : 0;
    });
  program.parseAsync(argv).catch((err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  });
}
