/**
 * What the active controller does about failed log dirs (Kafka's onBrokerLogDirFailure and
 * onLeaderAndIsrResponseReceived): a broker whose dir failed writes a /log_dir_event_notification;
 * the controller deletes it and sends that broker LeaderAndIsr for all its replicas; the broker
 * answers KAFKA_STORAGE_ERROR for each replica on a failed dir, and those become offline replicas:
 * out of the ISR (never emptying it), their leadership moved to another live ISR member. Runs
 * inside the event loop.
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { LeaderAndIsrResponse, TopicPartition } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkWatcher } from '../zk-client';
import { pipelined } from '../zk-pipeline';
import { getDataIfExists } from '../zk-reads';
import { parseLogDirEvent, ZnodeFormatError } from '../znodes';
import { type ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import { electForOfflinePartition, removeReplicaFromIsr, type LeaderAndIsr } from './election';
import type { PartitionStateMachine } from './partition-state-machine';
import { partitionKey } from '../../common/topic';

/**
 * Kafka's OfflineReplica transition for `replica`, pure: a leader on a failed dir hands over to the
 * first live ISR member whose replica is online (offline election, unclean only when enabled); a
 * follower leaves the ISR unless it is the last member. Undefined: nothing changes.
 */
export function offlineReplicaTransition(
  current: LeaderAndIsr, input: { replicas: readonly number[]; replica: number; onlineBrokerIds: ReadonlySet<number>; uncleanLeaderElectionEnable: boolean },
): LeaderAndIsr | undefined {
  const next = current.leader === input.replica
    ? electForOfflinePartition({ replicas: input.replicas, isr: current.isr, leader: current.leader, liveBrokerIds: input.onlineBrokerIds }, input.uncleanLeaderElectionEnable)
    : removeReplicaFromIsr(current, input.replica);
  if (!next) return undefined;
  const same = next.leader === current.leader && next.isr.length === current.isr.length && next.isr.every((r, i) => r === current.isr[i]);
  return same ? undefined : { leader: next.leader, isr: next.isr };
}

export class LogDirEvents {
  constructor(
    private readonly zk: ZooKeeper,
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly uncleanLeaderElectionEnable: boolean,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the notifications (setting `watcher` for the next), deletes them, fenced, and asks each
   * named live broker about all its replicas: the answers come back as LeaderAndIsr responses.
   */
  async onNotification(watcher: ZkWatcher | undefined): Promise<void> {
    const names = await this.zk.getChildren(ZkPaths.logDirEventNotifications, watcher);
    const brokers = new Set<number>();
    // Read and deleted pipelined: a failing disk on every broker at once makes many of them.
    await pipelined(names.filter((n) => n.startsWith('log_dir_event_')).sort(), async (name) => {
      const path = ZkPaths.logDirEventNotification(name);
      const node = await getDataIfExists(this.zk, path);
      try {
        if (node) brokers.add(parseLogDirEvent(path, node.data));
      } catch (err) {
        if (!(err instanceof ZnodeFormatError)) throw err;
        this.logger.warn(`ignoring ${err.message}`);
      }
      await this.states.deleteFenced(path);
    });
    for (const brokerId of brokers) {
      if (!this.context.liveBrokers.has(brokerId)) continue;
      this.logger.warn(`broker ${brokerId} reports a failed log dir: asking it which of its replicas are still online`);
      this.requests.sendLeaderAndIsr(this.context.partitionsOnBroker(brokerId), { brokers: new Set([brokerId]) });
    }
  }

  /**
   * A broker's LeaderAndIsr answer: replicas it reports with KAFKA_STORAGE_ERROR are offline (and
   * leave ISRs, leaderships move); ones it answered without error are online again.
   */
  async onLeaderAndIsrResponse(brokerId: number, response: LeaderAndIsrResponse): Promise<void> {
    if (response.errorCode !== ErrorCode.NONE.code || !this.context.liveBrokers.has(brokerId)) return;
    const offlineKeys = this.context.replicasOnOfflineDirs.get(brokerId) ?? new Set<string>();
    const offline: TopicPartition[] = [];
    const newlyOffline: string[] = [];
    for (const p of response.partitions) {
      const key = partitionKey(p.topic, p.partition);
      if (p.errorCode === ErrorCode.KAFKA_STORAGE_ERROR.code) {
        if (!offlineKeys.has(key)) newlyOffline.push(partitionKey(p.topic, p.partition));
        offlineKeys.add(key);
        offline.push({ topic: p.topic, partition: p.partition });
      } else if (p.errorCode === ErrorCode.NONE.code) {
        offlineKeys.delete(key);
      }
    }
    if (offlineKeys.size > 0) this.context.replicasOnOfflineDirs.set(brokerId, offlineKeys);
    else this.context.replicasOnOfflineDirs.delete(brokerId);
    if (newlyOffline.length > 0) this.logger.warn(`broker ${brokerId} has replica(s) on a failed log dir: ${newlyOffline.join(', ')}`);
    const known = offline.filter((tp) => this.context.replicasOf(tp).includes(brokerId) && !this.context.topicsToBeDeleted.has(tp.topic));
    if (known.length > 0) await this.onReplicasBecomeOffline(brokerId, known);
  }

  /**
   * Kafka's onReplicasBecomeOffline for one broker's replicas on failed dirs, their state znodes
   * written in fenced multis (PartitionStateMachine.updateAll). Asked again about a replica already
   * handled (the broker answers every LeaderAndIsr so), nothing changes.
   */
  private async onReplicasBecomeOffline(brokerId: number, partitions: TopicPartition[]): Promise<void> {
    const live = this.context.liveBrokerIds();
    const changed = await this.states.updateAll(partitions, `replica on broker ${brokerId} is offline (failed log dir)`, (tp, current) => {
      const onlineBrokerIds = new Set([...live].filter((id) => this.context.isReplicaOnline(id, tp)));
      return offlineReplicaTransition(current, { replicas: this.context.replicasOf(tp), replica: brokerId, onlineBrokerIds, uncleanLeaderElectionEnable: this.uncleanLeaderElectionEnable });
    });
    if (changed.length > 0) this.requests.sendLeaderAndIsr(changed);
    // Every broker shows the replicas as offline in Metadata, changed or not.
    this.requests.sendUpdateMetadata(partitions);
  }
}
