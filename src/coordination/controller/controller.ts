/**
 * The controller (Kafka's ZooKeeper-era KafkaController): every broker runs one; the one that
 * creates the ephemeral /controller znode is active. It raises /controller_epoch, loads the
 * cluster state from ZooKeeper, and reacts to watches on /brokers/ids, /brokers/topics,
 * /admin/delete_topics and /isr_change_notification by electing leaders and telling brokers.
 * Watches only enqueue events; one serial loop (event-queue.ts) does the work.
 */
import { EventEmitter } from 'events';
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import type { ControllerPort } from '../../server/handlers/ports';
import { readLiveBrokers } from '../broker-registry';
import { ZkPaths } from '../paths';
import type { ZkClient } from '../zk-client';
import { ZkNodeExistsError, ZkNoNodeError } from '../zk-errors';
import { parseController, parseIsrChange, parseTopicAssignment, serializeController } from '../znodes';
import { TcpControllerChannel, type ControllerChannel } from './controller-channel';
import { ControllerContext, tpKey } from './controller-context';
import { electForControlledShutdown, electForNewPartition, electForOfflinePartition } from './election';
import { ControllerEventQueue } from './event-queue';
import { ControllerMovedError, PartitionStateMachine } from './partition-state-machine';

export interface ControllerOptions {
  zk: ZkClient;
  brokerId: number;
  uncleanLeaderElectionEnable: boolean;
  logger: Logger;
  /** Injectable so controller logic can be tested without sockets. */
  channel?: ControllerChannel;
}

export class Controller extends EventEmitter implements ControllerPort {
  private readonly context = new ControllerContext();
  private readonly events: ControllerEventQueue;
  private readonly channel: ControllerChannel;
  private readonly states: PartitionStateMachine;
  private active = false;
  private stopped = false;
  /** The broker holding /controller as last seen (-1: none). */
  activeControllerId = -1;

  constructor(private readonly options: ControllerOptions) {
    super();
    this.events = new ControllerEventQueue(options.logger);
    this.channel = options.channel ?? new TcpControllerChannel(options.brokerId, options.logger);
    this.states = new PartitionStateMachine(options.zk, this.context, this.channel, options.brokerId, options.logger);
    options.zk.on('expired', () => void this.events.put('SessionExpired', () => this.onSessionExpired()));
  }

  get isActive(): boolean {
    return this.active;
  }

  get epoch(): number {
    return this.context.epoch;
  }

  private get zk(): ZkClient {
    return this.options.zk;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  /** Races for /controller; resolves once this broker either won or saw who did. */
  startup(): Promise<void> {
    return this.events.put('Startup', () => this.elect());
  }

  /** Waits until every queued controller event has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.events.idle();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.events.put('Shutdown', async () => this.resign()).catch(() => undefined);
    this.events.stop();
    this.channel.close();
  }

  /** A watcher that queues `handler`; a write refused because another controller took over makes us resign. */
  private watch(name: string, handler: () => Promise<void>): () => void {
    return () => {
      if (this.stopped) return;
      void this.events.put(name, async () => {
        try {
          await handler();
        } catch (err) {
          if (!(err instanceof ControllerMovedError)) throw err;
          this.logger.warn(err.message);
          this.resign();
          await this.watchController();
        }
      }).catch(() => undefined);
    };
  }

  private async elect(): Promise<void> {
    if (this.stopped || this.active) return;
    try {
      await this.zk.create(ZkPaths.controller, serializeController({ brokerId: this.options.brokerId, timestampMs: Date.now() }), 'ephemeral');
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
      await this.watchController();
      return;
    }
    try {
      await this.raiseEpoch();
    } catch (err) {
      this.logger.warn(`lost the controller election after creating /controller: ${(err as Error).message}`);
      await this.zk.delete(ZkPaths.controller, -1).catch(() => undefined);
      await this.watchController();
      return;
    }
    this.active = true;
    this.activeControllerId = this.options.brokerId;
    this.logger.info(`broker ${this.options.brokerId} is the controller now, controller epoch ${this.context.epoch}`);
    await this.onControllerFailover();
    this.emit('elected', this.context.epoch);
  }

  /** Sees who holds /controller and watches it, to race again when it goes. */
  private async watchController(): Promise<void> {
    const onChange = this.watch('ControllerChange', () => this.elect());
    try {
      const { data } = await this.zk.getData(ZkPaths.controller, onChange);
      this.activeControllerId = parseController(ZkPaths.controller, data).brokerId;
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      await this.elect();
    }
  }

  /** Raises /controller_epoch with a conditional write; a lost race means someone else won. */
  private async raiseEpoch(): Promise<void> {
    let epoch = 0;
    let version = -1;
    try {
      const { data, stat } = await this.zk.getData(ZkPaths.controllerEpoch);
      epoch = Number(data.toString('utf8'));
      version = stat.version;
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
    const next = epoch + 1;
    if (version < 0) {
      await this.zk.create(ZkPaths.controllerEpoch, Buffer.from(String(next)));
      this.context.epochZkVersion = 0;
    } else {
      this.context.epochZkVersion = (await this.zk.setData(ZkPaths.controllerEpoch, Buffer.from(String(next)), version)).version;
    }
    this.context.epoch = next;
  }

  /** Loads everything from ZooKeeper, fixes leaderless partitions and tells every broker. */
  private async onControllerFailover(): Promise<void> {
    await this.refreshLiveBrokers();
    await this.refreshTopics();
    for (const tp of this.context.allPartitions()) await this.states.readState(tp);
    for (const broker of this.context.liveBrokers.values()) this.channel.addBroker(broker);
    await this.electLeaderless(this.context.allPartitions(), 'controller failover');
    this.states.sendUpdateMetadata();
    this.states.sendLeaderAndIsr(this.context.allPartitions());
    await this.onIsrChangeNotification();
    await this.onTopicDeletion();
  }

  private async refreshLiveBrokers(): Promise<void> {
    const brokers = await readLiveBrokers(this.zk, this.watch('BrokerChange', () => this.onBrokerChange()));
    this.context.liveBrokers.clear();
    for (const b of brokers) this.context.liveBrokers.set(b.brokerId, { id: b.brokerId, host: b.host, port: b.port, rack: b.rack, epoch: b.epoch });
  }

  /** Reads /brokers/topics (watching it) and the assignment of each topic not yet known. Returns the new ones. */
  private async refreshTopics(): Promise<string[]> {
    const topics = await this.zk.getChildren(ZkPaths.brokerTopics, this.watch('TopicChange', () => this.onTopicChange()));
    const added: string[] = [];
    for (const topic of topics) {
      if (this.context.assignments.has(topic)) continue;
      try {
        const { data } = await this.zk.getData(ZkPaths.topic(topic));
        this.context.assignments.set(topic, parseTopicAssignment(ZkPaths.topic(topic), data));
        added.push(topic);
      } catch (err) {
        if (!(err instanceof ZkNoNodeError)) throw err;
      }
    }
    for (const known of [...this.context.assignments.keys()]) if (!topics.includes(known)) this.context.removeTopic(known);
    return added;
  }

  /** Partitions without a state znode get one; ones whose leader is not alive get a new leader. */
  private async electLeaderless(partitions: TopicPartition[], why: string): Promise<TopicPartition[]> {
    const live = this.context.liveBrokerIds();
    const changed: TopicPartition[] = [];
    for (const tp of partitions) {
      const replicas = this.context.replicasOf(tp);
      const current = this.context.leadership.get(tpKey(tp.topic, tp.partition));
      if (!current) {
        const result = electForNewPartition({ replicas, isr: replicas, liveBrokerIds: live });
        const created = await this.states.createState(tp, result.leader, result.isr);
        this.states.logChange(tp, created, `new partition, ${why}`);
        changed.push(tp);
        continue;
      }
      const deadInIsr = current.isr.some((r) => !live.has(r));
      if (live.has(current.leader) && !deadInIsr) continue;
      const updated = await this.states.updateLeadership(tp, (state) => {
        if (live.has(state.leader)) {
          const isr = state.isr.filter((r) => live.has(r));
          return isr.length === state.isr.length ? undefined : { leader: state.leader, isr };
        }
        const result = electForOfflinePartition({ replicas, isr: state.isr, liveBrokerIds: live }, this.options.uncleanLeaderElectionEnable);
        if (result.unclean) this.logger.warn(`UNCLEAN leader election for ${tp.topic}-${tp.partition}: broker ${result.leader} was not in the ISR; acknowledged records may be lost`);
        if (result.leader === -1 && state.leader === -1) return undefined;
        return { leader: result.leader, isr: result.leader === -1 ? state.isr.filter((r) => r !== state.leader) : result.isr };
      });
      if (updated) {
        this.states.logChange(tp, updated, updated.leader === -1 ? `${why}: no live ISR member, partition offline` : why);
        changed.push(tp);
      }
    }
    return changed;
  }

  private async onBrokerChange(): Promise<void> {
    if (!this.active) return;
    const before = new Map(this.context.liveBrokers);
    await this.refreshLiveBrokers();
    const bounced = [...this.context.liveBrokers.values()].filter((b) => before.has(b.id) && before.get(b.id)?.epoch !== b.epoch).map((b) => b.id);
    const added = [...this.context.liveBrokers.keys()].filter((id) => !before.has(id) || bounced.includes(id));
    const dead = [...before.keys()].filter((id) => !this.context.liveBrokers.has(id));
    if (added.length === 0 && dead.length === 0) return;
    this.logger.info(`/brokers/ids changed: live [${[...this.context.liveBrokers.keys()].join(',')}], new [${added.join(',')}], dead [${dead.join(',')}]`);
    for (const id of dead) {
      this.channel.removeBroker(id);
      this.context.shuttingDownBrokers.delete(id);
    }
    for (const id of added) this.channel.addBroker(this.context.liveBrokers.get(id)!);
    const affected = this.context.allPartitions().filter((tp) => {
      const l = this.context.leadership.get(tpKey(tp.topic, tp.partition));
      return !l || l.leader === -1 || dead.includes(l.leader) || l.isr.some((r) => dead.includes(r));
    });
    const changed = await this.electLeaderless(affected, dead.length > 0 ? `broker(s) ${dead.join(',')} died` : 'broker(s) joined');
    // As Kafka's onBrokerStartup/onBrokerFailure: every live broker learns the new set of live
    // brokers (and new brokers the whole partition state); replicas learn their new leaders.
    this.states.sendUpdateMetadata();
    const toNew = new Set(added);
    this.states.sendLeaderAndIsr(this.context.allPartitions().filter((tp) => this.context.replicasOf(tp).some((r) => toNew.has(r))), false, toNew);
    if (changed.length > 0) this.states.sendLeaderAndIsr(changed);
  }

  private async onTopicChange(): Promise<void> {
    if (!this.active) return;
    const added = await this.refreshTopics();
    if (added.length === 0) return;
    const partitions = this.context.allPartitions().filter((tp) => added.includes(tp.topic));
    await this.electLeaderless(partitions, 'topic created');
    this.states.sendLeaderAndIsr(partitions, true);
    this.states.sendUpdateMetadata(partitions);
  }

  private async onTopicDeletion(): Promise<void> {
    if (!this.active) return;
    const queued = await this.zk.getChildren(ZkPaths.deleteTopics, this.watch('TopicDeletion', () => this.onTopicDeletion()));
    if (queued.length === 0) return;
    for (const topic of queued) {
      const partitions = this.context.allPartitions().filter((tp) => tp.topic === topic);
      for (const brokerId of this.context.liveBrokers.keys()) {
        this.states.sendStopReplica(brokerId, partitions.filter((tp) => this.context.replicasOf(tp).includes(brokerId)), true);
      }
      this.context.removeTopic(topic);
      await this.zk.deleteRecursive(ZkPaths.topic(topic)).catch(ignoreNoNode);
      await this.zk.deleteRecursive(ZkPaths.topicConfig(topic)).catch(ignoreNoNode);
      await this.zk.delete(ZkPaths.deleteTopic(topic), -1).catch(ignoreNoNode);
      this.logger.info(`deleted topic ${topic}`);
    }
    this.states.sendUpdateMetadata([], undefined, queued);
  }

  private async onIsrChangeNotification(): Promise<void> {
    if (!this.active) return;
    const notifications = await this.zk.getChildren(ZkPaths.isrChangeNotifications, this.watch('IsrChange', () => this.onIsrChangeNotification()));
    const changed = new Map<string, TopicPartition>();
    for (const name of notifications.sort()) {
      const path = `${ZkPaths.isrChangeNotifications}/${name}`;
      try {
        for (const tp of parseIsrChange(path, (await this.zk.getData(path)).data)) changed.set(tpKey(tp.topic, tp.partition), tp);
      } catch (err) {
        if (!(err instanceof ZkNoNodeError)) this.logger.warn(`ignoring ${path}: ${(err as Error).message}`);
      }
      await this.zk.delete(path, -1).catch(ignoreNoNode);
    }
    const known = [...changed.values()].filter((tp) => this.context.assignments.has(tp.topic));
    for (const tp of known) await this.states.readState(tp);
    if (known.length > 0) this.states.sendUpdateMetadata(known);
  }

  /** ControlledShutdown: moves `brokerId`'s leaderships to other ISR members; returns what it still leads. */
  controlledShutdown(brokerId: number, brokerEpoch: number): Promise<TopicPartition[]> {
    return this.events.put('ControlledShutdown', async () => {
      const broker = this.context.liveBrokers.get(brokerId);
      if (!this.active || !broker) return this.context.allPartitions().filter((tp) => this.context.leadership.get(tpKey(tp.topic, tp.partition))?.leader === brokerId);
      if (brokerEpoch >= 0 && broker.epoch !== brokerEpoch) throw new Error(`stale broker epoch ${brokerEpoch} for broker ${brokerId}`);
      this.context.shuttingDownBrokers.add(brokerId);
      const live = this.context.liveBrokerIds();
      const changed: TopicPartition[] = [];
      for (const tp of this.context.partitionsOnBroker(brokerId)) {
        const replicas = this.context.replicasOf(tp);
        if (replicas.length < 2) continue;
        const updated = await this.states.updateLeadership(tp, (state) => {
          if (state.leader === brokerId) return electForControlledShutdown({ replicas, isr: state.isr, liveBrokerIds: live }, this.context.shuttingDownBrokers);
          if (state.isr.includes(brokerId) && state.isr.length > 1) return { leader: state.leader, isr: state.isr.filter((r) => r !== brokerId) };
          return undefined;
        });
        if (updated) {
          this.states.logChange(tp, updated, `controlled shutdown of broker ${brokerId}`);
          changed.push(tp);
        }
      }
      this.states.sendLeaderAndIsr(changed);
      this.states.sendUpdateMetadata(changed);
      return this.context.allPartitions().filter((tp) => this.context.leadership.get(tpKey(tp.topic, tp.partition))?.leader === brokerId);
    });
  }

  private async onSessionExpired(): Promise<void> {
    this.logger.warn('ZooKeeper session expired: resigning as controller (if active) and racing again');
    this.resign();
    await this.elect();
  }

  private resign(): void {
    if (this.active) this.logger.info(`broker ${this.options.brokerId} resigns as controller (epoch ${this.context.epoch})`);
    this.active = false;
    this.activeControllerId = -1;
    this.context.clear();
    this.channel.close();
    this.emit('resigned');
  }
}

function ignoreNoNode(err: unknown): void {
  if (!(err instanceof ZkNoNodeError)) throw err;
}
