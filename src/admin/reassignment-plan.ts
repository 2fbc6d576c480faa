/**
 * What `josef topic reassign --generate` proposes (Kafka's ReassignPartitionsCommand.generateAssignment),
 * and the plan JSON it reads and writes. Pure: from topics' current assignments and the target
 * brokers to a new assignment in which, per topic, every broker holds floor or ceil of its share of
 * replicas and (as far as the replica sets allow) of preferred leaders.
 *
 * Kafka's tool throws the current assignment away and deals replicas round-robin over the brokers
 * from a random start, moving nearly everything. Josef instead keeps every existing replica that
 * the balance allows and only moves the excess: (1) each partition keeps the replicas it has on
 * target brokers while the broker is below its quota (brokers that already hold the most replicas
 * get the larger quota); (2) missing replicas go to the least loaded brokers; (3) a repair pass
 * moves replicas off brokers above quota onto brokers below it; (4) the preferred leader (first
 * replica) stays where it is unless that broker already leads its share, and leaderships are then
 * evened out within each partition's replica set. The result moves the fewest replicas the quotas
 * allow, or (greedy, when replica sets collide) a few more. With racks on every broker it is rack-aware as
 * Kafka's rack-alternated assignment is: a partition's replicas span min(replicas, racks) racks,
 * and ties are broken in Kafka's rack-alternated broker order, so that from nothing the result
 * interleaves racks as Kafka's does. Ties otherwise go to brokers with less load over all topics
 * so far, so that totals balance too; the result is deterministic.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { ReplicaAssignment } from '../coordination/znodes';
import { partitionKey } from '../common/topic';

/** A target broker and its rack (broker.rack, the "rack" of /brokers/ids/<id>). */
export interface BrokerRack {
  id: number;
  rack: string | null;
}

export interface TopicAssignment {
  topic: string;
  assignment: ReplicaAssignment;
}

export interface PlanOptions {
  /** False: ignore racks (Kafka's --disable-rack-aware). Default: rack-aware when every broker has a rack. */
  rackAware?: boolean;
}

/** One partition of a plan, as in Kafka's reassignment JSON. */
export interface PlannedPartition {
  topic: string;
  partition: number;
  replicas: number[];
}

/** Kafka's reassignment JSON, also the body of /admin/reassign_partitions. */
export interface ReassignmentPlan {
  version: 1;
  partitions: PlannedPartition[];
}

function invalid(why: string): never {
  throw new JosefError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, why);
}

/**
 * Kafka's AdminUtils.getRackAlternatedBrokerList: racks sorted by name, brokers in each sorted by
 * id, then taken one per rack in turn: racks a:{1,2} b:{3} c:{4} give [1,3,4,2].
 */
export function rackAlternatedBrokerList(brokers: readonly BrokerRack[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.id - y.id)) {
    const rack = b.rack ?? '';
    byRack.set(rack, [...(byRack.get(rack) ?? []), b.id]);
  }
  const racks = [...byRack.keys()].sort();
  const out: number[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const rack of racks) {
      const ids = byRack.get(rack) as number[];
      if (round < ids.length) out.push(ids[round]);
    }
  }
  return out;
}

/** Whether to place by rack: as Kafka, every broker must have one, or none is used. */
function useRacks(brokers: readonly BrokerRack[], options: PlanOptions): boolean {
  if (options.rackAware === false) return false;
  const withRack = brokers.filter((b) => b.rack !== null && b.rack !== '').length;
  if (withRack === 0) return false;
  if (withRack < brokers.length) {
    const missing = brokers.filter((b) => b.rack === null || b.rack === '').map((b) => b.id);
    invalid(`not all brokers have rack information (brokers ${missing.join(',')} have none); give every broker a broker.rack, or disable rack awareness`);
  }
  return true;
}

/** Counts per broker, by id. */
class Tally {
  private readonly counts = new Map<number, number>();
  get(id: number): number {
    return this.counts.get(id) ?? 0;
  }
  add(id: number, delta = 1): void {
    this.counts.set(id, this.get(id) + delta);
  }
}

/** The placement of one topic, with the broker facts every step needs. */
class TopicPlacer {
  readonly replicas = new Map<number, number[]>();
  private readonly replicaCount = new Tally();
  private readonly replicaQuota = new Map<number, number>();
  private readonly order: Map<number, number>;

  constructor(
    private readonly current: ReplicaAssignment,
    private readonly brokers: readonly number[],
    private readonly rackOf: ReadonlyMap<number, string> | undefined,
    alternated: readonly number[],
    private readonly globalLoad: Tally,
  ) {
    this.order = new Map(alternated.map((id, i) => [id, i]));
  }

  /** Kafka's order among equals: less loaded over all topics first, then the rack-alternated list. */
  private tieBreak(a: number, b: number): number {
    return this.globalLoad.get(a) - this.globalLoad.get(b) || (this.order.get(a) as number) - (this.order.get(b) as number);
  }

  /** Replica quotas: floor or ceil of the share; the brokers already holding most get the ceil. */
  private setQuotas(totalReplicas: number): void {
    const held = new Tally();
    for (const replicas of this.current.values()) for (const id of replicas) held.add(id);
    const floor = Math.floor(totalReplicas / this.brokers.length);
    const extra = totalReplicas % this.brokers.length;
    const ranked = [...this.brokers].sort((a, b) => held.get(b) - held.get(a) || this.tieBreak(a, b));
    ranked.forEach((id, i) => this.replicaQuota.set(id, floor + (i < extra ? 1 : 0)));
  }

  private racksOf(replicas: readonly number[], except?: number): Set<string> {
    return new Set(replicas.filter((id) => id !== except).map((id) => this.rackOf?.get(id) as string));
  }

  /** A replica may go to `id` in a partition holding `replicas`: not there yet, and no rack doubled while others are free. */
  private fits(id: number, replicas: readonly number[], replicationFactor: number, except?: number): boolean {
    if (replicas.includes(id)) return false;
    if (!this.rackOf) return true;
    const used = this.racksOf(replicas, except);
    const rack = this.rackOf.get(id) as string;
    if (!used.has(rack)) return true;
    const allRacks = new Set(this.rackOf.values()).size;
    // A rack may repeat only once every rack is used, or once enough racks are for this partition.
    return used.size >= Math.min(allRacks, replicationFactor);
  }

  place(): void {
    const partitions = [...this.current.keys()].sort((a, b) => a - b);
    const total = partitions.reduce((sum, p) => sum + (this.current.get(p) as number[]).length, 0);
    this.setQuotas(total);
    for (const p of partitions) this.keep(p);
    for (const p of partitions) this.fill(p);
    this.repair(partitions);
  }

  /** Step 1: existing replicas on target brokers stay while their broker is below its quota. */
  private keep(p: number): void {
    const kept: number[] = [];
    const replicationFactor = (this.current.get(p) as number[]).length;
    for (const id of this.current.get(p) as number[]) {
      if (!this.replicaQuota.has(id) || this.replicaCount.get(id) >= (this.replicaQuota.get(id) as number)) continue;
      if (!this.fits(id, kept, replicationFactor)) continue;
      kept.push(id);
      this.replicaCount.add(id);
    }
    this.replicas.set(p, kept);
  }

  /** Step 2: missing replicas to the brokers furthest below quota, on unused racks first. */
  private fill(p: number): void {
    const replicas = this.replicas.get(p) as number[];
    const replicationFactor = (this.current.get(p) as number[]).length;
    while (replicas.length < replicationFactor) {
      const room = (id: number): number => (this.replicaQuota.get(id) as number) - this.replicaCount.get(id);
      const candidates = this.brokers.filter((id) => this.fits(id, replicas, replicationFactor));
      // A fit always exists: replicationFactor <= brokers, and a rack repeats once all are used.
      const best = candidates.sort((a, b) => room(b) - room(a) || this.tieBreak(a, b))[0];
      replicas.push(best);
      this.replicaCount.add(best);
    }
  }

  /** Step 3: while a broker is above quota and another below, move a replica over where it fits. */
  private repair(partitions: readonly number[]): void {
    const quota = (id: number): number => this.replicaQuota.get(id) as number;
    for (let moves = 0; moves < this.brokers.length * partitions.length; moves++) {
      const over = this.brokers.filter((id) => this.replicaCount.get(id) > quota(id));
      const under = this.brokers.filter((id) => this.replicaCount.get(id) < quota(id)).sort((a, b) => this.tieBreak(a, b));
      const move = this.findMove(partitions, over, under);
      if (!move) return;
      const replicas = this.replicas.get(move.partition) as number[];
      replicas[replicas.indexOf(move.from)] = move.to;
      this.replicaCount.add(move.from, -1);
      this.replicaCount.add(move.to);
    }
  }

  private findMove(partitions: readonly number[], over: number[], under: number[]): { partition: number; from: number; to: number } | undefined {
    for (const from of over) {
      for (const to of under) {
        // Followers first (from the last partition), so preferred leaders move only when nothing else can.
        for (const p of [...partitions].reverse()) {
          const replicas = this.replicas.get(p) as number[];
          if (replicas.indexOf(from) > 0 && this.fits(to, replicas, replicas.length, from)) return { partition: p, from, to };
        }
        for (const p of partitions) {
          const replicas = this.replicas.get(p) as number[];
          if (replicas[0] === from && this.fits(to, replicas, replicas.length, from)) return { partition: p, from, to };
        }
      }
    }
    return undefined;
  }

  /** Step 4: one preferred leader per partition, each broker leading floor or ceil of its share where the replica sets allow. */
  chooseLeaders(): void {
    const partitions = [...this.replicas.keys()].sort((a, b) => a - b);
    const ceil = Math.ceil(partitions.length / this.brokers.length);
    const floor = Math.floor(partitions.length / this.brokers.length);
    const leads = new Tally();
    const leader = new Map<number, number>();
    for (const p of partitions) {
      const replicas = this.replicas.get(p) as number[];
      const was = (this.current.get(p) as number[])[0];
      const choice = replicas.includes(was) && leads.get(was) < ceil
        ? was
        : [...replicas].sort((a, b) => leads.get(a) - leads.get(b) || this.tieBreak(a, b))[0];
      leader.set(p, choice);
      leads.add(choice);
    }
    // Even out, first down to ceil, then up to floor, along chains of leaderships (an augmenting path).
    const bound = partitions.length * this.brokers.length;
    for (let moves = 0; moves < bound && this.shiftLeadership(partitions, leader, leads, (id) => leads.get(id) > ceil, (id) => leads.get(id) < ceil); moves++);
    for (let moves = 0; moves < bound && this.shiftLeadership(partitions, leader, leads, (id) => leads.get(id) > floor, (id) => leads.get(id) < floor); moves++);
    for (const p of partitions) {
      const replicas = this.replicas.get(p) as number[];
      const first = leader.get(p) as number;
      this.replicas.set(p, [first, ...replicas.filter((id) => id !== first)]);
      for (const id of replicas) this.globalLoad.add(id);
      this.globalLoad.add(first); // a leadership weighs as a second replica in the tie-break
    }
  }

  /**
   * Finds a chain from a broker `over` allows to one `under` allows, each step a partition led by
   * one broker of the chain that holds the next among its replicas, and hands each of those
   * leaderships one step along: the first broker leads one fewer, the last one more. False when none.
   */
  private shiftLeadership(partitions: readonly number[], leader: Map<number, number>, leads: Tally, over: (id: number) => boolean, under: (id: number) => boolean): boolean {
    const sources = this.brokers.filter(over);
    const via = new Map<number, { from: number; partition: number } | undefined>(sources.map((id) => [id, undefined]));
    const queue = [...sources];
    while (queue.length > 0) {
      const at = queue.shift() as number;
      for (const p of partitions) {
        if (leader.get(p) !== at) continue;
        for (const next of [...(this.replicas.get(p) as number[])].sort((a, b) => this.tieBreak(a, b))) {
          if (via.has(next)) continue;
          via.set(next, { from: at, partition: p });
          if (!under(next)) {
            queue.push(next);
            continue;
          }
          let node = next;
          for (let step = via.get(node); step; step = via.get(node)) {
            leader.set(step.partition, node);
            node = step.from;
          }
          leads.add(next);
          leads.add(node, -1);
          return true;
        }
      }
    }
    return false;
  }
}

/**
 * The proposed assignment of every topic over `brokers`, in topic order. Throws
 * INVALID_REPLICA_ASSIGNMENT when there are no brokers, a broker is listed twice, a partition has
 * more replicas than there are brokers, or only some brokers have racks.
 */
export function proposeAssignment(topics: readonly TopicAssignment[], brokers: readonly BrokerRack[], options: PlanOptions = {}): Map<string, ReplicaAssignment> {
  if (brokers.length === 0) invalid('the broker list is empty');
  const ids = brokers.map((b) => b.id);
  if (new Set(ids).size !== ids.length) invalid(`the broker list names a broker twice: ${ids.join(',')}`);
  const rackAware = useRacks(brokers, options);
  const rackOf = rackAware ? new Map(brokers.map((b) => [b.id, b.rack as string])) : undefined;
  const alternated = rackAware ? rackAlternatedBrokerList(brokers) : [...ids].sort((a, b) => a - b);
  const globalLoad = new Tally();
  const out = new Map<string, ReplicaAssignment>();
  for (const { topic, assignment } of topics) {
    for (const [p, replicas] of assignment) {
      if (replicas.length > brokers.length) {
        invalid(`${topic}-${p} has ${replicas.length} replicas, more than the ${brokers.length} brokers given (${[...ids].sort((a, b) => a - b).join(',')})`);
      }
    }
    const placer = new TopicPlacer(assignment, alternated, rackOf, alternated, globalLoad);
    placer.place();
    placer.chooseLeaders();
    out.set(topic, new Map([...placer.replicas.entries()].sort((a, b) => a[0] - b[0])));
  }
  return out;
}

/**
 * Replica lists for partitions added to a topic (`josef topic alter --partitions`), leaving the
 * existing ones where they are: each new partition is led by the broker that leads fewest of the
 * topic's partitions so far, and its followers go to the brokers holding fewest of its replicas,
 * on racks the partition does not use yet where racks are known (Kafka's addPartitions continues
 * its round-robin instead; this balances what the topic already has too). Same replication
 * factor as partition 0.
 */
export function assignNewPartitions(current: ReplicaAssignment, totalPartitions: number, brokers: readonly BrokerRack[], options: PlanOptions = {}): ReplicaAssignment {
  const replicationFactor = current.get(0)?.length ?? invalid('the topic has no partition 0');
  if (brokers.length < replicationFactor) invalid(`replication factor ${replicationFactor} is larger than the ${brokers.length} live brokers`);
  const rackOf = useRacks(brokers, options) ? new Map(brokers.map((b) => [b.id, b.rack as string])) : undefined;
  const order = new Map((rackOf ? rackAlternatedBrokerList(brokers) : brokers.map((b) => b.id).sort((a, b) => a - b)).map((id, i) => [id, i]));
  const replicasHeld = new Tally();
  const leadsHeld = new Tally();
  for (const replicas of current.values()) {
    leadsHeld.add(replicas[0]);
    for (const id of replicas) replicasHeld.add(id);
  }
  const ids = [...order.keys()];
  const added: ReplicaAssignment = new Map();
  for (let p = current.size; p < totalPartitions; p++) {
    const leader = [...ids].sort((a, b) => leadsHeld.get(a) - leadsHeld.get(b) || replicasHeld.get(a) - replicasHeld.get(b) || (order.get(a) as number) - (order.get(b) as number))[0];
    const replicas = [leader];
    while (replicas.length < replicationFactor) {
      const used = new Set(replicas.map((id) => rackOf?.get(id)));
      const next = ids.filter((id) => !replicas.includes(id)).sort((a, b) =>
        Number(rackOf !== undefined && used.has(rackOf.get(a))) - Number(rackOf !== undefined && used.has(rackOf.get(b))) ||
        replicasHeld.get(a) - replicasHeld.get(b) || (order.get(a) as number) - (order.get(b) as number))[0];
      replicas.push(next);
    }
    leadsHeld.add(leader);
    for (const id of replicas) replicasHeld.add(id);
    added.set(p, replicas);
  }
  return added;
}

/** Assignments as a plan, partitions in topic then partition order. */
export function toPlan(assignments: ReadonlyMap<string, ReplicaAssignment>): ReassignmentPlan {
  const partitions: PlannedPartition[] = [];
  for (const topic of [...assignments.keys()].sort()) {
    for (const [partition, replicas] of assignments.get(topic) as ReplicaAssignment) partitions.push({ topic, partition, replicas: [...replicas] });
  }
  return { version: 1, partitions };
}

/** The partitions of `proposed` whose replica list differs from `current` (what would move). */
export function changedPartitions(plan: ReassignmentPlan, current: ReadonlyMap<string, ReplicaAssignment>): PlannedPartition[] {
  return plan.partitions.filter((p) => {
    const was = current.get(p.topic)?.get(p.partition);
    return was === undefined || was.length !== p.replicas.length || was.some((id, i) => id !== p.replicas[i]);
  });
}

/** Kafka's one-line JSON for a plan, as its tool prints it. */
export function formatPlan(plan: ReassignmentPlan): string {
  return JSON.stringify({ version: plan.version, partitions: plan.partitions.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })) });
}

/**
 * Reads a plan file's JSON and checks what needs no cluster to check (Kafka's parsePartitionReassignmentData
 * plus its duplicate checks): the shape, a partition listed twice, an empty replica list, a broker
 * twice in one list. Whether topics, partitions and brokers exist is reassignment-admin's question.
 */
export function parsePlan(text: string, source = 'the plan'): ReassignmentPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    invalid(`${source} is not JSON: ${(err as Error).message}`);
  }
  const obj = value as { version?: unknown; partitions?: unknown };
  if (typeof obj !== 'object' || obj === null || !Array.isArray(obj.partitions)) invalid(`${source} has no "partitions" list (Kafka's {"version":1,"partitions":[{"topic","partition","replicas"}]})`);
  if (obj.version !== undefined && obj.version !== 1) invalid(`${source} has version ${JSON.stringify(obj.version)}; only version 1 is known`);
  const seen = new Set<string>();
  const partitions = (obj.partitions as unknown[]).map((entry, i): PlannedPartition => {
    const e = entry as Partial<PlannedPartition>;
    if (typeof e !== 'object' || e === null || typeof e.topic !== 'string' || e.topic === '' || !Number.isInteger(e.partition) || (e.partition as number) < 0) {
      invalid(`${source}: partitions[${i}] needs a "topic" string and a "partition" number >= 0`);
    }
    const name = partitionKey(e.topic, e.partition as number);
    if (!Array.isArray(e.replicas) || !e.replicas.every((id) => Number.isInteger(id) && id >= 0)) invalid(`${source}: ${name} needs "replicas", a list of broker ids`);
    if (e.replicas.length === 0) invalid(`${source}: ${name} has an empty replica list`);
    if (new Set(e.replicas).size !== e.replicas.length) invalid(`${source}: ${name} lists a broker twice: ${JSON.stringify(e.replicas)}`);
    if (seen.has(name)) invalid(`${source}: ${name} is listed twice`);
    seen.add(name);
    return { topic: e.topic, partition: e.partition as number, replicas: [...e.replicas] };
  });
  if (partitions.length === 0) invalid(`${source} names no partitions`);
  return { version: 1, partitions };
}
