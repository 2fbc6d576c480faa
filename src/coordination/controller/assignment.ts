/**
 * Replica assignment of a new topic, as Kafka's AdminUtils.assignReplicasToBrokers does it without
 * racks: partition leaders go round-robin over the brokers from a random start, and each
 * partition's followers follow at a shift that also starts random, so leaders and followers spread.
 */
import { ErrorCode, JosefError } from '../../common/errors';
import type { ReplicaAssignment } from '../znodes';

export interface AssignmentRequest {
  numPartitions: number;
  replicationFactor: number;
  brokerIds: number[];
  /** Random integer in [0, bound): injectable so tests are repeatable. */
  randomInt?: (bound: number) => number;
}

export function assignReplicasToBrokers(request: AssignmentRequest): ReplicaAssignment {
  const { numPartitions, replicationFactor } = request;
  const brokers = [...request.brokerIds].sort((a, b) => a - b);
  const randomInt = request.randomInt ?? ((bound: number) => Math.floor(Math.random() * bound));
  if (numPartitions < 1) throw new JosefError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
  if (replicationFactor < 1) throw new JosefError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${replicationFactor}`);
  if (replicationFactor > brokers.length) {
    throw new JosefError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}`);
  }
  const n = brokers.length;
  const startIndex = randomInt(n);
  let nextReplicaShift = randomInt(n);
  const assignment: ReplicaAssignment = new Map();
  for (let p = 0; p < numPartitions; p++) {
    if (p > 0 && p % n === 0) nextReplicaShift++;
    const first = (p + startIndex) % n;
    const replicas = [brokers[first]];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const shift = 1 + ((nextReplicaShift + j) % (n - 1));
      replicas.push(brokers[(first + shift) % n]);
    }
    assignment.set(p, replicas);
  }
  return assignment;
}
