/**
 * Creating a topic from a broker (Kafka's AdminManager.createTopics, also used for auto-creation):
 * check the request against the broker's rules and the live brokers it knows, then write the
 * assignment to ZooKeeper through topic-admin. The controller does the rest (state znodes,
 * LeaderAndIsr, UpdateMetadata); callers wait for the leaders to show in the metadata cache.
 */
import type { BrokerConfig } from '../common/config';
import { ErrorCode, JosefError } from '../common/errors';
import { topicCollisionKey, validateTopicName } from '../common/topic';
import { validateTopicConfigs } from '../storage/topic-config';
import type { CreatableTopic } from '../protocol/messages';
import type { NewTopic, TopicAdminPort } from './handlers/ports';
import type { MetadataCache } from './metadata-cache';

export interface TopicCreationDeps {
  config: BrokerConfig;
  metadataCache: MetadataCache;
  topicAdmin: TopicAdminPort;
}

const invalid = (info: (typeof ErrorCode)[keyof typeof ErrorCode], detail: string): never => {
  throw new JosefError(info, detail);
};

/** Checks `request` and turns it into the topic to write; -1 counts take the broker's defaults. */
export function newTopicFromRequest(request: CreatableTopic, deps: TopicCreationDeps): NewTopic {
  const { config, metadataCache } = deps;
  validateTopicName(request.name);
  if (metadataCache.hasTopic(request.name)) invalid(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${request.name} already exists`);
  const collision = metadataCache.topicNames().find((t) => t !== request.name && topicCollisionKey(t) === topicCollisionKey(request.name));
  if (collision) invalid(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic ${request.name} collides with existing topic ${collision} ("." and "_" look the same in metric names)`);
  const configs = nonNullConfigs(request);
  validateTopicConfigs(configs);
  const live = metadataCache.aliveBrokerIds();
  const assignments = request.assignments ?? [];
  if (assignments.length > 0) return fromAssignments(request, assignments, live, configs);
  const numPartitions = request.numPartitions === -1 ? config.numPartitions : request.numPartitions;
  const replicationFactor = request.replicationFactor === -1 ? config.defaultReplicationFactor : request.replicationFactor;
  if (!Number.isInteger(numPartitions) || numPartitions < 1) invalid(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) invalid(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${replicationFactor}`);
  if (replicationFactor > live.length) {
    invalid(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replicationFactor} larger than available brokers: ${live.length}`);
  }
  return { name: request.name, numPartitions, replicationFactor, configs };
}

/** Kafka refuses a config named without a value ("Null value not supported for topic configs"). */
function nonNullConfigs(request: CreatableTopic): Record<string, string> {
  const configs = request.configs ?? {};
  const nulls = Object.keys(configs).filter((key) => configs[key] === null);
  if (nulls.length > 0) invalid(ErrorCode.INVALID_REQUEST, `null value not supported for topic configs: ${nulls.join(', ')}`);
  return configs as Record<string, string>;
}

/** Kafka's checks of explicit assignments: partitions 0..n-1, one replication factor, distinct live brokers. */
function fromAssignments(request: CreatableTopic, assignments: CreatableTopic['assignments'], live: number[], configs: Record<string, string>): NewTopic {
  if (request.numPartitions !== -1 || request.replicationFactor !== -1) {
    invalid(ErrorCode.INVALID_REQUEST, 'give either numPartitions and replicationFactor or assignments, not both');
  }
  const byPartition = new Map<number, number[]>();
  for (const { partition, brokerIds } of assignments) {
    if (byPartition.has(partition)) invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${partition} is assigned twice`);
    if (brokerIds.length === 0) invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${partition} has no replicas`);
    if (new Set(brokerIds).size !== brokerIds.length) invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${partition} lists a broker twice: ${JSON.stringify(brokerIds)}`);
    const unknown = brokerIds.filter((id) => !live.includes(id));
    if (unknown.length > 0) invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partition ${partition} names brokers that are not alive: ${JSON.stringify(unknown)}`);
    byPartition.set(partition, [...brokerIds]);
  }
  for (let p = 0; p < byPartition.size; p++) {
    if (!byPartition.has(p)) invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `partitions must be numbered 0..${byPartition.size - 1}; ${p} is missing`);
  }
  const replicationFactor = byPartition.get(0)?.length ?? 0;
  if ([...byPartition.values()].some((r) => r.length !== replicationFactor)) {
    invalid(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'every partition must have the same number of replicas');
  }
  return { name: request.name, numPartitions: byPartition.size, replicationFactor, assignments: byPartition, configs };
}

/** Checks and writes one topic; throws a JosefError saying why not. */
export async function createTopic(request: CreatableTopic, deps: TopicCreationDeps, validateOnly = false): Promise<NewTopic> {
  const topic = newTopicFromRequest(request, deps);
  if (!validateOnly) await deps.topicAdmin.createTopic(topic, deps.metadataCache.aliveBrokerIds());
  return topic;
}
