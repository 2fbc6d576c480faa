/**
 * What the admin handlers need from the coordination layer, as narrow interfaces: the handlers
 * write topic changes through them and never hold a ZooKeeper session or a controller themselves,
 * so they can be tested without either. broker.ts plugs in topic-admin.ts and the Controller.
 */
import type { TopicPartition } from '../../protocol/messages';

export interface NewTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  /** Explicit replica lists by partition; when present, numPartitions/replicationFactor follow from it. */
  assignments?: Map<number, number[]>;
  configs: Record<string, string>;
}

export interface TopicAdminPort {
  /** Writes /brokers/topics/<name> (and its config); rejects with a JosefError (TOPIC_ALREADY_EXISTS, ...). */
  createTopic(topic: NewTopic, liveBrokerIds: number[]): Promise<void>;
  /** Queues the topic under /admin/delete_topics for the controller. */
  markTopicForDeletion(name: string): Promise<void>;
}

export interface ControllerPort {
  /** True while this broker holds /controller. */
  readonly isActive: boolean;
  /** Moves `brokerId`'s leaderships away; resolves with the partitions it still leads. */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]>;
}
