/**
 * The admin client (the topic and cluster parts of Kafka's AdminClient): create topics and wait
 * for their leaders, delete them, list and describe them, delete records before an offset,
 * describe the cluster. Each call asks any broker that answers (records: each partition's
 * leader); a topic- or partition-level error fails the call with the topic named.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { ApiKey, NO_LEADER } from '../protocol/api-keys';
import { groupByTopic, type MetadataResponse } from '../protocol/messages';
import { brokerError } from './broker-error';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options';
import { Cluster, type BrokerNode } from './cluster';
import { ConnectionPool } from './connection-pool';
import { Metadata } from './metadata';
import { type TopicPartition } from './records';
import { partitionKey } from '../common/topic';

export interface NewTopic {
  name: string;
  /** -1 (or absent): the broker's num.partitions. */
  numPartitions?: number;
  /** -1 (or absent): the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Explicit replica lists by partition id, first the preferred leader (instead of the two counts). */
  replicaAssignment?: Record<number, number[]>;
  configs?: Record<string, string>;
}

export interface CreateTopicsOptions {
  /** How long the broker, then this client, wait for the new partitions' leaders (Kafka's 60 s admin default). */
  timeoutMs?: number;
  /** Only check the request (Kafka's validateOnly). */
  validateOnly?: boolean;
}

export interface PartitionDescription {
  partition: number;
  /** The leader's broker id, or -1 (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
}

export interface ClusterDescription {
  clusterId: string | null;
  /** The controller's broker id, or -1 when none is known. */
  controllerId: number;
  brokers: BrokerNode[];
}

/** Kafka AdminClient's default.api.timeout.ms. */
export const ADMIN_TIMEOUT_MS_DEFAULT = 60_000;

export class Admin {
  private readonly options: ResolvedClientOptions;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;

  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options, 'admin');
    this.pool = new ConnectionPool(this.options);
    this.metadata = new Metadata(this.options, this.pool, false);
  }

  /** Creates the topics and resolves once every partition of each has a leader. */
  async createTopics(topics: readonly NewTopic[], options: CreateTopicsOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS_DEFAULT;
    const response = await this.metadata.sendToAnyBroker(ApiKey.CreateTopics, {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.replicaAssignment ? -1 : t.numPartitions ?? -1,
        replicationFactor: t.replicaAssignment ? -1 : t.replicationFactor ?? -1,
        assignments: Object.entries(t.replicaAssignment ?? {}).map(([partition, brokerIds]) => ({ partition: Number(partition), brokerIds })),
        configs: t.configs ?? {},
      })),
      timeoutMs,
      validateOnly: options.validateOnly ?? false,
    });
    throwFirstError(response.topics, 'create topic');
    if (!options.validateOnly) await this.metadata.waitForLeaders(topics.map((t) => t.name), timeoutMs);
  }

  /** Deletes the topics; resolves once the broker no longer lists them (or throws REQUEST_TIMED_OUT). */
  async deleteTopics(names: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
    const response = await this.metadata.sendToAnyBroker(ApiKey.DeleteTopics, { topicNames: [...names], timeoutMs: options.timeoutMs ?? ADMIN_TIMEOUT_MS_DEFAULT });
    throwFirstError(response.responses, 'delete topic');
  }

  /**
   * Kafka's deleteRecords: deletes each partition's records before `offset` (-1: before the high
   * watermark) at its leader, which answers once every live replica has deleted them. Resolves
   * with each partition's low watermark (its new first offset) by `topic-partition`.
   */
  async deleteRecords(
    offsets: readonly (TopicPartition & { offset: number })[], options: { timeoutMs?: number } = {},
  ): Promise<Map<string, TopicPartition & { lowWatermark: number }>> {
    const timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS_DEFAULT;
    const cluster = Cluster.fromMetadata(await this.topicMetadata([...new Set(offsets.map((o) => o.topic))]));
    const byLeader = new Map<BrokerNode, (TopicPartition & { offset: number })[]>();
    for (const o of offsets) {
      const what = `delete records of ${partitionKey(o.topic, o.partition)}`;
      const topic = cluster.topic(o.topic);
      const topicError = topic?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code;
      if (topicError !== ErrorCode.NONE.code) throw brokerError(topicError, what);
      const leader = cluster.node(cluster.leaderId(o.topic, o.partition));
      if (leader === undefined) throw brokerError(topic?.partitions[o.partition] ? ErrorCode.LEADER_NOT_AVAILABLE.code : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, what);
      let led = byLeader.get(leader);
      if (led === undefined) byLeader.set(leader, (led = []));
      led.push(o);
    }
    const responses = await Promise.all([...byLeader].map(async ([leader, led]) => {
      const connection = await this.pool.get(leader);
      return connection.send(ApiKey.DeleteRecords, { topics: groupByTopic(led, (o) => o.topic, (o) => ({ partition: o.partition, offset: o.offset })), timeoutMs });
    }));
    const lowWatermarks = new Map<string, TopicPartition & { lowWatermark: number }>();
    for (const topic of responses.flatMap((r) => r.topics)) {
      for (const p of topic.partitions) {
        if (p.errorCode !== ErrorCode.NONE.code) throw brokerError(p.errorCode, `delete records of ${partitionKey(topic.name, p.partition)}`, p.errorMessage);
        lowWatermarks.set(partitionKey(topic.name, p.partition), { topic: topic.name, partition: p.partition, lowWatermark: p.lowWatermark });
      }
    }
    return lowWatermarks;
  }

  /** Topic names, sorted; internal topics (__consumer_offsets) only when asked for. */
  async listTopics(options: { listInternal?: boolean } = {}): Promise<string[]> {
    const response = await this.allMetadata();
    return response.topics
      .filter((t) => t.errorCode === ErrorCode.NONE.code && (options.listInternal || !t.isInternal))
      .map((t) => t.name)
      .sort();
  }

  /** Partitions with leader, replicas and ISR of the named topics (default: all, sorted by name). */
  async describeTopics(names?: readonly string[]): Promise<TopicDescription[]> {
    const response = names === undefined ? await this.allMetadata() : await this.topicMetadata(names);
    const cluster = Cluster.fromMetadata(response);
    const described: TopicDescription[] = [];
    for (const topic of response.topics) {
      if (topic.errorCode !== ErrorCode.NONE.code) throw JosefError.fromCode(topic.errorCode, `describe topic ${topic.name}`);
      described.push({
        name: topic.name,
        isInternal: topic.isInternal,
        partitions: [...topic.partitions]
          .sort((a, b) => a.partition - b.partition)
          .map((p) => ({
            partition: p.partition,
            leader: cluster.node(p.leader) ? p.leader : NO_LEADER,
            replicas: p.replicas,
            isr: p.isr,
            offlineReplicas: p.offlineReplicas,
          })),
      });
    }
    return names === undefined ? described.sort((a, b) => a.name.localeCompare(b.name)) : described;
  }

  /** The brokers that are alive, the controller and the cluster id. */
  async describeCluster(): Promise<ClusterDescription> {
    const response = await this.topicMetadata([]);
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: response.brokers.map((b) => ({ ...b })).sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  async close(): Promise<void> {
    this.metadata.close();
    await this.pool.close();
  }

  private allMetadata(): Promise<MetadataResponse> {
    return this.metadata.sendToAnyBroker(ApiKey.Metadata, { topics: null, allowAutoTopicCreation: false });
  }

  private topicMetadata(names: readonly string[]): Promise<MetadataResponse> {
    return this.metadata.sendToAnyBroker(ApiKey.Metadata, { topics: [...names], allowAutoTopicCreation: false });
  }
}

/** Throws the first topic-level error of a response, naming the topic and the broker's message. */
function throwFirstError(results: ReadonlyArray<{ name: string; errorCode: number; errorMessage: string | null }>, what: string): void {
  const failed = results.find((r) => r.errorCode !== ErrorCode.NONE.code);
  if (failed === undefined) return;
  throw brokerError(failed.errorCode, `${what} ${failed.name}`, failed.errorMessage);
}
