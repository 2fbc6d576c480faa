/**
 * The ZooKeeper side of Kafka's ReassignPartitionsCommand (2.x, --zookeeper): generate a plan from
 * the cluster's assignment, execute it by writing /admin/reassign_partitions (after checking every
 * topic, partition and broker it names, so that a bad plan changes nothing), set and remove
 * replication throttles, and verify where each partition stands. The controller does the moving
 * (src/coordination/controller/); this file only writes requests and reads results.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { liveBrokers } from '../coordination/broker-registry';
import { changeEntityConfig, readEntityConfig } from '../coordination/entity-config';
import { ZkPaths } from '../coordination/paths';
import {
  changedPartitions, proposeAssignment, toPlan, type PlannedPartition, type PlanOptions, type ReassignmentPlan,
} from './reassignment-plan';
import type { ZkClient } from '../coordination/zk-client';
import { ZkNodeExistsError } from '../coordination/zk-errors';
import { getDataIfExists } from '../coordination/zk-reads';
import {
  parsePartitionReassignment, parseTopicZnode, serializePartitionReassignment, type ReplicaAssignment, type TopicZnode,
} from '../coordination/znodes';
import { partitionKey } from '../common/topic';

/** Kafka's throttle config names (dynamic broker and topic configs). */
export const ThrottleConfig = {
  leaderRate: 'leader.replication.throttled.rate',
  followerRate: 'follower.replication.throttled.rate',
  leaderReplicas: 'leader.replication.throttled.replicas',
  followerReplicas: 'follower.replication.throttled.replicas',
} as const;

export class ReassignmentInProgressError extends Error {
  constructor() {
    super(`a partition reassignment is already in progress (${ZkPaths.reassignPartitions} exists): wait for it to finish (josef topic reassign --verify) before starting another`);
    this.name = 'ReassignmentInProgressError';
  }
}

function refused(problems: readonly string[]): JosefError {
  return new JosefError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the plan is refused, nothing was changed:\n  - ${problems.join('\n  - ')}`);
}

/** Topic znodes by name (absent topics left out). */
export async function readTopicZnodes(zk: ZkClient, topics: readonly string[]): Promise<Map<string, TopicZnode>> {
  const out = new Map<string, TopicZnode>();
  for (const topic of topics) {
    const node = await getDataIfExists(zk, ZkPaths.topic(topic));
    if (node) out.set(topic, parseTopicZnode(ZkPaths.topic(topic), node.data));
  }
  return out;
}

const assignmentsOf = (znodes: ReadonlyMap<string, TopicZnode>): Map<string, ReplicaAssignment> =>
  new Map([...znodes].map(([topic, z]) => [topic, z.partitions]));

export interface GeneratedReassignment {
  current: ReassignmentPlan;
  proposed: ReassignmentPlan;
}

/**
 * Kafka's --generate: the current assignment of `topics` and a balanced one over `brokerIds`,
 * with racks from their registrations. Every topic must exist and every broker be alive.
 */
export async function generateReassignment(zk: ZkClient, topics: readonly string[], brokerIds: readonly number[], options: PlanOptions = {}): Promise<GeneratedReassignment> {
  const znodes = await readTopicZnodes(zk, topics);
  const live = new Map((await liveBrokers(zk)).map((b) => [b.brokerId, b]));
  const problems = [
    ...topics.filter((t) => !znodes.has(t)).map((t) => `topic ${t} does not exist`),
    ...brokerIds.filter((id) => !live.has(id)).map((id) => `broker ${id} is not alive (not in ${ZkPaths.brokerIds}; alive: ${[...live.keys()].join(',') || 'none'})`),
  ];
  if (problems.length > 0) throw refused(problems);
  const current = assignmentsOf(znodes);
  const brokers = brokerIds.map((id) => ({ id, rack: live.get(id)?.rack ?? null }));
  const proposed = proposeAssignment([...current].map(([topic, assignment]) => ({ topic, assignment })), brokers, options);
  return { current: toPlan(current), proposed: toPlan(proposed) };
}

/**
 * Every reason the cluster cannot take `plan`, checked before anything is written: a topic or
 * partition that does not exist, a broker that is not alive, a replica count that differs from
 * the partition's (Kafka allows changing it; Josef's controller keeps the replication factor), a
 * duplicate or empty replica list (parsePlan already refuses those in files).
 */
export async function planProblems(zk: ZkClient, plan: ReassignmentPlan): Promise<string[]> {
  const topics = [...new Set(plan.partitions.map((p) => p.topic))];
  const znodes = await readTopicZnodes(zk, topics);
  const live = new Set((await liveBrokers(zk)).map((b) => b.brokerId));
  const problems: string[] = [];
  for (const { topic, partition, replicas } of plan.partitions) {
    const name = partitionKey(topic, partition);
    const znode = znodes.get(topic);
    if (!znode) {
      problems.push(`${name}: topic ${topic} does not exist`);
      continue;
    }
    const current = znode.partitions.get(partition);
    if (!current) problems.push(`${name}: topic ${topic} has no partition ${partition} (it has ${znode.partitions.size})`);
    if (replicas.length === 0) problems.push(`${name}: the replica list is empty`);
    if (new Set(replicas).size !== replicas.length) problems.push(`${name}: a broker is listed twice in ${JSON.stringify(replicas)}`);
    const dead = replicas.filter((id) => !live.has(id));
    if (dead.length > 0) problems.push(`${name}: broker${dead.length > 1 ? 's' : ''} ${dead.join(',')} ${dead.length > 1 ? 'are' : 'is'} not alive or unknown (alive: ${[...live].sort((a, b) => a - b).join(',') || 'none'})`);
  }
  return problems;
}

export interface ExecutedReassignment {
  /** The assignment before, of the partitions that move: the plan to roll back with. */
  rollback: ReassignmentPlan;
  /** The partitions written to /admin/reassign_partitions (those whose replicas change). */
  moving: PlannedPartition[];
}

/**
 * Kafka's --execute: refuses a plan with problems (planProblems) or while another reassignment
 * runs, sets the throttle first when asked (so no moving replica copies unthrottled), then
 * creates /admin/reassign_partitions with the partitions that change.
 */
export async function executeReassignment(zk: ZkClient, plan: ReassignmentPlan, options: { throttleBytesPerSec?: number } = {}): Promise<ExecutedReassignment> {
  const problems = await planProblems(zk, plan);
  if (problems.length > 0) throw refused(problems);
  if (await zk.exists(ZkPaths.reassignPartitions)) throw new ReassignmentInProgressError();
  const znodes = await readTopicZnodes(zk, [...new Set(plan.partitions.map((p) => p.topic))]);
  const current = assignmentsOf(znodes);
  const moving = changedPartitions(plan, current);
  const rollback: ReassignmentPlan = {
    version: 1,
    partitions: moving.map((p) => ({ topic: p.topic, partition: p.partition, replicas: current.get(p.topic)?.get(p.partition) ?? [] })),
  };
  if (moving.length === 0) return { rollback, moving };
  if (options.throttleBytesPerSec !== undefined) await setThrottles(zk, moving, current, options.throttleBytesPerSec);
  try {
    await zk.create(ZkPaths.reassignPartitions, serializePartitionReassignment(moving), 'persistent', { createParents: true });
  } catch (err) {
    if (err instanceof ZkNodeExistsError) throw new ReassignmentInProgressError();
    throw err;
  }
  return { rollback, moving };
}

/** `p:b,p:b` (Kafka's throttled-replicas format), sorted. */
function replicaList(entries: Iterable<[number, number]>): string {
  return [...entries].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([p, b]) => `${p}:${b}`).join(',');
}

/**
 * Kafka's assignThrottledReplicas and assignThrottledRates: per topic, the current replicas of
 * moving partitions are throttled as leaders and the replicas moving in as followers; every
 * broker that is or will be a replica of a moving partition gets both rates.
 */
export async function setThrottles(zk: ZkClient, moving: readonly PlannedPartition[], current: ReadonlyMap<string, ReplicaAssignment>, bytesPerSec: number): Promise<void> {
  if (!Number.isSafeInteger(bytesPerSec) || bytesPerSec < 1) throw new Error(`a throttle must be a whole number of bytes per second, at least 1; got ${bytesPerSec}`);
  const brokers = new Set<number>();
  for (const topic of [...new Set(moving.map((p) => p.topic))].sort()) {
    const leaders: Array<[number, number]> = [];
    const followers: Array<[number, number]> = [];
    for (const p of moving.filter((m) => m.topic === topic)) {
      const was = current.get(topic)?.get(p.partition) ?? [];
      for (const b of was) leaders.push([p.partition, b]);
      for (const b of p.replicas.filter((id) => !was.includes(id))) followers.push([p.partition, b]);
      for (const b of [...was, ...p.replicas]) brokers.add(b);
    }
    await changeEntityConfig(zk, { type: 'topics', name: topic }, {
      [ThrottleConfig.leaderReplicas]: replicaList(leaders),
      [ThrottleConfig.followerReplicas]: replicaList(followers),
    });
  }
  const rate = String(bytesPerSec);
  for (const id of [...brokers].sort((a, b) => a - b)) {
    await changeEntityConfig(zk, { type: 'brokers', name: id }, { [ThrottleConfig.leaderRate]: rate, [ThrottleConfig.followerRate]: rate });
  }
}

/** Kafka's removeThrottle: the rates from every broker (live or with a config) and the replica lists from the topics. */
export async function removeThrottles(zk: ZkClient, topics: readonly string[]): Promise<void> {
  const brokerIds = new Set((await liveBrokers(zk)).map((b) => b.brokerId));
  const withConfig = await zk.getChildren(ZkPaths.configBrokers).catch(() => [] as string[]);
  for (const name of withConfig) if (/^\d+$/.test(name)) brokerIds.add(Number(name));
  for (const id of [...brokerIds].sort((a, b) => a - b)) {
    await changeEntityConfig(zk, { type: 'brokers', name: id }, {}, [ThrottleConfig.leaderRate, ThrottleConfig.followerRate]);
  }
  for (const topic of [...new Set(topics)].sort()) {
    if ((await zk.exists(ZkPaths.topicConfig(topic))) === null) continue;
    await changeEntityConfig(zk, { type: 'topics', name: topic }, {}, [ThrottleConfig.leaderReplicas, ThrottleConfig.followerReplicas]);
  }
}

/** Whether a throttle is still set on any broker (what `--verify` reminds of). */
export async function brokersWithThrottle(zk: ZkClient): Promise<number[]> {
  const names = await zk.getChildren(ZkPaths.configBrokers).catch(() => [] as string[]);
  const out: number[] = [];
  for (const name of names.filter((n) => /^\d+$/.test(n))) {
    const config = await readEntityConfig(zk, { type: 'brokers', name: Number(name) });
    if (config[ThrottleConfig.leaderRate] !== undefined || config[ThrottleConfig.followerRate] !== undefined) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

export type PartitionReassignmentStatus = 'in progress' | 'done' | 'failed';

export interface PartitionVerification extends PlannedPartition {
  status: PartitionReassignmentStatus;
  /** The replica list ZooKeeper holds now (undefined: no such partition). */
  assigned: number[] | undefined;
}

/** The partitions /admin/reassign_partitions still lists, as `topic-partition` keys. */
async function pendingReassignments(zk: ZkClient): Promise<Set<string>> {
  const node = await getDataIfExists(zk, ZkPaths.reassignPartitions);
  if (!node) return new Set();
  return new Set(parsePartitionReassignment(ZkPaths.reassignPartitions, node.data).valid.map((e) => partitionKey(e.topic, e.partition)));
}

/**
 * Kafka's --verify: per partition of the plan, "in progress" while the controller still has it
 * (listed in /admin/reassign_partitions, or replicas being added or removed in the topic znode),
 * "done" when the assignment equals the plan, "failed" otherwise (the controller gave up, or
 * someone else changed it). With none in progress, the throttles are removed as Kafka's does.
 */
export async function verifyReassignment(zk: ZkClient, plan: ReassignmentPlan): Promise<{ partitions: PartitionVerification[]; throttlesRemoved: boolean }> {
  const partitions = await reassignmentStatus(zk, plan);
  const throttlesRemoved = !partitions.some((p) => p.status === 'in progress');
  if (throttlesRemoved) await removeThrottles(zk, [...new Set(plan.partitions.map((p) => p.topic))]);
  return { partitions, throttlesRemoved };
}

/** Where each partition of `plan` stands, as verifyReassignment says it, without touching the throttles. */
export async function reassignmentStatus(zk: ZkClient, plan: ReassignmentPlan): Promise<PartitionVerification[]> {
  const pending = await pendingReassignments(zk);
  const znodes = await readTopicZnodes(zk, [...new Set(plan.partitions.map((p) => p.topic))]);
  return plan.partitions.map((p): PartitionVerification => {
    const znode = znodes.get(p.topic);
    const assigned = znode?.partitions.get(p.partition);
    const moving = pending.has(partitionKey(p.topic, p.partition)) || znode?.addingReplicas.has(p.partition) || znode?.removingReplicas.has(p.partition);
    const same = assigned !== undefined && assigned.length === p.replicas.length && assigned.every((id, i) => id === p.replicas[i]);
    return { ...p, assigned, status: moving ? 'in progress' : same ? 'done' : 'failed' };
  });
}
