/**
 * The bytes inside each znode, as Kafka 2.x writes them, with parsers that check the shape and
 * name the path when it is wrong. The controller and brokers read and write znodes only through these.
 */
import { encodeJson } from './zk-client';

/** /brokers/ids/<id>: where a live broker listens. */
export interface BrokerRegistration {
  brokerId: number;
  host: string;
  port: number;
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

export function serializeBrokerRegistration(b: BrokerRegistration): Buffer {
  return encodeJson({
    listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' },
    endpoints: [`PLAINTEXT://${b.host}:${b.port}`],
    jmx_port: -1,
    host: b.host,
    timestamp: String(b.timestampMs),
    port: b.port,
    version: 4,
    rack: b.rack,
  });
}

/** Kafka's v4 registration; host and port come from the PLAINTEXT endpoint when the fields are null. */
export function parseBrokerRegistration(path: string, brokerId: number, data: Buffer): BrokerRegistration {
  const obj = parseObject(path, data);
  let { host, port } = obj;
  if (host === null || host === undefined) {
    const endpoint = Array.isArray(obj.endpoints) ? obj.endpoints.find((e) => typeof e === 'string' && e.startsWith('PLAINTEXT://')) : undefined;
    const match = typeof endpoint === 'string' ? /^PLAINTEXT:\/\/(.*):(\d+)$/.exec(endpoint) : null;
    if (!match) throw new ZnodeFormatError(path, 'neither "host" nor a PLAINTEXT endpoint says where the broker listens');
    host = match[1];
    port = Number(match[2]);
  }
  const fields = { host, port };
  const checkedPort = int(path, fields, 'port', 0);
  if (checkedPort > 65_535) throw new ZnodeFormatError(path, `field "port" is ${checkedPort}, above 65535`);
  const rack = obj.rack ?? null;
  if (rack !== null && typeof rack !== 'string') throw new ZnodeFormatError(path, `field "rack" is neither null nor a string: ${JSON.stringify(rack)}`);
  return { brokerId, host: str(path, fields, 'host'), port: checkedPort, rack, timestampMs: timestamp(path, obj) };
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

export function serializeTopicAssignment(assignment: ReplicaAssignment): Buffer {
  const partitions: Record<string, number[]> = {};
  for (const [p, replicas] of [...assignment.entries()].sort((a, b) => a[0] - b[0])) partitions[String(p)] = replicas;
  return encodeJson({ version: 2, partitions, adding_replicas: {}, removing_replicas: {} });
}

export function parseTopicAssignment(path: string, data: Buffer): ReplicaAssignment {
  const obj = parseObject(path, data);
  const partitions = obj.partitions;
  if (!isObject(partitions)) throw new ZnodeFormatError(path, 'field "partitions" is not an object');
  const out: ReplicaAssignment = new Map();
  for (const [p, replicas] of Object.entries(partitions)) {
    if (!/^\d+$/.test(p)) throw new ZnodeFormatError(path, `partition "${p}" is not a number`);
    const list = brokerIdList(path, replicas, `partitions.${p}`);
    if (list.length === 0) throw new ZnodeFormatError(path, `partition ${p} has no replicas`);
    out.set(Number(p), list);
  }
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}

export function serializeTopicConfig(configs: Record<string, string>): Buffer {
  return encodeJson({ version: 1, config: configs });
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
    const key = `${p.topic}-${p.partition}`;
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
