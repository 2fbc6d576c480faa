/**
 * What the admin handlers need from the coordination layer, as narrow interfaces: the handlers
 * write topic changes through them and never hold a ZooKeeper session or a controller themselves,
 * so they can be tested without either. broker.ts plugs in topic-admin.ts and the Controller.
 */
import type { PartitionElectionResult } from '../../coordination/controller/admin-leader-election';
import type { ConfigEntity } from '../../coordination/entity-config';
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

/** Adding partitions (Kafka's AdminZkClient.addPartitions); the controller creates them when the topic znode grows. */
export interface PartitionAdminPort {
  /**
   * Grows the topic to `totalPartitions`, with the new partitions' replica lists when given; with
   * `validateOnly` only checks. Rejects with a JosefError (INVALID_PARTITIONS, INVALID_REPLICA_ASSIGNMENT, ...).
   */
  addPartitions(topic: string, totalPartitions: number, assignments: number[][] | undefined, validateOnly: boolean): Promise<void>;
}

/** Config overrides in ZooKeeper (/config/topics/<topic>, /config/brokers/<id> and <default>); every write notifies the brokers. */
export interface ConfigAdminPort {
  /** The entity's overrides now; none: {}. */
  readConfig(entity: ConfigEntity): Promise<Record<string, string>>;
  /**
   * The topic's overrides become exactly `config` (Kafka's changeTopicConfig), checked first; with
   * `validateOnly` only checked. Rejects with UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG or a ConfigValueError.
   */
  changeTopicConfig(topic: string, config: Record<string, string>, validateOnly: boolean): Promise<void>;
  /** The broker's (or every broker's) dynamic config becomes exactly `config`, which the caller has checked. */
  changeBrokerConfig(broker: number | '<default>', config: Record<string, string>): Promise<void>;
}

export interface ControllerPort {
  /** True while this broker holds /controller. */
  readonly isActive: boolean;
  /** Moves `brokerId`'s leaderships away; resolves with the partitions it still leads. */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]>;
  /** Runs an ElectLeaders election (Kafka's ElectionType); one result per distinct partition. Rejects NOT_CONTROLLER once resigned. */
  electLeaders(partitions: TopicPartition[], electionType: number): Promise<PartitionElectionResult[]>;
}
