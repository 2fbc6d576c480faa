/**
 * What consumers put in the group protocol's opaque bytes (Kafka's ConsumerProtocol): a
 * member's subscription in JoinGroup and its assignment in SyncGroup. The broker never reads
 * them. Plain msgpack maps, like the rest of Josef's wire format; topics grouped as in Kafka.
 */
import { Packr } from 'msgpackr';
import type { TopicPartition } from './records';

/** The group protocol type consumers join with. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const CONSUMER_PROTOCOL_VERSION = 0;

const packr = new Packr({ useRecords: false });

export function encodeSubscription(topics: Iterable<string>): Buffer {
  return packr.pack({ version: CONSUMER_PROTOCOL_VERSION, topics: [...new Set(topics)].sort(), userData: null });
}

export function decodeSubscription(bytes: Buffer): string[] {
  if (bytes.length === 0) return [];
  const decoded = packr.unpack(bytes) as { topics?: unknown };
  return Array.isArray(decoded.topics) ? decoded.topics.map(String) : [];
}

export function encodeAssignment(partitions: readonly TopicPartition[]): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  return packr.pack({ version: CONSUMER_PROTOCOL_VERSION, partitions: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })), userData: null });
}

export function decodeAssignment(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  const decoded = packr.unpack(bytes) as { partitions?: { topic: string; partitions: number[] }[] };
  return (decoded.partitions ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}
