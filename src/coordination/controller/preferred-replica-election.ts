/**
 * Preferred-leader election (Kafka's onReplicaElection with PreferredReplicaPartitionLeaderElectionStrategy):
 * moves leadership back to each partition's first replica, when that replica is alive and in the
 * ISR, on request through /admin/preferred_replica_election (deleted, fenced, once handled), by
 * the controller's periodic imbalance check (auto.leader.rebalance.enable), or for an ElectLeaders
 * request (admin-leader-election.ts). Runs inside the event loop.
 */
import type { Logger } from '../../common/logger';
import type { TopicPartition } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ZooKeeper, ZkWatcher } from '../zk-client';
import { getDataIfExists } from '../zk-reads';
import { parsePreferredReplicaElection, ZnodeFormatError, type TopicPartitionRef } from '../znodes';
import type { ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import { electPreferredLeader, type PreferredLeaderSkip } from './election';
import { leaderImbalance } from './leader-imbalance';
import type { PartitionStateMachine } from './partition-state-machine';
import { partitionKey } from '../../common/topic';

/** Kafka's auto.leader.rebalance.enable, leader.imbalance.check.interval.seconds and leader.imbalance.per.broker.percentage. */
export interface AutoLeaderRebalanceOptions {
  enable: boolean;
  checkIntervalMs: number;
  imbalancePerBrokerPercentage: number;
}

/** How a preferred election left one partition: the leader it moved to, or why it stayed. */
export type PreferredElectionOutcome =
  | { tp: TopicPartition; elected: number }
  | { tp: TopicPartition; skipped: PreferredLeaderSkip | 'the partition has no leader and ISR yet' };

export class PreferredReplicaElection {
  constructor(
    private readonly zk: ZooKeeper,
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs the election the request znode asks for, if there is one, then deletes it; `watcher`
   * (set on its existence) tells when the next request comes. A malformed request is deleted too,
   * with an error logged, so that the operator can make a corrected one.
   */
  async onRequest(watcher: ZkWatcher | undefined): Promise<void> {
    const path = ZkPaths.preferredReplicaElection;
    if (!(await this.zk.exists(path, watcher))) return;
    const node = await getDataIfExists(this.zk, path);
    if (!node) return;
    let requested: TopicPartitionRef[] = [];
    try {
      requested = parsePreferredReplicaElection(path, node.data);
    } catch (err) {
      if (!(err instanceof ZnodeFormatError)) throw err;
      this.logger.error(`${err.message}; deleting it, no election`);
    }
    const unknown = requested.filter((tp) => this.context.replicasOf(tp).length === 0);
    if (unknown.length > 0) this.logger.warn(`preferred replica election: skipping unknown partition(s) ${unknown.map((tp) => partitionKey(tp.topic, tp.partition)).join(', ')}`);
    await this.elect(requested.filter((tp) => this.context.replicasOf(tp).length > 0), `preferred replica election requested in ${path}`);
    await this.states.deleteFenced(path);
  }

  /** Kafka's checkAndTriggerAutoLeaderRebalance: a preferred election for brokers leading too few of their partitions. */
  async checkImbalance(imbalancePerBrokerPercentage: number): Promise<void> {
    const snapshot = this.context.allPartitions().filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic)).map((tp) => {
      const l = this.context.leadershipOf(tp);
      return { tp, replicas: this.context.replicasOf(tp), leader: l?.leader, isr: l?.isr ?? [] };
    });
    const decision = leaderImbalance(snapshot, this.context.liveBrokerIds(), imbalancePerBrokerPercentage);
    for (const b of decision.brokers) {
      if (b.notLedCount > 0) this.logger.debug(`leader imbalance of broker ${b.brokerId}: ${b.notLedCount} of ${b.preferredCount} preferred partitions led elsewhere`);
    }
    if (decision.candidates.length === 0) return;
    await this.elect(decision.candidates, `auto leader rebalance, above leader.imbalance.per.broker.percentage=${imbalancePerBrokerPercentage}`);
  }

  /**
   * The preferred election for `partitions`: their state znodes read (multiRead), the changed ones
   * written with a raised leader epoch in fenced multis (PartitionStateMachine.updateEach), then
   * one LeaderAndIsr to each replica's broker and UpdateMetadata to every broker. Returns how each
   * partition came out; those of topics queued for deletion are left alone and out.
   */
  async elect(partitions: readonly TopicPartition[], why: string): Promise<PreferredElectionOutcome[]> {
    const eligible = this.context.liveBrokerIds();
    const candidates = partitions.filter((tp) => !this.context.topicsToBeDeleted.has(tp.topic));
    // As Kafka's doElectLeaderForPartitions, decide on the state in ZooKeeper: a leader may have
    // just added the returning replica to the ISR, before its notification reached us.
    const read = await this.states.readStates(candidates);
    const led = candidates.filter((_, i) => read[i] !== undefined);
    const skips = new Map<string, PreferredLeaderSkip>();
    const updated = await this.states.updateEach(led, (tp, current) => {
      // A replica on a failed log dir cannot lead (Kafka's isReplicaOnline): elected, it answered
      // KAFKA_STORAGE_ERROR and went offline again, each imbalance check (seen in seed 3462).
      const result = electPreferredLeader({ replicas: this.context.replicasOf(tp), isr: current.isr, leader: current.leader, liveBrokerIds: this.context.onlineReplicaBrokerIds(tp, eligible) });
      if (!('skipped' in result)) return result;
      skips.set(partitionKey(tp.topic, tp.partition), result.skipped);
      return undefined;
    });
    const elected = new Map(led.flatMap((tp, i) => {
      const leadership = updated[i];
      return leadership ? [[partitionKey(tp.topic, tp.partition), { tp, leadership, why }] as const] : [];
    }));
    this.states.logChanges([...elected.values()], why);
    const outcomes = candidates.map((tp): PreferredElectionOutcome => {
      const key = partitionKey(tp.topic, tp.partition);
      const leadership = elected.get(key)?.leadership;
      if (leadership) return { tp, elected: leadership.leader };
      const reason = skips.get(key) ?? 'the partition has no leader and ISR yet';
      if (reason === 'preferred replica already leads') this.logger.debug(`${partitionKey(tp.topic, tp.partition)}: ${reason}`);
      else this.logger.warn(`${partitionKey(tp.topic, tp.partition)}: leadership not moved to preferred replica ${this.context.replicasOf(tp)[0]}: ${reason}`);
      return { tp, skipped: reason };
    });
    const changed = outcomes.filter((o) => 'elected' in o).map((o) => o.tp);
    if (changed.length > 0) {
      this.requests.sendLeaderAndIsr(changed);
      this.requests.sendUpdateMetadata(changed);
    }
    return outcomes;
  }
}
