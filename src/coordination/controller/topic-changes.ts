/**
 * Topics appearing and growing (Kafka's TopicChangeHandler and PartitionModificationsHandler with
 * onNewPartitionCreation): the controller reads /brokers/topics and each topic znode, watching
 * them, and gives new partitions, of new topics or added to existing ones, their first leader and
 * ISR, then tells their replicas and every broker. Runs inside the event loop.
 */
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkWatcher } from '../zk-client';
import { ZkNoNodeError } from '../zk-errors';
import { pipelined } from '../zk-pipeline';
import { parseTopicZnode, ZnodeFormatError, type TopicZnode } from '../znodes';
import type { ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import type { PartitionStateMachine } from './partition-state-machine';

/** How the controller's one-shot watches are set: per event, keyed by path for per-topic ones. */
export interface TopicWatches {
  topics(): ZkWatcher | undefined;
  topic(topic: string): ZkWatcher | undefined;
  /** A watch asked for on a znode that turned out missing was never set. */
  unset(topic: string): void;
}

export class TopicChanges {
  constructor(
    private readonly zk: ZooKeeper,
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly logger: Logger,
    private readonly watches: TopicWatches,
  ) {}

  /** Reads /brokers/topics (watching it) and the assignment of each topic not yet known. Returns the new ones. */
  async refreshTopics(): Promise<string[]> {
    const topics = await this.zk.getChildren(ZkPaths.brokerTopics, this.watches.topics());
    const unknown = topics.sort().filter((topic) => !this.context.assignments.has(topic));
    // Pipelined, as Kafka's getReplicaAssignmentForTopics: a new controller reads every topic znode
    // here, one round trip each when awaited in turn (issue 24's failover, with many topics).
    const znodes = await pipelined(unknown, (topic) => this.readTopicZnode(topic));
    const added: string[] = [];
    unknown.forEach((topic, i) => {
      const znode = znodes[i];
      if (!znode) return;
      this.context.setTopic(topic, znode);
      added.push(topic);
    });
    for (const known of [...this.context.assignments.keys()]) {
      if (topics.includes(known)) continue;
      this.logger.warn(`topic ${known} vanished from ${ZkPaths.brokerTopics} without being deleted through ${ZkPaths.deleteTopics}`);
      this.context.removeTopic(known);
    }
    return added;
  }

  /** Kafka's onNewPartitionCreation for topics that appeared in /brokers/topics. */
  async onTopicChange(): Promise<void> {
    const added = await this.refreshTopics();
    if (added.length === 0) return;
    await this.onNewPartitionCreation(added.flatMap((topic) => this.context.partitionsOf(topic)), `topic(s) ${added.join(',')} created`);
  }

  /**
   * Kafka's processPartitionModifications: a topic znode changed; partitions it names that the
   * controller does not know are new (added by the admin), and are created as a new topic's are.
   * Changes to known partitions are the controller's own writes (reassignment) and change nothing.
   * A topic being deleted gets no new partitions (Kafka also writes the old assignment back; here
   * they are only ignored, and vanish with the topic).
   */
  async onPartitionModifications(topic: string): Promise<void> {
    if (!this.context.assignments.has(topic)) return;
    const znode = await this.readTopicZnode(topic);
    if (!znode) return;
    const added = [...znode.partitions.keys()].filter((p) => this.context.replicasOf({ topic, partition: p }).length === 0);
    if (added.length === 0) return;
    if (this.context.topicsToBeDeleted.has(topic)) {
      this.logger.warn(`not adding partition(s) [${added.join(',')}] to topic ${topic}: it is being deleted`);
      return;
    }
    for (const partition of added) {
      this.context.setFullAssignment({ topic, partition }, { replicas: znode.partitions.get(partition) ?? [], addingReplicas: [], removingReplicas: [] });
    }
    this.logger.info(`topic ${topic}: new partition(s) [${added.join(',')}]`);
    await this.onNewPartitionCreation(added.map((partition) => ({ topic, partition })), `partition(s) added to topic ${topic}`);
  }

  /** New partitions (NewPartition -> OnlinePartition): leaders, then LeaderAndIsr to their replicas and UpdateMetadata to every broker. */
  private async onNewPartitionCreation(partitions: TopicPartition[], why: string): Promise<void> {
    const initialized = await this.states.electLeaders(partitions, why);
    this.requests.sendLeaderAndIsr(initialized, { isNew: true });
    this.requests.sendUpdateMetadata(initialized);
  }

  /**
   * A topic znode, watched for changes (Kafka's PartitionModificationsHandler); undefined when it
   * is gone or malformed: one hand-edited topic must not stop the controller from serving the others.
   */
  private async readTopicZnode(topic: string): Promise<TopicZnode | undefined> {
    const path = ZkPaths.topic(topic);
    let data: Buffer;
    try {
      data = (await this.zk.getData(path, this.watches.topic(topic))).data;
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      this.watches.unset(topic);
      return undefined;
    }
    try {
      return parseTopicZnode(path, data);
    } catch (err) {
      if (!(err instanceof ZnodeFormatError)) throw err;
      this.logger.error(`ignoring topic ${topic}: ${err.message}`);
      return undefined;
    }
  }
}
