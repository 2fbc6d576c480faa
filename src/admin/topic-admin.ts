/**
 * Topics in ZooKeeper, written as Kafka's AdminZkClient writes them: a topic's config under
 * /config/topics and its replica assignment under /brokers/topics; deletion as a marker under
 * /admin/delete_topics. The controller, watching those paths, does the rest. Also the reads of
 * topic znodes that brokers and tools share.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { topicCollisionKey, validateTopicName } from '../common/topic';
import { topicConfigKeys, validateTopicConfigs } from '../storage/topic-config';
import { liveBrokers } from '../coordination/broker-registry';
import { assignReplicasToBrokers, validateReplicaAssignment } from '../coordination/controller/assignment';
import { type BrokerPartitionLimit, checkBrokerPartitionLimit } from '../coordination/partition-limit';
import { changeEntityConfig, readEntityConfig, writeEntityConfig, type ConfigEntity } from '../coordination/entity-config';
import { ZkPaths } from '../coordination/paths';
import { assignNewPartitions, type PlanOptions } from './reassignment-plan';
import type { ZkClient } from '../coordination/zk-client';
import { getDataIfExists } from '../coordination/zk-reads';
import { ZkBadVersionError, ZkNodeExistsError } from '../coordination/zk-errors';
import {
  parsePartitionState, parseTopicAssignment, parseTopicConfig, parseTopicZnode, serializeTopicAssignment, serializeTopicConfig,
  serializeTopicZnode, type PartitionStateZnode, type ReplicaAssignment,
} from '../coordination/znodes';

export interface NewTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** Explicit replica lists by partition; when present, numPartitions/replicationFactor are ignored. */
  assignments?: ReplicaAssignment;
  configs: Record<string, string>;
}

/**
 * Validates and writes a new topic (Kafka's AdminZkClient.createTopic): the name, the assignment
 * (computed over `liveBrokerIds` unless given), no existing topic with the name or one that
 * collides with it on '.' vs '_'. Config first, as Kafka: the controller reads it when the
 * assignment appears. Returns the assignment written.
 */
export async function createTopic(
  zk: ZkClient, spec: NewTopicSpec, liveBrokerIds: readonly number[], randomInt?: (bound: number) => number, partitionLimit?: BrokerPartitionLimit,
): Promise<ReplicaAssignment> {
  validateTopicName(spec.name);
  let assignment: ReplicaAssignment;
  if (spec.assignments) {
    validateReplicaAssignment(spec.assignments);
    assignment = spec.assignments;
  } else {
    assignment = assignReplicasToBrokers({ numPartitions: spec.numPartitions, replicationFactor: spec.replicationFactor, brokerIds: liveBrokerIds, randomInt });
  }
  checkBrokerPartitionLimit(assignment, partitionLimit);
  const existing = await listTopics(zk);
  if (existing.includes(spec.name)) throw topicExists(spec.name);
  const collision = existing.find((t) => topicCollisionKey(t) === topicCollisionKey(spec.name));
  if (collision !== undefined) {
    throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic '${spec.name}' collides with existing topic '${collision}' ('.' and '_' look the same in metric names)`);
  }
  const configPath = ZkPaths.topicConfig(spec.name);
  try {
    await zk.create(configPath, serializeTopicConfig(spec.configs), 'persistent', { createParents: true });
  } catch (err) {
    // A config left by an earlier, unfinished creation or deletion: ours replaces it (Kafka's setOrCreate).
    if (!(err instanceof ZkNodeExistsError)) throw err;
    await zk.setData(configPath, serializeTopicConfig(spec.configs), -1);
  }
  try {
    await zk.create(ZkPaths.topic(spec.name), serializeTopicAssignment(assignment), 'persistent', { createParents: true });
  } catch (err) {
    if (err instanceof ZkNodeExistsError) throw topicExists(spec.name);
    throw err;
  }
  return assignment;
}

function topicExists(name: string): JosefError {
  return new JosefError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${name}' already exists`);
}

/** Queues the topic for the controller to delete (Kafka's AdminZkClient.deleteTopic); marking twice is fine. */
export async function markTopicForDeletion(zk: ZkClient, name: string): Promise<void> {
  if (!(await topicExistsInZk(zk, name))) throw unknownTopic(name);
  try {
    await zk.create(ZkPaths.deleteTopic(name), undefined, 'persistent', { createParents: true });
  } catch (err) {
    if (!(err instanceof ZkNodeExistsError)) throw err;
  }
}

export async function listTopics(zk: ZkClient): Promise<string[]> {
  return (await zk.getChildren(ZkPaths.brokerTopics)).sort();
}

export async function topicExistsInZk(zk: ZkClient, name: string): Promise<boolean> {
  return (await zk.exists(ZkPaths.topic(name))) !== null;
}

/** The topic's replica assignment; undefined when the topic does not exist. */
export async function readTopicAssignment(zk: ZkClient, topic: string): Promise<ReplicaAssignment | undefined> {
  const node = await getDataIfExists(zk, ZkPaths.topic(topic));
  return node && parseTopicAssignment(ZkPaths.topic(topic), node.data);
}

/** The topic's config overrides in /config/topics/<topic>; none when the znode is absent. */
export async function readTopicConfig(zk: ZkClient, topic: string): Promise<Record<string, string>> {
  const node = await getDataIfExists(zk, ZkPaths.topicConfig(topic));
  return node ? parseTopicConfig(ZkPaths.topicConfig(topic), node.data) : {};
}

/** A partition's leader and ISR with the zkVersion that a conditional write must name; undefined when absent. */
export async function readPartitionState(zk: ZkClient, topic: string, partition: number): Promise<(PartitionStateZnode & { zkVersion: number }) | undefined> {
  const path = ZkPaths.partitionState(topic, partition);
  const node = await getDataIfExists(zk, path);
  return node && { ...parsePartitionState(path, node.data), zkVersion: node.stat.version };
}

function unknownTopic(name: string): JosefError {
  return new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
}

/**
 * Kafka's kafka-configs --alter for a topic: sets and deletes overrides in /config/topics/<topic>
 * (keys and values checked first, as at creation) and notifies the brokers, which apply the
 * result live. Returns the overrides as they now are.
 */
export async function alterTopicConfig(zk: ZkClient, name: string, set: Record<string, string>, remove: readonly string[] = []): Promise<Record<string, string>> {
  await checkTopicConfig(zk, name, set);
  const unknown = remove.filter((key) => !topicConfigKeys.includes(key));
  if (unknown.length > 0) throw new JosefError(ErrorCode.INVALID_CONFIG, `unknown topic config ${unknown.join(', ')} (known: ${topicConfigKeys.join(', ')})`);
  const both = remove.filter((key) => key in set);
  if (both.length > 0) throw new JosefError(ErrorCode.INVALID_CONFIG, `${both.join(', ')} is both set and deleted`);
  return changeEntityConfig(zk, { type: 'topics', name }, set, remove);
}

/**
 * Kafka's AdminZkClient.changeTopicConfig, what AlterConfigs does to a topic: its overrides become
 * exactly `config` (checked first, as by alterTopicConfig) and every broker is notified; with
 * `validateOnly` only the checks run.
 */
export async function changeTopicConfig(zk: ZkClient, name: string, config: Record<string, string>, validateOnly = false): Promise<void> {
  await checkTopicConfig(zk, name, config);
  if (!validateOnly) await writeEntityConfig(zk, { type: 'topics', name }, config);
}

/** Kafka's AdminZkClient.validateTopicConfig: a valid name, an existing topic, known keys with valid values. */
async function checkTopicConfig(zk: ZkClient, name: string, config: Record<string, string>): Promise<void> {
  validateTopicName(name);
  if (!(await topicExistsInZk(zk, name))) throw unknownTopic(name);
  validateTopicConfigs(config);
}

/** Conditional writes of the topic znode tried before giving up (someone else keeps changing it). */
const addPartitionsAttemptsMax = 5;

export interface AddPartitionsOptions extends PlanOptions {
  /** The new partitions' replica lists in partition order (CreatePartitions' assignments); default: balanced over the live brokers. */
  assignments?: readonly (readonly number[])[];
  /** Check and compute everything, write nothing. */
  validateOnly?: boolean;
  /** max.broker.partitions, checked on the new partitions' assignment. */
  partitionLimit?: BrokerPartitionLimit;
}

/**
 * Kafka's AdminZkClient.addPartitions (and AdminManager.createPartitions' checks): only more
 * partitions, never fewer, with Kafka's words when not; not while the topic is being deleted or
 * reassigned. The new ones get the replicas given (live brokers, as many lists as new partitions,
 * the replication factor of partition 0) or a balanced assignment over the live brokers
 * (assignNewPartitions); the existing ones stay, and the topic znode is rewritten by a conditional
 * write on the version read, so that a concurrent change (a reassignment, another alter) is read
 * again rather than overwritten. The controller sees the znode grow and creates the partitions.
 * Returns the new partitions' assignment.
 */
export async function addPartitions(zk: ZkClient, name: string, totalPartitions: number, options: AddPartitionsOptions = {}): Promise<ReplicaAssignment> {
  for (let attempt = 1; ; attempt++) {
    const node = await getDataIfExists(zk, ZkPaths.topic(name));
    if (!node) throw unknownTopic(name);
    if ((await zk.exists(ZkPaths.deleteTopic(name))) !== null) throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic '${name}' is queued for deletion`);
    const znode = parseTopicZnode(ZkPaths.topic(name), node.data);
    const current = znode.partitions.size;
    if (!Number.isInteger(totalPartitions) || totalPartitions < current) {
      throw new JosefError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${totalPartitions}.`);
    }
    if (totalPartitions === current) throw new JosefError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    if (znode.addingReplicas.size > 0 || znode.removingReplicas.size > 0 || (await zk.exists(ZkPaths.reassignPartitions)) !== null) {
      throw new JosefError(ErrorCode.REASSIGNMENT_IN_PROGRESS, `topic '${name}' cannot get partitions while a reassignment is in progress`);
    }
    const brokers = (await liveBrokers(zk)).map((b) => ({ id: b.brokerId, rack: b.rack }));
    const added = options.assignments === undefined
      ? assignNewPartitions(znode.partitions, totalPartitions, brokers, options)
      : givenNewPartitions(znode.partitions, totalPartitions, options.assignments, brokers.map((b) => b.id));
    checkBrokerPartitionLimit(added, options.partitionLimit);
    if (options.validateOnly) return added;
    const partitions = new Map([...znode.partitions, ...added]);
    try {
      await zk.setData(ZkPaths.topic(name), serializeTopicZnode({ ...znode, partitions }), node.stat.version);
      return added;
    } catch (err) {
      if (!(err instanceof ZkBadVersionError) || attempt >= addPartitionsAttemptsMax) throw err;
    }
  }
}

/** Kafka's checks of explicit replica lists for new partitions: one per new partition, live brokers, and the topic's rules (validateReplicaAssignment). */
function givenNewPartitions(current: ReplicaAssignment, totalPartitions: number, assignments: readonly (readonly number[])[], liveBrokerIds: readonly number[]): ReplicaAssignment {
  const increment = totalPartitions - current.size;
  const unknown = [...new Set(assignments.flat())].filter((id) => !liveBrokerIds.includes(id));
  if (unknown.length > 0) throw new JosefError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
  if (assignments.length !== increment) {
    throw new JosefError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${increment} but ${assignments.length} assignments provided.`);
  }
  const added: ReplicaAssignment = new Map(assignments.map((replicas, i) => [current.size + i, [...replicas]]));
  validateReplicaAssignment(new Map([...current, ...added]));
  return added;
}

/** The handlers' admin ports (src/server/handlers/ports.ts) over these functions. */
export class ZkTopicAdmin {
  constructor(private readonly zk: ZkClient, private readonly randomInt?: (bound: number) => number, private readonly partitionLimit?: BrokerPartitionLimit) {}

  async createTopic(topic: NewTopicSpec, liveBrokerIds: number[]): Promise<void> {
    await createTopic(this.zk, topic, liveBrokerIds, this.randomInt, this.partitionLimit);
  }

  markTopicForDeletion(name: string): Promise<void> {
    return markTopicForDeletion(this.zk, name);
  }

  async addPartitions(name: string, totalPartitions: number, assignments: number[][] | undefined, validateOnly: boolean): Promise<void> {
    await addPartitions(this.zk, name, totalPartitions, { assignments, validateOnly, partitionLimit: this.partitionLimit });
  }

  readConfig(entity: ConfigEntity): Promise<Record<string, string>> {
    return readEntityConfig(this.zk, entity);
  }

  changeTopicConfig(name: string, config: Record<string, string>, validateOnly: boolean): Promise<void> {
    return changeTopicConfig(this.zk, name, config, validateOnly);
  }

  changeBrokerConfig(broker: number | '<default>', config: Record<string, string>): Promise<void> {
    return writeEntityConfig(this.zk, { type: 'brokers', name: broker }, config);
  }
}
