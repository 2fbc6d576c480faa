/**
 * Topic changes written to ZooKeeper as Kafka's AdminZkClient writes them: a topic's config under
 * /config/topics and its replica assignment under /brokers/topics; deletion as a marker under
 * /admin/delete_topics. The controller, watching those paths, does the rest.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { NewTopic, TopicAdminPort } from '../server/handlers/ports';
import { assignReplicasToBrokers } from './controller/assignment';
import { ZkPaths } from './paths';
import type { ZkClient } from './zk-client';
import { ZkNodeExistsError, ZkNoNodeError } from './zk-errors';
import { parseTopicAssignment, serializeTopicAssignment, serializeTopicConfig, type ReplicaAssignment } from './znodes';

export class ZkTopicAdmin implements TopicAdminPort {
  constructor(private readonly zk: ZkClient, private readonly randomInt?: (bound: number) => number) {}

  async createTopic(topic: NewTopic, liveBrokerIds: number[]): Promise<void> {
    const assignment = topic.assignments ?? assignReplicasToBrokers({
      numPartitions: topic.numPartitions,
      replicationFactor: topic.replicationFactor,
      brokerIds: liveBrokerIds,
      randomInt: this.randomInt,
    });
    if (await this.zk.exists(ZkPaths.topic(topic.name))) {
      throw new JosefError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${topic.name} already exists`);
    }
    // Config first, as Kafka: the controller reads it when the assignment appears.
    await this.zk.create(ZkPaths.topicConfig(topic.name), serializeTopicConfig(topic.configs), 'persistent', { createParents: true })
      .catch(async (err: unknown) => {
        if (!(err instanceof ZkNodeExistsError)) throw err;
        await this.zk.setData(ZkPaths.topicConfig(topic.name), serializeTopicConfig(topic.configs), -1);
      });
    try {
      await this.zk.create(ZkPaths.topic(topic.name), serializeTopicAssignment(assignment), 'persistent', { createParents: true });
    } catch (err) {
      if (err instanceof ZkNodeExistsError) throw new JosefError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${topic.name} already exists`);
      throw err;
    }
  }

  async markTopicForDeletion(name: string): Promise<void> {
    if (!(await this.zk.exists(ZkPaths.topic(name)))) {
      throw new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name} does not exist`);
    }
    try {
      await this.zk.create(ZkPaths.deleteTopic(name), undefined, 'persistent', { createParents: true });
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
  }
}

export async function listTopics(zk: ZkClient): Promise<string[]> {
  return (await zk.getChildren(ZkPaths.brokerTopics)).sort();
}

export async function readTopicAssignment(zk: ZkClient, topic: string): Promise<ReplicaAssignment | undefined> {
  try {
    const { data } = await zk.getData(ZkPaths.topic(topic));
    return parseTopicAssignment(ZkPaths.topic(topic), data);
  } catch (err) {
    if (err instanceof ZkNoNodeError) return undefined;
    throw err;
  }
}
