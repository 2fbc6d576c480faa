/**
 * What the active controller knows of the cluster (Kafka's ControllerContext): live brokers with
 * their epochs, every topic's replica assignment, each partition's leader/ISR with the zkVersion of
 * its state znode, brokers shutting down and topics queued for deletion. Rebuilt from ZooKeeper
 * whenever a broker becomes controller; cleared when it resigns.
 */
import { SecurityProtocol, type ListenerEndpoint } from '../../common/endpoint';
import type { BrokerEndpoint, TopicPartition, UpdateMetadataBroker } from '../../protocol/messages';
import type { PartitionStateZnode, ReplicaAssignment, TopicZnode } from '../znodes';
import { settledAssignment, type FullReplicaAssignment } from './reassignment';
import { partitionKey } from '../../common/topic';

export interface LiveBroker {
  id: number;
  /** Every endpoint it registered, one per advertised listener. */
  endpoints: ListenerEndpoint[];
  rack: string | null;
  /** The czxid of its registration: a restarted broker has a higher one. */
  epoch: number;
}

export interface PartitionLeadership extends PartitionStateZnode {
  /** Version of the state znode: the next conditional write names it. */
  zkVersion: number;
}

export class ControllerContext {
  /**
   * @param interBrokerListenerName the controller's inter.broker.listener.name: where it reaches
   *   brokers, and where followers are told to fetch from (Kafka's config.interBrokerListenerName).
   */
  constructor(readonly interBrokerListenerName: string) {}

  epoch = 0;
  /** zkVersion of /controller_epoch when we raised it: every write we make checks it (fencing). */
  epochZkVersion = -1;
  readonly liveBrokers = new Map<number, LiveBroker>();
  readonly assignments = new Map<string, ReplicaAssignment>();
  readonly leadership = new Map<string, PartitionLeadership>();
  /** Brokers in controlled shutdown: alive, told everything, but never chosen as leader. */
  readonly shuttingDownBrokers = new Set<number>();
  readonly topicsToBeDeleted = new Set<string>();
  /**
   * Partitions being reassigned (Kafka's partitionsBeingReassigned), by `partitionKey`: the replicas
   * being added and removed. Their full replica set (RS) is in `assignments`, as in the topic znode.
   */
  readonly reassigning = new Map<string, { addingReplicas: number[]; removingReplicas: number[] }>();
  /**
   * Per topic queued for deletion, its replicas not yet deleted: broker id -> the broker epoch a
   * StopReplica(delete) went to (-1: not sent yet, or to be sent again).
   */
  readonly replicasPendingDeletion = new Map<string, Map<number, number>>();
  /**
   * Per live broker, its replicas (`partitionKey`) on a failed log dir, as its LeaderAndIsr answers said
   * (KAFKA_STORAGE_ERROR); forgotten when the broker goes or restarts (Kafka's replicasOnOfflineDirs).
   */
  readonly replicasOnOfflineDirs = new Map<number, Set<string>>();
  /** Leaders elected from outside the ISR (Kafka's ControllerStats.UncleanLeaderElectionsPerSec, as a total); kept across resignations. */
  uncleanLeaderElectionCount = 0;

  /** Kafka's isReplicaOnline: the broker is registered and the replica is not on one of its failed log dirs. */
  isReplicaOnline(brokerId: number, tp: TopicPartition): boolean {
    return this.liveBrokers.has(brokerId) && !(this.replicasOnOfflineDirs.get(brokerId)?.has(partitionKey(tp.topic, tp.partition)) ?? false);
  }

  /** Of `brokerIds`, those whose replica of `tp` is online, not on a failed log dir (Kafka's elections take isReplicaOnline's replicas). */
  onlineReplicaBrokerIds(tp: TopicPartition, brokerIds: ReadonlySet<number>): Set<number> {
    return new Set([...brokerIds].filter((id) => this.isReplicaOnline(id, tp)));
  }

  /** Brokers that may lead or join a new ISR: alive and not shutting down (Kafka's liveBrokerIds). */
  liveBrokerIds(): Set<number> {
    return new Set([...this.liveBrokers.keys()].filter((id) => !this.shuttingDownBrokers.has(id)));
  }

  /** Every registered broker, shutting down or not: these get UpdateMetadata. */
  liveOrShuttingDownBrokerIds(): number[] {
    return [...this.liveBrokers.keys()].sort((a, b) => a - b);
  }

  /** A live broker's endpoint on the inter-broker listener (Kafka's broker.node(interBrokerListenerName)); undefined if it has none. */
  interBrokerNode(brokerId: number): BrokerEndpoint | undefined {
    const broker = this.liveBrokers.get(brokerId);
    const endpoint = broker?.endpoints.find((e) => e.listenerName === this.interBrokerListenerName);
    return broker && endpoint ? { nodeId: broker.id, host: endpoint.host, port: endpoint.port, rack: broker.rack } : undefined;
  }

  /** Every registered broker with all its endpoints, as UpdateMetadata carries them. */
  updateMetadataBrokers(): UpdateMetadataBroker[] {
    return [...this.liveBrokers.values()].sort((a, b) => a.id - b.id).map((b) => ({
      id: b.id,
      endpoints: b.endpoints.map((e) => ({ port: e.port, host: e.host, listener: e.listenerName, securityProtocol: SecurityProtocol[e.securityProtocol] })),
      rack: b.rack,
    }));
  }

  replicasOf(tp: TopicPartition): number[] {
    return this.assignments.get(tp.topic)?.get(tp.partition) ?? [];
  }

  leadershipOf(tp: TopicPartition): PartitionLeadership | undefined {
    return this.leadership.get(partitionKey(tp.topic, tp.partition));
  }

  /** Every partition of every known topic, by topic then partition number. */
  allPartitions(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const topic of [...this.assignments.keys()].sort()) out.push(...this.partitionsOf(topic));
    return out;
  }

  partitionsOf(topic: string): TopicPartition[] {
    const assignment = this.assignments.get(topic);
    return [...(assignment?.keys() ?? [])].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.replicasOf(tp).includes(brokerId));
  }

  partitionsLedBy(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.leadershipOf(tp)?.leader === brokerId);
  }

  /**
   * `partitions` in the order Kafka's onBrokerFailure works on them: those without a registered
   * leader (none yet, none, or a dead one), which serve nobody until elected, apart from those whose
   * leader is registered, which only lose dead ISR members.
   */
  byRegisteredLeader(partitions: readonly TopicPartition[]): { leaderless: TopicPartition[]; led: TopicPartition[] } {
    const leaderless: TopicPartition[] = [];
    const led: TopicPartition[] = [];
    for (const tp of partitions) {
      const leader = this.leadershipOf(tp)?.leader;
      (leader !== undefined && this.liveBrokers.has(leader) ? led : leaderless).push(tp);
    }
    return { leaderless, led };
  }

  /** The partition's replicas with those being added and removed; undefined for an unknown partition. */
  fullAssignmentOf(tp: TopicPartition): FullReplicaAssignment | undefined {
    const replicas = this.assignments.get(tp.topic)?.get(tp.partition);
    if (!replicas) return undefined;
    const moving = this.reassigning.get(partitionKey(tp.topic, tp.partition));
    return moving ? { replicas, ...moving } : settledAssignment(replicas);
  }

  setFullAssignment(tp: TopicPartition, a: FullReplicaAssignment): void {
    // Set in place, in any order (partitionsOf sorts): a copy sorted per partition made a 10,000-partition topic's creation quadratic (issue 24).
    const topic = this.assignments.get(tp.topic) ?? new Map<number, number[]>();
    topic.set(tp.partition, [...a.replicas]);
    this.assignments.set(tp.topic, topic);
    const key = partitionKey(tp.topic, tp.partition);
    if (a.addingReplicas.length > 0 || a.removingReplicas.length > 0) {
      this.reassigning.set(key, { addingReplicas: [...a.addingReplicas], removingReplicas: [...a.removingReplicas] });
    } else {
      this.reassigning.delete(key);
    }
  }

  /** A topic as its znode has it: replica sets, and the partitions being reassigned. */
  setTopic(topic: string, znode: TopicZnode): void {
    for (const [partition, replicas] of znode.partitions) {
      this.setFullAssignment({ topic, partition }, {
        replicas, addingReplicas: znode.addingReplicas.get(partition) ?? [], removingReplicas: znode.removingReplicas.get(partition) ?? [],
      });
    }
  }

  /** Partitions being reassigned, by topic then partition. */
  partitionsBeingReassigned(): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.reassigning.has(partitionKey(tp.topic, tp.partition)));
  }

  removeTopic(topic: string): void {
    for (const tp of this.partitionsOf(topic)) {
      this.leadership.delete(partitionKey(tp.topic, tp.partition));
      this.reassigning.delete(partitionKey(tp.topic, tp.partition));
    }
    this.assignments.delete(topic);
    this.topicsToBeDeleted.delete(topic);
    this.replicasPendingDeletion.delete(topic);
  }

  /** Kafka's OfflinePartitionsCount: partitions, not queued for deletion, whose leader is not an online replica. */
  offlinePartitionCount(): number {
    return this.allPartitions().filter((tp) => {
      const leadership = this.leadershipOf(tp);
      return leadership !== undefined && !this.topicsToBeDeleted.has(tp.topic) && !this.isReplicaOnline(leadership.leader, tp);
    }).length;
  }

  clear(): void {
    this.epoch = 0;
    this.epochZkVersion = -1;
    this.liveBrokers.clear();
    this.assignments.clear();
    this.leadership.clear();
    this.reassigning.clear();
    this.shuttingDownBrokers.clear();
    this.topicsToBeDeleted.clear();
    this.replicasPendingDeletion.clear();
    this.replicasOnOfflineDirs.clear();
  }
}
