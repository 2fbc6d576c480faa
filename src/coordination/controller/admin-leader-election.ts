/**
 * The elections an admin client asks for with ElectLeaders (Kafka's processReplicaLeaderElection
 * when AdminClientTriggered, KIP-460): each partition's preferred replica, or, unclean, a leader for
 * each partition whose leader is gone: from its ISR when a member lives, else any live replica.
 * Every partition asked for gets Kafka's answer: NONE with the leader elected, ELECTION_NOT_NEEDED,
 * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, or
 * INVALID_TOPIC_EXCEPTION for a topic being deleted. Runs inside the event loop.
 */
import { ErrorCode, type ErrorCodeInfo } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ElectionType, type TopicPartition } from '../../protocol/messages';
import type { ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import { electForOfflinePartition, NO_LEADER } from './election';
import type { LeadershipChange, PartitionStateMachine } from './partition-state-machine';
import type { PreferredElectionOutcome, PreferredReplicaElection } from './preferred-replica-election';
import { partitionKey } from '../../common/topic';

/** One partition's answer to an ElectLeaders request. */
export interface PartitionElectionResult extends TopicPartition {
  errorCode: number;
  errorMessage: string | null;
  /** With NONE: the broker elected, which the metadata will show once every broker has heard. */
  leader?: number;
}

const fail = (tp: TopicPartition, error: ErrorCodeInfo, errorMessage: string | null): PartitionElectionResult =>
  ({ ...tp, errorCode: error.code, errorMessage });

export class AdminLeaderElection {
  constructor(
    private readonly context: ControllerContext,
    private readonly states: PartitionStateMachine,
    private readonly requests: ControllerRequests,
    private readonly preferred: PreferredReplicaElection,
    private readonly logger: Logger,
  ) {}

  /** Runs the election of `electionType` for `partitions`; one result per distinct partition, in their order. */
  async elect(partitions: readonly TopicPartition[], electionType: number): Promise<PartitionElectionResult[]> {
    const distinct = [...new Map(partitions.map((tp) => [partitionKey(tp.topic, tp.partition), tp])).values()];
    const results = new Map<string, PartitionElectionResult>();
    const electable: TopicPartition[] = [];
    for (const tp of distinct) {
      // Kafka's words for both.
      if (this.context.replicasOf(tp).length === 0) results.set(partitionKey(tp.topic, tp.partition), fail(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.'));
      else if (this.context.topicsToBeDeleted.has(tp.topic)) results.set(partitionKey(tp.topic, tp.partition), fail(tp, ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is being deleted'));
      else electable.push(tp);
    }
    const elected = electionType === ElectionType.PREFERRED
      ? (await this.preferred.elect(electable, 'preferred leader election asked by an admin client (ElectLeaders)')).map((o) => this.preferredResult(o))
      : await this.electUnclean(electable);
    for (const result of elected) results.set(partitionKey(result.topic, result.partition), result);
    return distinct.map((tp) => results.get(partitionKey(tp.topic, tp.partition)) as PartitionElectionResult);
  }

  private preferredResult(outcome: PreferredElectionOutcome): PartitionElectionResult {
    const { tp } = outcome;
    if ('elected' in outcome) return { ...tp, errorCode: ErrorCode.NONE.code, errorMessage: null, leader: outcome.elected };
    if (outcome.skipped === 'preferred replica already leads') return fail(tp, ErrorCode.ELECTION_NOT_NEEDED, null);
    return fail(tp, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `${partitionKey(tp.topic, tp.partition)}: ${outcome.skipped} (preferred replica ${this.context.replicasOf(tp)[0]})`);
  }

  /**
   * Kafka's OfflinePartitionLeaderElectionStrategy with unclean election allowed, for the
   * partitions whose leader is not a live broker; one that has a live leader needs no election.
   * A leader from outside the ISR may lack acknowledged records, which is what the admin asked for.
   */
  private async electUnclean(partitions: readonly TopicPartition[]): Promise<PartitionElectionResult[]> {
    const eligible = this.context.liveBrokerIds();
    // How each partition's last decision went (updateEach may decide a partition twice).
    const decided = new Map<string, 'not needed' | 'clean' | 'unclean' | 'no live replica'>();
    const updated = await this.states.updateEach(partitions, (tp, current) => {
      const key = partitionKey(tp.topic, tp.partition);
      if (current.leader !== NO_LEADER && eligible.has(current.leader)) {
        decided.set(key, 'not needed');
        return undefined;
      }
      const result = electForOfflinePartition({ replicas: this.context.replicasOf(tp), isr: current.isr, leader: current.leader, liveBrokerIds: eligible }, true);
      decided.set(key, result.leader === NO_LEADER ? 'no live replica' : result.unclean ? 'unclean' : 'clean');
      return result.leader === NO_LEADER ? undefined : result;
    });
    const changes: LeadershipChange[] = [];
    const results = partitions.map((tp, i): PartitionElectionResult => {
      const leadership = updated[i];
      const decision = decided.get(partitionKey(tp.topic, tp.partition));
      if (!leadership) {
        return decision === 'not needed'
          ? fail(tp, ErrorCode.ELECTION_NOT_NEEDED, null)
          : fail(tp, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, `${partitionKey(tp.topic, tp.partition)}: none of its replicas [${this.context.replicasOf(tp).join(',')}] is alive`);
      }
      const why = decision === 'unclean' ? 'UNCLEAN election asked by an admin client (ElectLeaders): acknowledged records may be lost' : 'election asked by an admin client (ElectLeaders)';
      if (decision === 'unclean') {
        this.context.uncleanLeaderElectionCount++;
        this.logger.warn(`${partitionKey(tp.topic, tp.partition)}: ${why}`);
      }
      changes.push({ tp, leadership, why });
      return { ...tp, errorCode: ErrorCode.NONE.code, errorMessage: null, leader: leadership.leader };
    });
    this.states.logChanges(changes, 'election asked by an admin client (ElectLeaders)');
    const changed = changes.map((c) => c.tp);
    if (changed.length > 0) {
      this.requests.sendLeaderAndIsr(changed);
      this.requests.sendUpdateMetadata(changed);
    }
    return results;
  }
}
