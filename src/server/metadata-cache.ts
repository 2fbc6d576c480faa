/**
 * The cluster as the controller last described it to this broker (Kafka's MetadataCache): live
 * brokers with their advertised endpoints by listener name, the controller's id, and every
 * partition's leader, replicas and ISR. Only UpdateMetadata changes it; Metadata requests are
 * answered from it, so every broker gives clients the same answer without asking ZooKeeper, in
 * the addresses of the listener each request came in on.
 */
import { EventEmitter } from 'events';
import { ErrorCode } from '../common/errors';
import { isInternalTopic } from '../common/topic';
import { NO_LEADER } from '../protocol/api-keys';
import type {
  BrokerEndpoint, PartitionMetadata, TopicMetadata, TopicPartition, UpdateMetadataPartitionState, UpdateMetadataRequest,
} from '../protocol/messages';

/** A live broker as the cache keeps it: its endpoints by listener name. */
interface AliveBroker {
  id: number;
  rack: string | null;
  endpoints: ReadonlyMap<string, { host: string; port: number }>;
}

interface MetadataCacheEvents {
  /** Emitted after every accepted UpdateMetadata: waiters re-check their condition. */
  updated: [];
}

export class MetadataCache {
  private brokers = new Map<number, AliveBroker>();
  private readonly topics = new Map<string, Map<number, UpdateMetadataPartitionState>>();
  private controller = NO_LEADER;
  private readonly events = new EventEmitter<MetadataCacheEvents>();

  constructor() {
    // Every request waiting for a topic listens; the bound is the number of requests in flight.
    this.events.setMaxListeners(0);
  }

  get controllerId(): number {
    return this.controller;
  }

  /** Applies an UpdateMetadata (the caller has checked its controller epoch). */
  update(request: UpdateMetadataRequest): void {
    this.controller = request.controllerId;
    this.brokers = new Map(request.liveBrokers.map((b) => [b.id, {
      id: b.id, rack: b.rack, endpoints: new Map(b.endpoints.map((e) => [e.listener, { host: e.host, port: e.port }])),
    }]));
    for (const topic of request.deletedTopics) this.topics.delete(topic);
    for (const state of request.partitionStates) {
      let partitions = this.topics.get(state.topic);
      if (!partitions) {
        partitions = new Map();
        this.topics.set(state.topic, partitions);
      }
      partitions.set(state.partition, { ...state, isr: [...state.isr], replicas: [...state.replicas], offlineReplicas: [...state.offlineReplicas] });
    }
    this.events.emit('updated');
  }

  /** Every live broker's id, whatever its listeners. */
  aliveBrokerIds(): number[] {
    return [...this.brokers.keys()].sort((a, b) => a - b);
  }

  hasAliveBroker(id: number): boolean {
    return this.brokers.has(id);
  }

  /** The live brokers that have `listenerName`, with their address on it (Kafka's getAliveBrokerNodes): others are left out. */
  aliveNodes(listenerName: string): BrokerEndpoint[] {
    return this.aliveBrokerIds().flatMap((id) => this.aliveNode(id, listenerName) ?? []);
  }

  /** Broker `id`'s address on `listenerName`; undefined when it is not alive or has no such listener (Kafka's getAliveBrokerNode). */
  aliveNode(id: number, listenerName: string): BrokerEndpoint | undefined {
    const broker = this.brokers.get(id);
    const endpoint = broker?.endpoints.get(listenerName);
    return broker && endpoint ? { nodeId: id, host: endpoint.host, port: endpoint.port, rack: broker.rack } : undefined;
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.topics.get(topic)?.has(partition) ?? false;
  }

  /** The partitions of `topic` the cache knows, in order (Kafka's getTopicPartitions). */
  topicPartitions(topic: string): TopicPartition[] {
    return [...(this.topics.get(topic)?.keys() ?? [])].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  /** Partition replicas each broker hosts, by broker id (what max.broker.partitions counts). */
  replicasPerBroker(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const partitions of this.topics.values()) {
      for (const state of partitions.values()) for (const id of state.replicas) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * The partitions whose leader, as this cache last heard, is none of `brokerIds` (or no leader):
   * what this broker, become controller, reads and elects first (the controller's leaderlessHint).
   */
  partitionsLedOutside(brokerIds: ReadonlySet<number>): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const state of partitions.values()) if (!brokerIds.has(state.leader)) out.push({ topic, partition: state.partition });
    }
    return out;
  }

  partitionState(topic: string, partition: number): UpdateMetadataPartitionState | undefined {
    return this.topics.get(topic)?.get(partition);
  }

  /**
   * True once every partition of `topic` has a live leader (what a new topic waits for), and the
   * cache knows at least `partitionCount` partitions (what new partitions of a topic wait for).
   */
  hasLeaders(topic: string, partitionCount = 1): boolean {
    const partitions = this.topics.get(topic);
    if (!partitions || partitions.size < Math.max(1, partitionCount)) return false;
    for (const state of partitions.values()) if (!this.brokers.has(state.leader)) return false;
    return true;
  }

  /**
   * Metadata for `topic` as seen from `listenerName`; undefined when the cache does not know it.
   * `errorUnavailableListeners`: a leader without that listener is LISTENER_NOT_FOUND rather than LEADER_NOT_AVAILABLE.
   */
  topicMetadata(topic: string, listenerName: string, errorUnavailableListeners: boolean): TopicMetadata | undefined {
    const partitions = this.topics.get(topic);
    if (!partitions) return undefined;
    const list = [...partitions.values()].sort((a, b) => a.partition - b.partition)
      .map((s) => this.partitionMetadata(s, listenerName, errorUnavailableListeners));
    return { errorCode: ErrorCode.NONE.code, name: topic, isInternal: isInternalTopic(topic), partitions: list };
  }

  /**
   * Kafka's getPartitionMetadata: a partition whose leader is not alive answers LEADER_NOT_AVAILABLE;
   * one whose leader is alive but lacks the request's listener answers without a leader too, with
   * LISTENER_NOT_FOUND where the request may say so (Metadata v6+), so the misconfiguration shows.
   */
  private partitionMetadata(state: UpdateMetadataPartitionState, listenerName: string, errorUnavailableListeners: boolean): PartitionMetadata {
    const leaderAlive = state.leader !== NO_LEADER && this.brokers.has(state.leader);
    const leaderReachable = leaderAlive && this.brokers.get(state.leader)?.endpoints.has(listenerName) === true;
    let errorCode = ErrorCode.NONE.code;
    if (!leaderAlive) errorCode = ErrorCode.LEADER_NOT_AVAILABLE.code;
    else if (!leaderReachable) errorCode = errorUnavailableListeners ? ErrorCode.LISTENER_NOT_FOUND.code : ErrorCode.LEADER_NOT_AVAILABLE.code;
    return {
      errorCode,
      partition: state.partition,
      leader: leaderReachable ? state.leader : NO_LEADER,
      leaderEpoch: state.leaderEpoch,
      replicas: [...state.replicas],
      isr: [...state.isr],
      offlineReplicas: this.offlineReplicas(state),
    };
  }

  /** The replicas the controller marked offline and those on brokers not alive, in order; the usual none without a Set and a sort (10,000 partitions a Metadata). */
  private offlineReplicas(state: UpdateMetadataPartitionState): number[] {
    if (state.offlineReplicas.length === 0 && state.replicas.every((r) => this.brokers.has(r))) return [];
    return [...new Set([...state.offlineReplicas, ...state.replicas.filter((r) => !this.brokers.has(r))])].sort((a, b) => a - b);
  }

  /**
   * Resolves true as soon as `condition` holds after an update (or already holds), false when
   * `timeoutMs` passes first. How CreateTopics and Metadata wait for new leaders without polling.
   */
  waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onUpdate = (): void => {
        if (!condition()) return;
        finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      timer.unref();
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        this.events.off('updated', onUpdate);
        resolve(result);
      };
      this.events.on('updated', onUpdate);
    });
  }
}
