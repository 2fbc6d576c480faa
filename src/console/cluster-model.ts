/**
 * The cluster as the console shows it, read from ZooKeeper (zk-cluster-reader.ts), and what
 * changed between two readings: the timeline's events, each with its time and the znode it came
 * from, and the znodes whose data changed (the ZooKeeper panel flashes them). Pure: two models in,
 * events out, so every narration is tested without ZooKeeper.
 */
import { partitionKey } from '../common/topic';

export interface BrokerModel {
  id: number;
  /** Where the console reaches it: its first PLAINTEXT endpoint. */
  host: string;
  port: number;
  /** Every listener it registered, as `cluster up` prints them. */
  listeners: string;
  /** The czxid of /brokers/ids/<id>: Kafka's broker epoch, new at every registration. */
  brokerEpoch: number;
}

export interface PartitionModel {
  partition: number;
  replicas: number[];
  /** -1: no leader (offline), or no state znode yet. */
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export interface TopicModel {
  name: string;
  /** Queued in /admin/delete_topics. */
  deleting: boolean;
  partitions: PartitionModel[];
}

export interface ClusterModel {
  brokers: BrokerModel[];
  /** -1 while /controller is absent. */
  controllerId: number;
  controllerEpoch: number | null;
  topics: TopicModel[];
  /** /admin/reassign_partitions: partitions still being moved, with their target replicas. */
  reassigning: Array<{ topic: string; partition: number; replicas: number[] }>;
  /** The mzxid of every znode read, by path: a changed one was written between two readings. */
  znodes: Record<string, string>;
}

export const emptyClusterModel: ClusterModel = { brokers: [], controllerId: -1, controllerEpoch: null, topics: [], reassigning: [], znodes: {} };

export type ClusterEventKind =
  | 'broker-registered' | 'broker-gone' | 'controller-elected' | 'controller-gone' | 'topic-created' | 'topic-deleted'
  | 'topic-deletion-queued' | 'leader-elected' | 'partition-offline' | 'isr-shrank' | 'isr-expanded' | 'replicas-changed'
  | 'reassignment-started' | 'reassignment-finished' | 'zookeeper';

export interface ClusterEvent {
  timeMs: number;
  kind: ClusterEventKind;
  text: string;
  /** The znode whose change told of it. */
  znode: string;
}

const brokerPath = (id: number): string => `/brokers/ids/${id}`;
const statePath = (topic: string, partition: number): string => `/brokers/topics/${topic}/partitions/${partition}/state`;
const list = (ids: readonly number[]): string => `[${ids.join(',')}]`;

/** Every event that turns `before` into `after`, in the order a reader follows a failover: brokers, controller, topics, partitions. */
export function clusterEvents(before: ClusterModel, after: ClusterModel, timeMs: number): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const add = (kind: ClusterEventKind, text: string, znode: string): void => void events.push({ timeMs, kind, text, znode });
  brokerEvents(before, after, add);
  if (after.controllerId !== before.controllerId || (after.controllerId !== -1 && after.controllerEpoch !== before.controllerEpoch)) {
    if (after.controllerId === -1) add('controller-gone', `no controller: /controller vanished with broker ${before.controllerId}'s session; the brokers race to create it`, '/controller');
    else add('controller-elected', `broker ${after.controllerId} is the controller, controller epoch ${after.controllerEpoch ?? '?'}`, '/controller');
  }
  topicEvents(before, after, add);
  reassignmentEvents(before, after, add);
  return events;
}

type AddEvent = (kind: ClusterEventKind, text: string, znode: string) => void;

function brokerEvents(before: ClusterModel, after: ClusterModel, add: AddEvent): void {
  const was = new Map(before.brokers.map((b) => [b.id, b]));
  const now = new Map(after.brokers.map((b) => [b.id, b]));
  for (const [id, b] of was) {
    const back = now.get(id);
    if (!back) add('broker-gone', `broker ${id} is gone: its ZooKeeper session ended (closed, or expired after the session timeout), and with it the ephemeral znode`, brokerPath(id));
    else if (back.brokerEpoch !== b.brokerEpoch) add('broker-registered', `broker ${id} registered again with a new session: broker epoch ${back.brokerEpoch}`, brokerPath(id));
  }
  for (const [id, b] of now) {
    if (!was.has(id)) add('broker-registered', `broker ${id} registered at ${b.listeners}, broker epoch ${b.brokerEpoch}`, brokerPath(id));
  }
}

function topicEvents(before: ClusterModel, after: ClusterModel, add: AddEvent): void {
  const was = new Map(before.topics.map((t) => [t.name, t]));
  const now = new Map(after.topics.map((t) => [t.name, t]));
  for (const name of was.keys()) if (!now.has(name)) add('topic-deleted', `topic ${name} deleted`, `/brokers/topics/${name}`);
  for (const [name, topic] of now) {
    const old = was.get(name);
    if (!old) {
      add('topic-created', `topic ${name} created: ${topic.partitions.length} partition(s), replicas ${topic.partitions.map((p) => list(p.replicas)).join(' ')}`, `/brokers/topics/${name}`);
      continue;
    }
    if (topic.deleting && !old.deleting) add('topic-deletion-queued', `topic ${name} queued for deletion`, `/admin/delete_topics/${name}`);
    const oldPartitions = new Map(old.partitions.map((p) => [p.partition, p]));
    for (const p of topic.partitions) {
      const o = oldPartitions.get(p.partition);
      if (o) partitionEvents(name, o, p, add);
    }
  }
}

function partitionEvents(topic: string, o: PartitionModel, p: PartitionModel, add: AddEvent): void {
  const tp = partitionKey(topic, p.partition);
  const path = statePath(topic, p.partition);
  if (p.leader !== o.leader || p.leaderEpoch !== o.leaderEpoch) {
    if (p.leader === -1) add('partition-offline', `${tp} is offline: no live replica in its ISR ${list(p.isr)} (leader epoch ${p.leaderEpoch})`, path);
    else if (p.leader === o.leader) add('leader-elected', `${tp}: leader ${p.leader} stays, leader epoch raised to ${p.leaderEpoch} (a new leadership: the controller changed its ISR)`, path);
    else add('leader-elected', `${tp}: leader ${o.leader === -1 ? 'none' : o.leader} -> ${p.leader}, leader epoch raised to ${p.leaderEpoch}`, path);
  }
  const removed = o.isr.filter((r) => !p.isr.includes(r));
  const added = p.isr.filter((r) => !o.isr.includes(r));
  if (removed.length > 0) add('isr-shrank', `${tp}: ISR shrank ${list(o.isr)} -> ${list(p.isr)} (without ${removed.join(',')})`, path);
  if (added.length > 0) add('isr-expanded', `${tp}: ISR grew ${list(o.isr)} -> ${list(p.isr)} (${added.join(',')} caught up)`, path);
  if (p.replicas.join(',') !== o.replicas.join(',')) add('replicas-changed', `${tp}: replicas ${list(o.replicas)} -> ${list(p.replicas)}`, `/brokers/topics/${topic}`);
}

function reassignmentEvents(before: ClusterModel, after: ClusterModel, add: AddEvent): void {
  const key = (r: { topic: string; partition: number }): string => partitionKey(r.topic, r.partition);
  const was = new Set(before.reassigning.map(key));
  const now = new Set(after.reassigning.map(key));
  for (const r of after.reassigning) {
    if (!was.has(key(r))) add('reassignment-started', `${key(r)}: reassignment to ${list(r.replicas)} started`, '/admin/reassign_partitions');
  }
  for (const r of before.reassigning) {
    if (!now.has(key(r))) add('reassignment-finished', `${key(r)}: reassignment to ${list(r.replicas)} done`, '/admin/reassign_partitions');
  }
}

/** Znodes created, written or deleted between two readings (by their mzxid). */
export function changedZnodes(before: ClusterModel, after: ClusterModel): string[] {
  const changed = new Set<string>();
  for (const [path, mzxid] of Object.entries(after.znodes)) if (before.znodes[path] !== mzxid) changed.add(path);
  for (const path of Object.keys(before.znodes)) if (!(path in after.znodes)) changed.add(path);
  return [...changed].sort();
}

/** Kafka's under-replicated partition: fewer ISR members than replicas. */
export function isUnderReplicated(p: PartitionModel): boolean {
  return p.leader !== -1 && p.isr.length < p.replicas.length;
}

/** How many partitions each broker leads. */
export function partitionsLed(model: ClusterModel): Map<number, number> {
  const led = new Map<number, number>();
  for (const t of model.topics) for (const p of t.partitions) if (p.leader !== -1) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
  return led;
}
