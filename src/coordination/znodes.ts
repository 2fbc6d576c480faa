/**
 * The bytes inside each znode, as Kafka 2.x writes them, with parsers that check the shape and
 * name the path when it is wrong. The controller and brokers read and write znodes only through these.
 */
import {
  connectionString, parseConnectionString, plaintextEndpoint, securityProtocolNamed, type ListenerEndpoint,
} from '../common/endpoint';
import { encodeJson } from './zk-client';
import { partitionKey } from '../common/topic';

/** /brokers/ids/<id>: where a live broker listens. */
export interface BrokerRegistration {
  brokerId: number;
  /** Every advertised endpoint, in the order of advertised.listeners. */
  endpoints: ListenerEndpoint[];
  rack: string | null;
  timestampMs: number;
}

/** /brokers/topics/<t>/partitions/<p>/state: who leads, who is in sync, decided under which epochs. */
export interface PartitionStateZnode {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

/** /controller: which broker is the active controller. */
export interface ControllerZnode {
  brokerId: number;
  timestampMs: number;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/** Partition -> replica list; the first replica is the preferred leader. */
export type ReplicaAssignment = Map<number, number[]>;

/** A znode whose bytes are not what Kafka's layout says they should be. */
export class ZnodeFormatError extends Error {
  constructor(readonly path: string, why: string) {
    super(`malformed znode ${path}: ${why}`);
    this.name = 'ZnodeFormatError';
  }
}

type JsonObject = Record<string, unknown>;

function parseObject(path: string, data: Buffer): JsonObject {
  const text = data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ZnodeFormatError(path, `not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!isObject(value)) throw new ZnodeFormatError(path, 'not a JSON object');
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function int(path: string, obj: JsonObject, field: string, min = -Infinity): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZnodeFormatError(path, `field "${field}" is not an integer: ${JSON.stringify(v)}`);
  if (v < min) throw new ZnodeFormatError(path, `field "${field}" is ${v}, below ${min}`);
  return v;
}

function str(path: string, obj: JsonObject, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw new ZnodeFormatError(path, `field "${field}" is not a string: ${JSON.stringify(v)}`);
  return v;
}

function brokerIdList(path: string, v: unknown, field: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && (x as number) >= 0)) {
    throw new ZnodeFormatError(path, `field "${field}" is not a list of broker ids: ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** Kafka writes timestamps as strings of milliseconds; numbers are taken too. */
function timestamp(path: string, obj: JsonObject): number {
  const v = obj.timestamp;
  if (v === undefined) return 0;
  const ms = typeof v === 'string' ? Number(v) : v;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new ZnodeFormatError(path, `field "timestamp" is not a number: ${JSON.stringify(v)}`);
  return ms;
}

/**
 * Kafka's v4 registration. Its top-level host and port are those of the first PLAINTEXT endpoint
 * (null and -1 without one), kept by Kafka for clients that know only PLAINTEXT.
 */
export function serializeBrokerRegistration(b: BrokerRegistration): Buffer {
  const plaintext = registeredPlaintextEndpoint(b);
  return encodeJson({
    listener_security_protocol_map: Object.fromEntries(b.endpoints.map((e) => [e.listenerName, e.securityProtocol])),
    endpoints: b.endpoints.map(connectionString),
    jmx_port: -1,
    host: plaintext?.host ?? null,
    timestamp: String(b.timestampMs),
    port: plaintext?.port ?? -1,
    version: 4,
    rack: b.rack,
  });
}

/** The first PLAINTEXT endpoint: the host and port the znode names at its top level, for tools that read ZooKeeper. */
export function registeredPlaintextEndpoint(b: Pick<BrokerRegistration, 'endpoints'>): ListenerEndpoint | undefined {
  return b.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
}

/**
 * Kafka's registration, any version: the endpoints with the protocols of listener_security_protocol_map
 * (absent before v4: each listener is named after its protocol); before v2, only host and port.
 */
export function parseBrokerRegistration(path: string, brokerId: number, data: Buffer): BrokerRegistration {
  const obj = parseObject(path, data);
  const endpoints = obj.endpoints === undefined ? [legacyEndpoint(path, obj)] : registeredEndpoints(path, obj);
  if (endpoints.length === 0) throw new ZnodeFormatError(path, 'field "endpoints" is empty: nothing says where the broker listens');
  const rack = obj.rack ?? null;
  if (rack !== null && typeof rack !== 'string') throw new ZnodeFormatError(path, `field "rack" is neither null nor a string: ${JSON.stringify(rack)}`);
  return { brokerId, endpoints, rack, timestampMs: timestamp(path, obj) };
}

function registeredEndpoints(path: string, obj: JsonObject): ListenerEndpoint[] {
  const { endpoints, listener_security_protocol_map: map } = obj;
  if (!Array.isArray(endpoints) || !endpoints.every((e) => typeof e === 'string')) {
    throw new ZnodeFormatError(path, `field "endpoints" is not a list of NAME://host:port: ${JSON.stringify(endpoints)}`);
  }
  if (map !== undefined && !isObject(map)) throw new ZnodeFormatError(path, `field "listener_security_protocol_map" is not an object: ${JSON.stringify(map)}`);
  return (endpoints as string[]).map((text) => {
    try {
      const address = parseConnectionString(text);
      const protocol = map === undefined ? address.listenerName : map[address.listenerName];
      if (typeof protocol !== 'string') throw new Error(`listener_security_protocol_map has no protocol for ${address.listenerName}`);
      return { ...address, securityProtocol: securityProtocolNamed(protocol) };
    } catch (err) {
      throw new ZnodeFormatError(path, `endpoint ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  });
}

function legacyEndpoint(path: string, obj: JsonObject): ListenerEndpoint {
  if (typeof obj.host !== 'string') throw new ZnodeFormatError(path, 'neither "endpoints" nor "host" says where the broker listens');
  const port = int(path, obj, 'port', 0);
  if (port > 65_535) throw new ZnodeFormatError(path, `field "port" is ${port}, above 65535`);
  return plaintextEndpoint(str(path, obj, 'host'), port);
}

export function serializePartitionState(s: PartitionStateZnode): Buffer {
  return encodeJson({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function parsePartitionState(path: string, data: Buffer): PartitionStateZnode {
  const obj = parseObject(path, data);
  return {
    controllerEpoch: int(path, obj, 'controller_epoch', 0),
    leader: int(path, obj, 'leader', -1),
    leaderEpoch: int(path, obj, 'leader_epoch', 0),
    isr: brokerIdList(path, obj.isr, 'isr'),
  };
}

export function serializeController(c: ControllerZnode): Buffer {
  return encodeJson({ version: 1, brokerid: c.brokerId, timestamp: String(c.timestampMs) });
}

export function parseController(path: string, data: Buffer): ControllerZnode {
  const obj = parseObject(path, data);
  return { brokerId: int(path, obj, 'brokerid', 0), timestampMs: timestamp(path, obj) };
}

/** /controller_epoch holds the bare integer as text, as in Kafka. */
export function serializeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch), 'utf8');
}

export function parseControllerEpoch(path: string, data: Buffer): number {
  const text = data.toString('utf8').trim();
  if (!/^\d+$/.test(text)) throw new ZnodeFormatError(path, `not a non-negative integer: ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

/**
 * The whole /brokers/topics/<t> znode (Kafka 2.4+'s TopicZNode with KIP-455): per partition the
 * full replica set and, for partitions being reassigned, the replicas being added and removed.
 * A partition absent from the adding/removing maps is not being reassigned.
 */
export interface TopicZnode {
  partitions: ReplicaAssignment;
  addingReplicas: ReplicaAssignment;
  removingReplicas: ReplicaAssignment;
}

function partitionMapJson(map: ReplicaAssignment): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [p, replicas] of [...map.entries()].sort((a, b) => a[0] - b[0])) if (replicas.length > 0) out[String(p)] = replicas;
  return out;
}

export function serializeTopicZnode(topic: TopicZnode): Buffer {
  return encodeJson({
    version: 2,
    partitions: partitionMapJson(topic.partitions),
    adding_replicas: partitionMapJson(topic.addingReplicas),
    removing_replicas: partitionMapJson(topic.removingReplicas),
  });
}

export function serializeTopicAssignment(assignment: ReplicaAssignment): Buffer {
  return serializeTopicZnode({ partitions: assignment, addingReplicas: new Map(), removingReplicas: new Map() });
}

function parsePartitionMap(path: string, value: unknown, field: string, allowEmptyLists: boolean): ReplicaAssignment {
  if (!isObject(value)) throw new ZnodeFormatError(path, `field "${field}" is not an object`);
  const out: ReplicaAssignment = new Map();
  for (const [p, replicas] of Object.entries(value)) {
    if (!/^\d+$/.test(p)) throw new ZnodeFormatError(path, `partition "${p}" in "${field}" is not a number`);
    const list = brokerIdList(path, replicas, `${field}.${p}`);
    if (list.length === 0 && !allowEmptyLists) throw new ZnodeFormatError(path, `partition ${p} has no replicas`);
    if (list.length > 0) out.set(Number(p), list);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

/** Version 1 topic znodes (before Kafka 2.4) have no adding/removing maps: nothing is being reassigned. */
export function parseTopicZnode(path: string, data: Buffer): TopicZnode {
  const obj = parseObject(path, data);
  const partitions = parsePartitionMap(path, obj.partitions, 'partitions', false);
  const addingReplicas = parsePartitionMap(path, obj.adding_replicas ?? {}, 'adding_replicas', true);
  const removingReplicas = parsePartitionMap(path, obj.removing_replicas ?? {}, 'removing_replicas', true);
  for (const [field, map] of [['adding_replicas', addingReplicas], ['removing_replicas', removingReplicas]] as const) {
    for (const [p, replicas] of map) {
      const all = partitions.get(p);
      if (!all || !replicas.every((r) => all.includes(r))) {
        throw new ZnodeFormatError(path, `${field} of partition ${p} ${JSON.stringify(replicas)} are not among its replicas ${JSON.stringify(all ?? [])}`);
      }
    }
  }
  return { partitions, addingReplicas, removingReplicas };
}

/** The replica lists alone (RS, the full set while a partition is reassigned). */
export function parseTopicAssignment(path: string, data: Buffer): ReplicaAssignment {
  return parseTopicZnode(path, data).partitions;
}

/** One partition's entry in /admin/reassign_partitions: the replicas it should end with (TRS). */
export interface PartitionReassignmentEntry {
  topic: string;
  partition: number;
  replicas: number[];
}

/** /admin/reassign_partitions as Kafka's ReassignPartitionsZNode writes it. */
export function serializePartitionReassignment(entries: readonly PartitionReassignmentEntry[]): Buffer {
  return encodeJson({ version: 1, partitions: entries.map((e) => ({ topic: e.topic, partition: e.partition, replicas: e.replicas })) });
}

/**
 * /admin/reassign_partitions read leniently, entry by entry, so that one bad entry does not stop
 * the others: a malformed znode as a whole throws ZnodeFormatError; a malformed entry (no topic,
 * a bad partition number, an empty or repeated replica list, a partition listed twice) is
 * returned in `invalid` with why.
 */
export function parsePartitionReassignment(path: string, data: Buffer): { valid: PartitionReassignmentEntry[]; invalid: { entry: unknown; why: string }[] } {
  const obj = parseObject(path, data);
  if (!Array.isArray(obj.partitions)) throw new ZnodeFormatError(path, 'field "partitions" is not a list');
  const valid: PartitionReassignmentEntry[] = [];
  const invalid: { entry: unknown; why: string }[] = [];
  const seen = new Set<string>();
  for (const entry of obj.partitions as unknown[]) {
    try {
      if (!isObject(entry)) throw new ZnodeFormatError(path, 'an entry is not an object');
      const parsed = { topic: str(path, entry, 'topic'), partition: int(path, entry, 'partition', 0), replicas: brokerIdList(path, entry.replicas, 'replicas') };
      if (parsed.replicas.length === 0) throw new ZnodeFormatError(path, 'the replica list is empty');
      if (new Set(parsed.replicas).size !== parsed.replicas.length) throw new ZnodeFormatError(path, `a broker is listed twice in ${JSON.stringify(parsed.replicas)}`);
      const key = partitionKey(parsed.topic, parsed.partition);
      if (seen.has(key)) throw new ZnodeFormatError(path, `partition ${key} is listed twice`);
      seen.add(key);
      valid.push(parsed);
    } catch (err) {
      if (!(err instanceof ZnodeFormatError)) throw err;
      invalid.push({ entry, why: err.message });
    }
  }
  return { valid, invalid };
}

export function serializeTopicConfig(configs: Record<string, string>): Buffer {
  return encodeJson({ version: 1, config: configs });
}

/** A config change notification (Kafka's ConfigEntityChangeNotificationSequenceZNode, version 2). */
export function serializeConfigChange(entityPath: string): Buffer {
  return encodeJson({ version: 2, entity_path: entityPath });
}

/** The entity a notification names, e.g. `topics/orders` or `brokers/1`. */
export function parseConfigChange(path: string, data: Buffer): string {
  return str(path, parseObject(path, data), 'entity_path');
}

export function parseTopicConfig(path: string, data: Buffer): Record<string, string> {
  const obj = parseObject(path, data);
  const config = obj.config ?? {};
  if (!isObject(config)) throw new ZnodeFormatError(path, 'field "config" is not an object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') throw new ZnodeFormatError(path, `config "${key}" is not a string: ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}

/** `{"version":1,"partitions":[{"topic","partition"}]}`: the shape of every znode that lists partitions. */
function serializePartitionList(partitions: TopicPartitionRef[]): Buffer {
  return encodeJson({ version: 1, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
}

function parsePartitionList(path: string, data: Buffer): TopicPartitionRef[] {
  const obj = parseObject(path, data);
  if (!Array.isArray(obj.partitions)) throw new ZnodeFormatError(path, 'field "partitions" is not a list');
  return obj.partitions.map((p: unknown, i: number) => {
    if (!isObject(p)) throw new ZnodeFormatError(path, `partitions[${i}] is not an object`);
    return { topic: str(path, p, 'topic'), partition: int(path, p, 'partition', 0) };
  });
}

/** An isr_change_notification znode: partitions whose ISR a leader changed. */
export const serializeIsrChange = serializePartitionList;
export const parseIsrChange = parsePartitionList;

/** /admin/preferred_replica_election: the partitions whose preferred replica should lead again. */
export const serializePreferredReplicaElection = serializePartitionList;

/** As Kafka's PreferredReplicaElectionZNode.decode, a partition listed twice makes the request malformed. */
export function parsePreferredReplicaElection(path: string, data: Buffer): TopicPartitionRef[] {
  const partitions = parsePartitionList(path, data);
  const seen = new Set<string>();
  for (const p of partitions) {
    const key = partitionKey(p.topic, p.partition);
    if (seen.has(key)) throw new ZnodeFormatError(path, `partition ${key} is listed twice`);
    seen.add(key);
  }
  return partitions;
}

/** /cluster/id: `{"version":"1","id":"<22 characters>"}` (Kafka writes the version as a string). */
export function serializeClusterId(id: string): Buffer {
  return encodeJson({ version: '1', id });
}

export function parseClusterId(path: string, data: Buffer): string {
  const id = str(path, parseObject(path, data), 'id');
  if (id.length === 0) throw new ZnodeFormatError(path, 'field "id" is empty');
  return id;
}

/** Kafka's LogDirEventNotificationZNode: event 1 is LogDirFailure, the only kind. */
export const LOG_DIR_FAILURE_EVENT = 1;

/** /log_dir_event_notification/log_dir_event_<seq>: `{"version":1,"broker":<id>,"event":1}`. */
export function serializeLogDirEvent(brokerId: number): Buffer {
  return encodeJson({ version: 1, broker: brokerId, event: LOG_DIR_FAILURE_EVENT });
}

/** The broker whose log dir failed. */
export function parseLogDirEvent(path: string, data: Buffer): number {
  const obj = parseObject(path, data);
  const event = int(path, obj, 'event');
  if (event !== LOG_DIR_FAILURE_EVENT) throw new ZnodeFormatError(path, `unknown event ${event}`);
  return int(path, obj, 'broker', 0);
}
