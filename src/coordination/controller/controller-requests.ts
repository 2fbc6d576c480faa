/**
 * The requests the controller sends brokers, built from the controller context (Kafka's
 * ControllerBrokerRequestBatch): LeaderAndIsr to a partition's replicas, UpdateMetadata to every
 * registered broker, StopReplica to one broker. Each carries the controller's id and epoch and the
 * target broker's epoch, so a broker can ignore a deposed controller or a request for its previous run.
 */
import { ApiKey } from '../../protocol/api-keys';
import type { LeaderAndIsrPartitionState, LeaderAndIsrResponse, StopReplicaResponse, TopicPartition, UpdateMetadataPartitionState } from '../../protocol/messages';
import type { ControllerChannel } from './controller-channel';
import type { ControllerContext } from './controller-context';

export class ControllerRequests {
  constructor(
    private readonly context: ControllerContext,
    private readonly channel: ControllerChannel,
    private readonly controllerId: number,
    /** Hears every broker's LeaderAndIsr answer (Kafka's LeaderAndIsrResponseReceived): replicas on failed log dirs show there. */
    private readonly onLeaderAndIsrResponse?: (brokerId: number, response: LeaderAndIsrResponse) => void,
  ) {}

  private header(brokerId: number): { controllerId: number; controllerEpoch: number; brokerEpoch: number } {
    return { controllerId: this.controllerId, controllerEpoch: this.context.epoch, brokerEpoch: this.context.liveBrokers.get(brokerId)?.epoch ?? -1 };
  }

  /**
   * LeaderAndIsr for `partitions` to each of their registered replicas (only those in `brokers`
   * when given), one request per broker. Partitions without a leadership yet are skipped.
   */
  sendLeaderAndIsr(partitions: TopicPartition[], options: { isNew?: boolean; brokers?: ReadonlySet<number> } = {}): void {
    const byBroker = new Map<number, LeaderAndIsrPartitionState[]>();
    for (const tp of partitions) {
      const l = this.context.leadershipOf(tp);
      if (!l) continue;
      const { replicas, addingReplicas, removingReplicas } = this.context.fullAssignmentOf(tp) ?? { replicas: [], addingReplicas: [], removingReplicas: [] };
      for (const replica of replicas) {
        if (!this.context.liveBrokers.has(replica) || (options.brokers && !options.brokers.has(replica))) continue;
        const states = byBroker.get(replica) ?? [];
        states.push({
          topic: tp.topic, partition: tp.partition, controllerEpoch: l.controllerEpoch, leader: l.leader, leaderEpoch: l.leaderEpoch,
          isr: l.isr, zkVersion: l.zkVersion, replicas: [...replicas], addingReplicas: [...addingReplicas], removingReplicas: [...removingReplicas],
          // As Kafka's updateLeaderEpochAndSendRequest: a replica being added is new wherever it is created.
          isNew: (options.isNew ?? false) || addingReplicas.includes(replica),
        });
        byBroker.set(replica, states);
      }
    }
    for (const [brokerId, partitionStates] of byBroker) {
      const leaders = new Set(partitionStates.map((s) => s.leader));
      this.channel.send(brokerId, ApiKey.LeaderAndIsr, {
        ...this.header(brokerId),
        partitionStates,
        // Followers fetch from the leader's inter-broker listener (Kafka's liveLeaders).
        liveLeaders: this.context.liveOrShuttingDownBrokerIds().filter((id) => leaders.has(id)).flatMap((id) => this.context.interBrokerNode(id) ?? []),
      }, this.onLeaderAndIsrResponse && ((response) => this.onLeaderAndIsrResponse?.(brokerId, response)));
    }
  }

  /**
   * UpdateMetadata with the live brokers, `partitions`' states and `deletedTopics`, to `brokers`
   * (every registered broker when omitted). An empty partition list still tells who is alive.
   * `onAnswered` runs (outside the event loop) as each broker answers.
   */
  sendUpdateMetadata(
    partitions: TopicPartition[], options: { brokers?: readonly number[]; deletedTopics?: string[]; onAnswered?: (brokerId: number) => void } = {},
  ): void {
    const registered = this.context.liveBrokers;
    const partitionStates: UpdateMetadataPartitionState[] = [];
    for (const tp of partitions) {
      const l = this.context.leadershipOf(tp);
      if (!l) continue;
      const replicas = this.context.replicasOf(tp);
      partitionStates.push({
        topic: tp.topic, partition: tp.partition, controllerEpoch: l.controllerEpoch, leader: l.leader, leaderEpoch: l.leaderEpoch,
        isr: l.isr, zkVersion: l.zkVersion, replicas, offlineReplicas: replicas.filter((r) => !registered.has(r) || !this.context.isReplicaOnline(r, tp)),
      });
    }
    const liveBrokers = this.context.updateMetadataBrokers();
    for (const brokerId of options.brokers ?? this.context.liveOrShuttingDownBrokerIds()) {
      const { onAnswered } = options;
      this.channel.send(brokerId, ApiKey.UpdateMetadata, {
        ...this.header(brokerId), partitionStates, liveBrokers, deletedTopics: options.deletedTopics ?? [],
      }, onAnswered && (() => onAnswered(brokerId)));
    }
  }

  /** StopReplica to one registered broker; `onResponse` runs (outside the event loop) when it answers. */
  sendStopReplica(brokerId: number, partitions: TopicPartition[], deletePartitions: boolean, onResponse?: (response: StopReplicaResponse) => void): void {
    if (partitions.length === 0 || !this.context.liveBrokers.has(brokerId)) return;
    this.channel.send(brokerId, ApiKey.StopReplica, {
      ...this.header(brokerId),
      deletePartitions,
      partitions: partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
    }, onResponse);
  }
}
