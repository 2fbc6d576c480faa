/**
 * How the controller changes partition leadership in ZooKeeper and tells brokers about it (Kafka's
 * PartitionStateMachine plus ControllerBrokerRequestBatch): state znodes are created or changed only
 * by writes that also check /controller_epoch's version (a deposed controller's writes fail), and
 * every change is followed by LeaderAndIsr to the replicas and UpdateMetadata to every live broker.
 */
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { LeaderAndIsrPartitionState, TopicPartition, UpdateMetadataPartitionState } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZkClient } from '../zk-client';
import { ZkBadVersionError, ZkNodeExistsError } from '../zk-errors';
import { parsePartitionState, serializePartitionState, type PartitionStateZnode } from '../znodes';
import type { ControllerChannel } from './controller-channel';
import { tpKey, type ControllerContext, type PartitionLeadership } from './controller-context';

export class ControllerMovedError extends Error {
  constructor() {
    super('/controller_epoch changed under us: another broker is controller now');
    this.name = 'ControllerMovedError';
  }
}

export class PartitionStateMachine {
  constructor(
    private readonly zk: ZkClient,
    private readonly context: ControllerContext,
    private readonly channel: ControllerChannel,
    private readonly controllerId: number,
    private readonly logger: Logger,
  ) {}

  /** Reads a partition's state znode into the context; undefined when it does not exist yet. */
  async readState(tp: TopicPartition): Promise<PartitionLeadership | undefined> {
    const path = ZkPaths.partitionState(tp.topic, tp.partition);
    const stat = await this.zk.exists(path);
    if (!stat) {
      this.context.leadership.delete(tpKey(tp.topic, tp.partition));
      return undefined;
    }
    const { data, stat: readStat } = await this.zk.getData(path);
    const leadership = { ...parsePartitionState(path, data), zkVersion: readStat.version };
    this.context.leadership.set(tpKey(tp.topic, tp.partition), leadership);
    return leadership;
  }

  /** Creates the state znode of a new partition (fenced by the controller epoch). */
  async createState(tp: TopicPartition, leader: number, isr: number[]): Promise<PartitionLeadership> {
    const state: PartitionStateZnode = { leader, leaderEpoch: 0, isr, controllerEpoch: this.context.epoch };
    const partitionPath = ZkPaths.partition(tp.topic, tp.partition);
    try {
      if (!(await this.zk.exists(ZkPaths.topicPartitions(tp.topic)))) await this.zk.mkdirp(ZkPaths.topicPartitions(tp.topic));
      await this.zk.multi([
        { op: 'check', path: ZkPaths.controllerEpoch, expectedVersion: this.context.epochZkVersion },
        ...(await this.zk.exists(partitionPath) ? [] : [{ op: 'create' as const, path: partitionPath }]),
        { op: 'create', path: ZkPaths.partitionState(tp.topic, tp.partition), data: serializePartitionState(state) },
      ]);
    } catch (err) {
      if (err instanceof ZkBadVersionError) throw new ControllerMovedError();
      if (!(err instanceof ZkNodeExistsError)) throw err;
      const existing = await this.readState(tp);
      if (existing) return existing;
    }
    const leadership = { ...state, zkVersion: 0 };
    this.context.leadership.set(tpKey(tp.topic, tp.partition), leadership);
    return leadership;
  }

  /**
   * Writes a new leader and ISR with leader_epoch raised, conditional on the state znode's zkVersion
   * and the controller epoch's. A stale zkVersion (a leader changed the ISR meanwhile) re-reads and
   * asks `decide` again; `decide` returning undefined means nothing to change.
   */
  async updateLeadership(tp: TopicPartition, decide: (current: PartitionLeadership) => { leader: number; isr: number[] } | undefined): Promise<PartitionLeadership | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = this.context.leadership.get(tpKey(tp.topic, tp.partition)) ?? (await this.readState(tp));
      if (!current) return undefined;
      const decision = decide(current);
      if (!decision) return undefined;
      const next: PartitionStateZnode = { leader: decision.leader, isr: decision.isr, leaderEpoch: current.leaderEpoch + 1, controllerEpoch: this.context.epoch };
      try {
        const results = await this.zk.multi([
          { op: 'check', path: ZkPaths.controllerEpoch, expectedVersion: this.context.epochZkVersion },
          { op: 'setData', path: ZkPaths.partitionState(tp.topic, tp.partition), data: serializePartitionState(next), expectedVersion: current.zkVersion },
        ]);
        const set = results[1];
        const leadership = { ...next, zkVersion: set.op === 'setData' ? set.stat.version : current.zkVersion + 1 };
        this.context.leadership.set(tpKey(tp.topic, tp.partition), leadership);
        return leadership;
      } catch (err) {
        if (!(err instanceof ZkBadVersionError)) throw err;
        if ((await this.zk.getData(ZkPaths.controllerEpoch)).stat.version !== this.context.epochZkVersion) throw new ControllerMovedError();
        await this.readState(tp);
      }
    }
    throw new Error(`could not update the state of ${tp.topic}-${tp.partition}: it kept changing`);
  }

  private leaderAndIsrState(tp: TopicPartition, l: PartitionLeadership, isNew: boolean): LeaderAndIsrPartitionState {
    return {
      topic: tp.topic, partition: tp.partition, controllerEpoch: l.controllerEpoch, leader: l.leader, leaderEpoch: l.leaderEpoch,
      isr: l.isr, zkVersion: l.zkVersion, replicas: this.context.replicasOf(tp), addingReplicas: [], removingReplicas: [], isNew,
    };
  }

  /** LeaderAndIsr to every live replica of `partitions`, one request per broker. */
  sendLeaderAndIsr(partitions: TopicPartition[], isNew = false, onlyBrokers?: Set<number>): void {
    const byBroker = new Map<number, LeaderAndIsrPartitionState[]>();
    for (const tp of partitions) {
      const l = this.context.leadership.get(tpKey(tp.topic, tp.partition));
      if (!l) continue;
      for (const replica of this.context.replicasOf(tp)) {
        if (!this.context.liveBrokers.has(replica) || (onlyBrokers && !onlyBrokers.has(replica))) continue;
        const list = byBroker.get(replica) ?? [];
        list.push(this.leaderAndIsrState(tp, l, isNew));
        byBroker.set(replica, list);
      }
    }
    for (const [brokerId, partitionStates] of byBroker) {
      const leaders = new Set(partitionStates.map((s) => s.leader));
      this.channel.send(brokerId, ApiKey.LeaderAndIsr, {
        controllerId: this.controllerId,
        controllerEpoch: this.context.epoch,
        brokerEpoch: this.context.liveBrokers.get(brokerId)?.epoch ?? -1,
        partitionStates,
        liveLeaders: this.context.endpoints().filter((e) => leaders.has(e.nodeId)),
      });
    }
  }

  /** UpdateMetadata with `partitions` (all when omitted) to `brokers` (all live when omitted). */
  sendUpdateMetadata(partitions?: TopicPartition[], brokers?: number[], deletedTopics: string[] = []): void {
    const live = this.context.liveBrokerIds();
    const partitionStates: UpdateMetadataPartitionState[] = [];
    for (const tp of partitions ?? this.context.allPartitions()) {
      const l = this.context.leadership.get(tpKey(tp.topic, tp.partition));
      if (!l) continue;
      const replicas = this.context.replicasOf(tp);
      partitionStates.push({
        topic: tp.topic, partition: tp.partition, controllerEpoch: l.controllerEpoch, leader: l.leader, leaderEpoch: l.leaderEpoch,
        isr: l.isr, zkVersion: l.zkVersion, replicas, offlineReplicas: replicas.filter((r) => !live.has(r)),
      });
    }
    for (const brokerId of brokers ?? [...live]) {
      this.channel.send(brokerId, ApiKey.UpdateMetadata, {
        controllerId: this.controllerId,
        controllerEpoch: this.context.epoch,
        brokerEpoch: this.context.liveBrokers.get(brokerId)?.epoch ?? -1,
        partitionStates,
        liveBrokers: this.context.endpoints(),
        deletedTopics,
      });
    }
  }

  sendStopReplica(brokerId: number, partitions: TopicPartition[], deletePartitions: boolean): void {
    if (partitions.length === 0) return;
    this.channel.send(brokerId, ApiKey.StopReplica, {
      controllerId: this.controllerId,
      controllerEpoch: this.context.epoch,
      brokerEpoch: this.context.liveBrokers.get(brokerId)?.epoch ?? -1,
      deletePartitions,
      partitions,
    });
  }

  logChange(tp: TopicPartition, l: PartitionLeadership, why: string): void {
    this.logger.info(`${tp.topic}-${tp.partition}: leader ${l.leader}, leader epoch ${l.leaderEpoch}, isr [${l.isr.join(',')}] (${why})`);
  }
}
