/**
 * KIP-578's max.broker.partitions: a topic creation or CreatePartitions whose assignment would put
 * more partition replicas on a broker than the limit is refused before anything is written, so a
 * broker is never handed more partitions than it was sized for (file descriptors, memory). Pure:
 * callers pass the replicas each broker hosts now (from the metadata cache) and the new assignment.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { ReplicaAssignment } from './znodes';

export interface BrokerPartitionLimit {
  /** max.broker.partitions. */
  maxBrokerPartitions: number;
  /** Partition replicas each broker hosts now, by broker id. */
  replicasPerBroker: () => ReadonlyMap<number, number>;
}

/**
 * Why `added` may not be written, or undefined: the brokers it would take past the limit, each
 * with what it hosts and what it would get.
 */
export function brokerPartitionLimitProblem(added: ReplicaAssignment, current: ReadonlyMap<number, number>, maxBrokerPartitions: number): string | undefined {
  const addedPerBroker = new Map<number, number>();
  for (const replicas of added.values()) for (const id of replicas) addedPerBroker.set(id, (addedPerBroker.get(id) ?? 0) + 1);
  const over = [...addedPerBroker]
    .filter(([id, count]) => (current.get(id) ?? 0) + count > maxBrokerPartitions)
    .sort(([a], [b]) => a - b)
    .map(([id, count]) => `broker ${id} hosts ${current.get(id) ?? 0} and would get ${count} more`);
  if (over.length === 0) return undefined;
  return `${over.join('; ')}: that exceeds max.broker.partitions (${maxBrokerPartitions} partition replicas per broker)`;
}

/**
 * Throws when `added` breaks the limit. Kafka never gave KIP-578 a wire error of its own (its
 * WillExceedPartitionLimitsException stayed in the KIP's prototype), so the refusal is
 * POLICY_VIOLATION, the code Kafka's clients know for a request a broker's policy forbids.
 */
export function checkBrokerPartitionLimit(added: ReplicaAssignment, limit: BrokerPartitionLimit | undefined): void {
  if (limit === undefined) return;
  const problem = brokerPartitionLimitProblem(added, limit.replicasPerBroker(), limit.maxBrokerPartitions);
  if (problem !== undefined) throw new JosefError(ErrorCode.POLICY_VIOLATION, problem);
}
