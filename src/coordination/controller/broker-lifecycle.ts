/**
 * What the active controller does when brokers come, go, or ask to stop (Kafka's
 * KafkaController.onBrokerStartup, onBrokerFailure and doControlledShutdown): elect leaders for
 * what they led, keep ISRs to live brokers, and tell every broker. Runs inside the event loop.
 */
import { formatAddresses } from '../../common/endpoint';
import { ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import type { ControllerChannel } from './controller-channel';
import { type ControllerContext, type LiveBroker } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import { electForControlledShutdown, removeReplicaFromIsr, type LeaderAndIsr } from './election';
import type { PartitionStateMachine } from './partition-state-machine';
import type { TopicDeletionManager } from './topic-deletion-manager';
import { partitionKey } from '../../common/topic';

export class BrokerLifecycle {
  constructor(
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly channel: ControllerChannel,
    private readonly deletions: TopicDeletionManager,
    private readonly logger: Logger,
  ) {}

  /**
   * Applies a new reading of /brokers/ids. A broker registered again under a new epoch since the
   * last reading (a bounce faster than the watch) is handled as a failure followed by a startup.
   */
  async onBrokerChange(registered: LiveBroker[]): Promise<void> {
    const before = new Map(this.context.liveBrokers);
    const now = new Map(registered.map((b) => [b.id, b]));
    const dead = [...before.keys()].filter((id) => !now.has(id));
    const bounced = [...now.values()].filter((b) => before.has(b.id) && before.get(b.id)?.epoch !== b.epoch).map((b) => b.id);
    const added = [...now.keys()].filter((id) => !before.has(id));
    if (dead.length === 0 && bounced.length === 0 && added.length === 0) return;
    this.logger.info(`/brokers/ids changed: live [${[...now.keys()].join(',')}], new [${added.join(',')}], ` +
      `dead [${dead.join(',')}], bounced [${bounced.join(',')}]`);
    if (bounced.length > 0) {
      for (const id of bounced) this.forgetBroker(id);
      await this.onBrokerFailure(bounced);
    }
    for (const id of dead) this.forgetBroker(id);
    for (const id of [...added, ...bounced]) this.addLiveBroker(now.get(id) as LiveBroker);
    if (added.length + bounced.length > 0) await this.onBrokerStartup([...added, ...bounced]);
    if (dead.length > 0) await this.onBrokerFailure(dead);
  }

  /** A registered broker, known to the context and reached through the channel on the inter-broker listener. */
  addLiveBroker(broker: LiveBroker): void {
    this.context.liveBrokers.set(broker.id, broker);
    const node = this.context.interBrokerNode(broker.id);
    if (node) {
      this.channel.addBroker({ id: broker.id, host: node.host, port: node.port });
      return;
    }
    // Kafka's controller fails on such a broker (BrokerEndPointNotAvailableException); it only goes unreached here.
    this.logger.error(`broker ${broker.id} registered no ${this.context.interBrokerListenerName} listener (inter.broker.listener.name), only ` +
      `${formatAddresses(broker.endpoints)}: the controller cannot reach it, nor can followers fetch from it`);
  }

  private forgetBroker(id: number): void {
    this.context.liveBrokers.delete(id);
    this.context.shuttingDownBrokers.delete(id);
    this.context.replicasOnOfflineDirs.delete(id);
    this.channel.removeBroker(id);
  }

  /**
   * New brokers: the others learn they exist; they learn the whole cluster and become leader or
   * follower of their replicas; partitions they bring back online get leaders; deletions that
   * waited for them resume.
   */
  private async onBrokerStartup(newIds: number[]): Promise<void> {
    const isNew = new Set(newIds);
    const serving = this.context.allPartitions().filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic));
    const onNew = serving.filter((tp) => this.context.replicasOf(tp).some((r) => isNew.has(r)));
    // The others: the new live-broker list, and the partitions whose replicas came back online.
    this.requests.sendUpdateMetadata(onNew, { brokers: this.context.liveOrShuttingDownBrokerIds().filter((id) => !isNew.has(id)) });
    this.requests.sendUpdateMetadata(serving, { brokers: newIds, deletedTopics: [...this.context.topicsToBeDeleted] });
    this.requests.sendLeaderAndIsr(onNew, { brokers: isNew });
    const offline = this.context.allPartitions().filter((tp) => {
      const l = this.context.leadershipOf(tp);
      return !l || !this.context.liveBrokers.has(l.leader);
    });
    await this.announce(await this.states.electLeaders(offline, `broker(s) ${newIds.join(',')} started`));
    await this.deletions.resume();
  }

  /** Dead brokers (already out of the context): their leaderships move, they leave every ISR, everyone is told. */
  private async onBrokerFailure(deadIds: number[]): Promise<void> {
    const dead = new Set(deadIds);
    const affected = this.context.allPartitions().filter((tp) => {
      const l = this.context.leadershipOf(tp);
      return this.context.replicasOf(tp).some((r) => dead.has(r)) || (l !== undefined && (dead.has(l.leader) || l.isr.some((r) => dead.has(r))));
    });
    // Kafka's order: the partitions the dead led get leaders and are announced before the dead
    // leave the other ISRs (its OfflineReplica transitions), so those writes do not delay serving.
    const { leaderless, led } = this.context.byRegisteredLeader(affected);
    for (const partitions of [leaderless, led]) {
      const changed = await this.states.electLeaders(partitions, `broker(s) ${deadIds.join(',')} died`);
      this.requests.sendLeaderAndIsr(changed);
      // Every partition with a replica on a dead broker has a new offline replica list to show.
      this.requests.sendUpdateMetadata(partitions.filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic)));
    }
  }

  private async announce(changed: TopicPartition[]): Promise<void> {
    if (changed.length === 0) return;
    this.requests.sendLeaderAndIsr(changed);
    this.requests.sendUpdateMetadata(changed);
  }

  /**
   * Kafka's doControlledShutdown: `brokerId` leads nothing it can hand over and leaves every ISR
   * where it is not the last member; its follower replicas are stopped (not deleted). Returns the
   * replicated partitions it still leads (no other ISR member could take them).
   */
  async controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    const broker = this.context.liveBrokers.get(brokerId);
    if (!broker) throw new JosefError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${brokerId} is not registered; it cannot shut down in a controlled way`);
    // -1 is Kafka's UNKNOWN_BROKER_EPOCH: old clients send it, and it is accepted.
    if (brokerEpoch !== -1 && brokerEpoch < broker.epoch) {
      throw new JosefError(ErrorCode.STALE_BROKER_EPOCH, `broker ${brokerId} asked with epoch ${brokerEpoch}, its registration has epoch ${broker.epoch}`);
    }
    this.context.shuttingDownBrokers.add(brokerId);
    this.logger.info(`broker ${brokerId} is shutting down: moving its leaderships and taking it out of ISRs`);
    const eligible = this.context.liveBrokerIds();
    const replicated = this.context.partitionsOnBroker(brokerId)
      .filter((tp) => this.context.replicasOf(tp).length > 1 && !this.context.topicsToBeDeleted.has(tp.topic));
    const ledBy = replicated.filter((tp) => this.context.leadershipOf(tp)?.leader === brokerId);
    const followerOf = replicated.filter((tp) => this.context.leadershipOf(tp)?.leader !== brokerId);
    const why = `controlled shutdown of broker ${brokerId}`;
    // Kafka 1.1's controlled shutdown: the state znodes written pipelined (here many to a multi),
    // one line for them all; as its doControlledShutdown, the leaderships first and their new
    // leaders told at once, then the ISRs the broker leaves.
    const decide = (tp: TopicPartition, current: LeaderAndIsr): LeaderAndIsr | undefined => (current.leader === brokerId
      ? electForControlledShutdown({ replicas: this.context.replicasOf(tp), isr: current.isr, liveBrokerIds: eligible }, this.context.shuttingDownBrokers)
      : removeReplicaFromIsr(current, brokerId));
    await this.announce(await this.states.updateAll(ledBy, why, decide));
    this.requests.sendStopReplica(brokerId, followerOf, false);
    await this.announce(await this.states.updateAll(followerOf, why, decide));
    const remaining = this.context.partitionsLedBy(brokerId).filter((tp) => this.context.replicasOf(tp).length > 1);
    if (remaining.length > 0) this.logger.info(`broker ${brokerId} still leads ${remaining.map((tp) => partitionKey(tp.topic, tp.partition)).join(', ')}: no other live ISR member`);
    return remaining;
  }
}
