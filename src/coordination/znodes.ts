/**
 * The JSON inside each znode, as Kafka 2.x writes it, with parsers that check the shape and name
 * the path when it is wrong. The controller and brokers read and write znodes only through these.
 */
import { encodeJson } from './zk-client';

export interface BrokerRegistration {
  brokerId: number;
  host: string;
  port: number;
  rack: string | null;
  timestampMs: number;
}

export interface PartitionStateZnode {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

export interface ControllerZnode {
  brokerId: number;
  timestampMs: number;
}

/** Partition -> replica list; the first replica is the preferred leader. */
export type ReplicaAssignment = Map<number, number[]>;

class ZnodeFormatError extends Error {
  constructor(path: string, why: string) {
    super(`malformed znode ${path}: ${why}`);
    this.name = 'ZnodeFormatError';
  }
}

function parseObject(path: string, data: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZnodeFormatError(path, `not JSON: ${JSON.stringify(data.toString('utf8').slice(0, 80))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ZnodeFormatError(path, 'not a JSON object');
  return value as Record<string, unknown>;
}

function int(path: string, obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZnodeFormatError(path, `field "${field}" is not an integer`);
  return v;
}

function intList(path: string, v: unknown, field: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new ZnodeFormatError(path, `field "${field}" is not a list of integers`);
  return v as number[];
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

export function parseBrokerRegistration(path: string, brokerId: number, data: Buffer): BrokerRegistration {
  const obj = parseObject(path, data);
  const host = obj.host;
  if (typeof host !== 'string') throw new ZnodeFormatError(path, 'field "host" is not a string');
  return {
    brokerId,
    host,
    port: int(path, obj, 'port'),
    rack: typeof obj.rack === 'string' ? obj.rack : null,
    timestampMs: Number(obj.timestamp ?? 0),
  };
}

export function serializePartitionState(s: PartitionStateZnode): Buffer {
  return encodeJson({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function parsePartitionState(path: string, data: Buffer): PartitionStateZnode {
  const obj = parseObject(path, data);
  return {
    controllerEpoch: int(path, obj, 'controller_epoch'),
    leader: int(path, obj, 'leader'),
    leaderEpoch: int(path, obj, 'leader_epoch'),
    isr: intList(path, obj.isr, 'isr'),
  };
}

export function serializeController(c: ControllerZnode): Buffer {
  return encodeJson({ version: 1, brokerid: c.brokerId, timestamp: String(c.timestampMs) });
}

export function parseController(path: string, data: Buffer): ControllerZnode {
  const obj = parseObject(path, data);
  return { brokerId: int(path, obj, 'brokerid'), timestampMs: Number(obj.timestamp ?? 0) };
}

export function serializeTopicAssignment(assignment: ReplicaAssignment): Buffer {
  const partitions: Record<string, number[]> = {};
  for (const [p, replicas] of [...assignment.entries()].sort((a, b) => a[0] - b[0])) partitions[String(p)] = replicas;
  return encodeJson({ version: 2, partitions, adding_replicas: {}, removing_replicas: {} });
}

export function parseTopicAssignment(path: string, data: Buffer): ReplicaAssignment {
  const obj = parseObject(path, data);
  const partitions = obj.partitions;
  if (typeof partitions !== 'object' || partitions === null) throw new ZnodeFormatError(path, 'field "partitions" is missing');
  const out: ReplicaAssignment = new Map();
  for (const [p, replicas] of Object.entries(partitions as Record<string, unknown>)) {
    if (!/^\d+$/.test(p)) throw new ZnodeFormatError(path, `partition "${p}" is not a number`);
    out.set(Number(p), intList(path, replicas, `partitions.${p}`));
  }
  return out;
}

export function serializeTopicConfig(configs: Record<string, string>): Buffer {
  return encodeJson({ version: 1, config: configs });
}

export function parseTopicConfig(path: string, data: Buffer): Record<string, string> {
  const obj = parseObject(path, data);
  const config = obj.config;
  if (typeof config !== 'object' || config === null) return {};
  return Object.fromEntries(Object.entries(config as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** `{"version":1,"partitions":[{"topic","partition"}]}` of an isr_change_notification znode. */
export function serializeIsrChange(partitions: { topic: string; partition: number }[]): Buffer {
  return encodeJson({ version: 1, partitions });
}

export function parseIsrChange(path: string, data: Buffer): { topic: string; partition: number }[] {
  const obj = parseObject(path, data);
  if (!Array.isArray(obj.partitions)) throw new ZnodeFormatError(path, 'field "partitions" is not a list');
  return (obj.partitions as Record<string, unknown>[]).map((p) => ({ topic: String(p.topic), partition: Number(p.partition) }));
}
