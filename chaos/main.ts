/**
 * `npm run chaos -- [--hosts] [--duration 120] [--seed N] [--faults kill,stop,...] [--acks all|1]
 * [--json] [--keep]`: a seeded nemesis against a local cluster (on loopback, or each process on a
 * host of its own for the network faults) under producers and a consumer group committing after
 * processing, then the checker's verdict. Exits 1 when anything acknowledged was lost (acks=all),
 * a value read back was never processed by the group, a commit skipped an unprocessed record,
 * replicas diverge below the high watermark, or the cluster did not heal from a fault in time.
 */
import { Command } from 'commander';
import { brokenGuarantees, type VerdictTerms } from './checker';
import { figuresByKind, type FaultFigures, type ZombieWindow } from './fault-figures';
import { hostsUnavailableReason } from './hosts/netns';
import { faultKinds, networkFaultKinds, parseFaultKinds, processFaultKinds, type FaultKind } from './nemesis';
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

function parseAcks(value: string): 'all' | 1 {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '1') return 1;
  throw new Error(`acks must be all or 1, got "${value}"`);
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const heal = (ms: number | undefined): string => (ms === undefined ? 'NOT HEALED' : String(ms));

export function verdictTerms(r: ChaosReport): VerdictTerms {
  return { acks: r.acks, unhealedFaults: r.faults.filter((f) => f.healMs === undefined).length };
}

function zombieLine(z: ZombieWindow): string {
  const window = z.windowMs > 0
    ? `it still answered as leader until ${seconds(z.lastAnsweredAsLeaderAtMs)} s: a zombie window of ${z.windowMs} ms`
    : `it had stopped answering as leader before (last at ${z.lastAnsweredAsLeaderAtMs < 0 ? 'none' : `${seconds(z.lastAnsweredAsLeaderAtMs)} s`}): no zombie window`;
  return `  partition ${z.partition}: broker ${z.newLeader} elected at ${seconds(z.electedAtMs)} s in place of broker ${z.oldLeader}; ${window}; `
    + `acknowledged from the fault until then ${z.acknowledged}, lost ${z.lost} (${z.lostAfterElection} of them after the election)`;
}

/** A fault's row, the leaders it moved, and a line for each old leader that still answered as leader after the election or lost acknowledged writes. */
function faultLines(f: FaultFigures): string[] {
  const row = `${f.action.padEnd(21)} ${f.victim.padEnd(24)} ${seconds(f.startMs).padStart(6)}  ${String(f.holdMs).padStart(9)}  ${heal(f.healMs).padStart(10)}  ${String(f.longestAckPauseMs).padStart(10)}  ${String(f.longestPartitionPauseMs).padStart(14)}`;
  const moved = f.zombies.map((z) => `p${z.partition} ${z.oldLeader}->${z.newLeader} at ${seconds(z.electedAtMs)} s`);
  return [row, ...(moved.length > 0 ? [`  leaders: ${moved.join(', ')}`] : []), ...f.zombies.filter((z) => z.windowMs > 0 || z.lost > 0).map(zombieLine)];
}

export function formatChaosReport(r: ChaosReport): string {
  const broken = brokenGuarantees(r, verdictTerms(r));
  const lostNote = r.acks === 'all' ? 'must be 0' : 'acks=1: reported, not promised';
  const lines = [
    `chaos run: seed ${r.seed}, ${r.durationMs / 1000} s, ${r.faults.length} faults, acks=${r.acks}, ${r.hosts ? 'each broker and ZooKeeper node on a host of its own' : 'on loopback'}`,
    '',
    'fault                 victim                    at (s)  held (ms)  heal (ms)  pause (ms)  partition pause (ms)',
    ...r.faults.flatMap(faultLines),
    '',
    'per fault kind        faults  longest pause  longest partition pause  longest heal  zombie window  lost while old leader answered',
    ...figuresByKind(r.faults).map((k) => `${k.action.padEnd(21)} ${String(k.faults).padStart(6)}  ${String(k.longestAckPauseMs).padStart(13)}  ${String(k.longestPartitionPauseMs).padStart(23)}  ${heal(k.longestHealMs).padStart(12)}  ${String(k.longestZombieWindowMs).padStart(13)}  ${String(k.lostWhileOldLeaderAnswered).padStart(30)}`),
    `(ms; heal: from the end of the fault until every partition had a leader and its full ISR, bound ${r.healTimeoutMs} ms; zombie window: the old leader of a partition still answering as leader after ZooKeeper named another)`,
    '',
    `acknowledged  ${r.acknowledged}`,
    `read          ${r.read}`,
    `lost          ${r.lost.length}${r.lost.length > 0 ? `  (first: ${r.lost.slice(0, 5).join(', ')})` : ''}   ${lostNote}`,
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
    broken.length > 0 ? `verdict: FAILED: ${broken.join('; ')}` : `verdict: OK, ${r.acks === 'all' ? 'nothing acknowledged was lost, ' : ''}every fault healed${r.notConsumed === undefined ? '' : ', the group processed everything read back'}, and all replicas agree`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The run's figures as one JSON object (the --json line). */
export function chaosJson(r: ChaosReport): Record<string, unknown> {
  const heals = r.faults.map((f) => f.healMs);
  return {
    seed: r.seed, durationMs: r.durationMs, acks: r.acks, hosts: r.hosts,
    acknowledged: r.acknowledged, read: r.read, lost: r.lost.length, divergent: r.divergent.length, duplicates: r.duplicates, failedSends: r.failedSends,
    consumed: r.consumed, notConsumed: r.notConsumed?.length, commitsPastProcessed: r.commitsPastProcessed?.length,
    processed: r.processed, commits: r.commits, commitFailures: r.commitFailures, groupCaughtUp: r.groupCaughtUp,
    longestHealMs: heals.includes(undefined) ? null : Math.max(0, ...(heals as number[])), healTimeoutMs: r.healTimeoutMs,
    byKind: figuresByKind(r.faults), faults: r.faults, broken: brokenGuarantees(r, verdictTerms(r)),
  };
}

interface MainOptions {
  duration: number; seed: number; faults: FaultKind[] | undefined; hosts: boolean; acks: 'all' | 1; partitions: number;
  groupMembers: number; sessionTimeoutMs: number; keep: boolean; json: boolean;
}

export function main(argv: string[]): void {
  const program = new Command();
  program
    .name('chaos')
    .description('Fault injection against a local cluster (3 brokers, 3-node ZooKeeper, RF=3, min.insync.replicas=2) under acks=all producers and a consumer group committing after processing, then a check that nothing acknowledged was lost or left unprocessed')
    .option('--duration <seconds>', 'how long the nemesis runs', positive, 120)
    .option('--seed <n>', 'seed of the fault plan (same seed, same plan)', positive, Date.now() % 1_000_000)
    .option('--hosts', 'each broker and ZooKeeper node on a host of its own (a network namespace on a bridge, 198.18.0.0/24; root only), for the network faults', false)
    .option('--faults <list>', `comma-separated fault kinds: ${processFaultKinds.join(',')} and, with --hosts, ${networkFaultKinds.join(',')} (default: all that apply)`, parseFaultKinds)
    .option('--acks <all|1>', 'the producers\' acks; with 1 the run reports what a zombie leader acknowledged and lost', parseAcks, 'all' as const)
    .option('--partitions <n>', 'partitions of the topic', positive, 6)
    .option('--group-members <n>', 'members of the consumer group that commits after processing (0: none)', nonNegative, 2)
    .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms', positive, 4000)
    .option('--keep', 'keep the cluster\'s data and logs (the folder is printed)', false)
    .option('--json', 'end with one line of JSON: acknowledged, read, lost, divergent, duplicates, the group\'s figures, each fault\'s and each fault kind\'s figures (pauses, heal time, zombie windows)', false)
    .action(async (o: MainOptions) => {
      const network = (o.faults ?? []).filter((k) => (networkFaultKinds as readonly string[]).includes(k));
      if (network.length > 0 && !o.hosts) throw new Error(`the network faults (${network.join(', ')}) need --hosts`);
      const unavailable = o.hosts ? hostsUnavailableReason() : undefined;
      if (unavailable !== undefined) throw new Error(`--hosts: ${unavailable}`);
      const report = await runChaos({
        durationMs: o.duration * 1000, seed: o.seed, faults: o.faults ?? (o.hosts ? [...faultKinds] : [...processFaultKinds]), hosts: o.hosts, acks: o.acks,
        partitions: o.partitions, groupMembers: o.groupMembers, sessionTimeoutMs: o.sessionTimeoutMs, keep: o.keep,
        progress: (line) => process.stderr.write(`[chaos] ${line}\n`),
      });
      process.stdout.write(formatChaosReport(report));
      if (o.keep) process.stdout.write(`data and logs kept in ${report.dir}\n`);
      if (o.json) process.stdout.write(`${JSON.stringify(chaosJson(report))}\n`);
      process.exitCode = brokenGuarantees(report, verdictTerms(report)).length > 0 ? 1 : 0;
    });
  program.parseAsync(argv).catch((err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  });
}
