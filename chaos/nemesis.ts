/**
 * The nemesis's plan, as a pure function of a seed: which fault comes when, how long it holds,
 * and a number that picks its victim once the run knows who leads what. The same seed gives the
 * same plan, so a failing run can be replayed. One fault at a time, each healed and followed by a
 * quiet spell, so that with three brokers and min.insync.replicas=2 writes can always go on
 * between faults (the checker then asks: was anything acknowledged lost?).
 */
import { seededRandom } from '../src/common/seeded-random';

export { seededRandom };

export type FaultKind = 'kill' | 'stop' | 'zk' | 'restart';
export const faultKinds: readonly FaultKind[] = ['kill', 'stop', 'zk', 'restart'];

/** What a planned fault does to whom. */
export type FaultAction =
  | 'kill-leader' // kill -9 the leader of a partition, restart it after the hold
  | 'kill-controller' // kill -9 the active controller, restart it after the hold
  | 'stop-broker' // SIGSTOP a broker past its session timeout, then SIGCONT
  | 'kill-zk-node' // stop one ZooKeeper node, start it again after the hold
  | 'restart-broker'; // SIGTERM (controlled shutdown) and start again

export interface PlannedFault {
  atMs: number;
  action: FaultAction;
  /** How long the fault lasts before it is healed. */
  holdMs: number;
  /** In [0, 1): picks the victim among the candidates the run sees at that moment. */
  pick: number;
}

export interface PlanOptions {
  seed: number;
  durationMs: number;
  faults: readonly FaultKind[];
  sessionTimeoutMs: number;
  /** Quiet time after a fault is healed, before the next one. */
  recoveryMs?: number;
}

function actionsFor(kind: FaultKind): FaultAction[] {
  switch (kind) {
    case 'kill': return ['kill-leader', 'kill-controller'];
    case 'stop': return ['stop-broker'];
    case 'zk': return ['kill-zk-node'];
    case 'restart': return ['restart-broker'];
  }
}

export function planFaults(options: PlanOptions): PlannedFault[] {
  const random = seededRandom(options.seed);
  const actions = options.faults.flatMap(actionsFor);
  if (actions.length === 0) return [];
  const recoveryMs = options.recoveryMs ?? 4_000;
  const plan: PlannedFault[] = [];
  let atMs = 2_000 + Math.floor(random() * 2_000);
  for (;;) {
    const action = actions[Math.floor(random() * actions.length)];
    // A stopped broker must stay stopped past its session timeout: that is the interesting case.
    const holdMs = action === 'stop-broker'
      ? options.sessionTimeoutMs + 1_000 + Math.floor(random() * 2_000)
      : 1_000 + Math.floor(random() * 4_000);
    if (atMs + holdMs > options.durationMs) break;
    plan.push({ atMs, action, holdMs, pick: random() });
    atMs += holdMs + recoveryMs + Math.floor(random() * 3_000);
  }
  return plan;
}

/** `kill,stop` -> the fault kinds, refusing unknown ones. */
export function parseFaultKinds(text: string): FaultKind[] {
  const kinds = text.split(',').map((k) => k.trim()).filter((k) => k !== '');
  for (const kind of kinds) {
    if (!faultKinds.includes(kind as FaultKind)) throw new Error(`unknown fault "${kind}": use ${faultKinds.join(', ')}`);
  }
  return kinds as FaultKind[];
}
