/**
 * The nemesis's plan, as a pure function of a seed: which fault comes when, how long it holds,
 * and numbers that pick its victims once the run knows who leads what. The same seed gives the
 * same plan, so a failing run can be replayed. One fault at a time, each healed and followed by a
 * quiet spell, so that with three brokers and min.insync.replicas=2 writes can always go on
 * between faults (the checker then asks: was anything acknowledged lost?). Process faults hit
 * processes; network faults (the run on hosts of their own, hosts/topology.ts) cut links between
 * hosts, and networkCut says which, as Jepsen's Kafka analysis and its nemeses did.
 */
import { seededRandom } from '../src/common/seeded-random';
import { hostLabel, isolate, oneWay, type Drop } from './hosts/topology';

export { seededRandom };

export const processFaultKinds = ['kill', 'stop', 'zk', 'restart'] as const;
export const networkFaultKinds = ['partition', 'partition-controller', 'zk-minority', 'one-way', 'bridge'] as const;
export type FaultKind = (typeof processFaultKinds)[number] | (typeof networkFaultKinds)[number];
export const faultKinds: readonly FaultKind[] = [...processFaultKinds, ...networkFaultKinds];

/** What a planned fault does to whom. */
export type FaultAction =
  | 'kill-leader' // kill -9 the leader of a partition, restart it after the hold
  | 'kill-controller' // kill -9 the active controller, restart it after the hold
  | 'stop-broker' // SIGSTOP a broker past its session timeout, then SIGCONT
  | 'kill-zk-node' // stop one ZooKeeper node, start it again after the hold
  | 'restart-broker' // SIGTERM (controlled shutdown) and start again
  | 'partition-leader' // a partition's leader cut from ZooKeeper and the other brokers; its clients still reach it (the zombie leader)
  | 'partition-controller' // the controller cut from ZooKeeper only; brokers and clients still reach it
  | 'partition-zk-minority' // one ZooKeeper node and one broker cut from the other two of each
  | 'drop-to-zk' // a broker's packets to every ZooKeeper node dropped; theirs still arrive
  | 'drop-from-zk' // the reverse: ZooKeeper's packets to a broker dropped; the broker's still arrive
  | 'partition-bridge'; // two halves that do not see each other, each seeing one host in the middle

export interface PlannedFault {
  atMs: number;
  action: FaultAction;
  /** How long the fault lasts before it is healed. */
  holdMs: number;
  /** In [0, 1): picks the victim among the candidates the run sees at that moment. */
  pick: number;
  /** In [0, 1), network faults that split hosts only: picks who joins the victim's side. */
  sidePick?: number;
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
    case 'partition': return ['partition-leader'];
    case 'partition-controller': return ['partition-controller'];
    case 'zk-minority': return ['partition-zk-minority'];
    case 'one-way': return ['drop-to-zk', 'drop-from-zk'];
    case 'bridge': return ['partition-bridge'];
  }
}

export function isNetworkFault(action: FaultAction): boolean {
  return action.startsWith('partition-') || action.startsWith('drop-');
}

/**
 * How long a fault holds. A stopped broker, a zombie leader or controller and a ZooKeeper
 * minority stay past the session timeout, so that ZooKeeper gives up on them: that is the
 * interesting case. One-way loss and the bridge hold for shorter or longer than it.
 */
function holdFor(action: FaultAction, sessionTimeoutMs: number, random: () => number): number {
  switch (action) {
    case 'stop-broker':
      return sessionTimeoutMs + 1_000 + Math.floor(random() * 2_000);
    case 'partition-leader':
    case 'partition-controller':
    case 'partition-zk-minority':
      return sessionTimeoutMs + 1_000 + Math.floor(random() * 4_000);
    case 'drop-to-zk':
    case 'drop-from-zk':
    case 'partition-bridge':
      return 1_000 + Math.floor(random() * (sessionTimeoutMs + 4_000));
    default:
      return 1_000 + Math.floor(random() * 4_000);
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
    const holdMs = holdFor(action, options.sessionTimeoutMs, random);
    if (atMs + holdMs > options.durationMs) break;
    const pick = random();
    // Drawn only for the faults that use it, so that plans of process faults stay as they were for a seed.
    const sides = action === 'partition-zk-minority' || action === 'partition-bridge' ? { sidePick: random() } : {};
    plan.push({ atMs, action, holdMs, pick, ...sides });
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

/** Who is who when a network fault strikes: what networkCut picks its victims from. */
export interface ClusterRoles {
  brokers: readonly number[];
  zookeepers: readonly number[];
  /** The active controller, -1 for none. */
  controller: number;
  /** The leader of each partition of the chaos topic, by partition (-1: none). */
  leaders: readonly number[];
}

export interface NetworkCut {
  /** Who it hits, for the report: `broker 2`, `zk1+b3 | rest`. */
  victim: string;
  drops: Drop[];
}

const zkLabel = (id: number): string => hostLabel('zookeeper', id);
const brokerLabel = (id: number): string => hostLabel('broker', id);

/** The links a network fault cuts, from its picks and the roles of that moment. Pure, so a plan's cuts can be tested. */
export function networkCut(fault: PlannedFault, roles: ClusterRoles): NetworkCut {
  const pickOf = <T>(items: readonly T[], pick: number): T => items[Math.floor(pick * items.length)];
  const zks = roles.zookeepers.map(zkLabel);
  const brokers = roles.brokers.map(brokerLabel);
  const all = [...zks, ...brokers];
  switch (fault.action) {
    case 'partition-leader': {
      const leader = roles.leaders[Math.floor(fault.pick * roles.leaders.length)];
      const victim = roles.brokers.includes(leader) ? leader : pickOf(roles.brokers, fault.pick);
      const others = all.filter((h) => h !== brokerLabel(victim));
      return { victim: `broker ${victim}`, drops: isolate([brokerLabel(victim)], others) };
    }
    case 'partition-controller': {
      const victim = roles.brokers.includes(roles.controller) ? roles.controller : pickOf(roles.brokers, fault.pick);
      return { victim: `broker ${victim}`, drops: isolate([brokerLabel(victim)], zks) };
    }
    case 'partition-zk-minority': {
      const minority = [pickOf(zks, fault.pick), pickOf(brokers, fault.sidePick ?? 0)];
      return { victim: `${minority.join('+')} | rest`, drops: isolate(minority, all.filter((h) => !minority.includes(h))) };
    }
    case 'drop-to-zk': {
      const victim = pickOf(brokers, fault.pick);
      return { victim: `${victim}->zk`, drops: oneWay([victim], zks) };
    }
    case 'drop-from-zk': {
      const victim = pickOf(brokers, fault.pick);
      return { victim: `zk->${victim}`, drops: oneWay(zks, [victim]) };
    }
    case 'partition-bridge': {
      // The middle host sees everyone; the others, ZooKeeper nodes then brokers, are dealt to the
      // two halves in turn from a seeded starting point, so each half holds both kinds.
      const middle = pickOf(all, fault.pick);
      const rest = all.filter((h) => h !== middle);
      const start = Math.floor((fault.sidePick ?? 0) * rest.length);
      const dealt = [...rest.slice(start), ...rest.slice(0, start)].sort((a, b) => Number(a.startsWith('b')) - Number(b.startsWith('b')));
      const halves: [string[], string[]] = [[], []];
      dealt.forEach((h, i) => halves[i % 2].push(h));
      return { victim: `${halves[0].join('+')} | ${middle} | ${halves[1].join('+')}`, drops: isolate(halves[0], halves[1]) };
    }
    default:
      throw new Error(`${fault.action} is not a network fault`);
  }
}
