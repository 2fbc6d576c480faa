/**
 * Replica assignment of a new topic, as Kafka's AdminUtils.assignReplicasToBrokers does it without
 * racks: partition leaders go round-robin over the brokers (sorted by id) from a random start, and
 * each partition's followers follow at a shift that also starts random and grows by one every
 * time the leaders wrap around, so leaders and followers spread evenly. Pure.
 */
import { ErrorCode, JosefError } from '../../common/errors';
import type { ReplicaAssignment } from '../znodes';

export interface AssignmentRequest {
  numPartitions: number;
  replicationFactor: number;
  /** The live brokers to spread over. */
  brokerIds: readonly number[];
  /** Random integer in [0, bound): injectable so tests are repeatable. Kafka draws twice. */
  randomInt?: (bound: number) => number;
}

const mathRandomInt = (bound: number): number => Math.floor(Math.random() * bound);

export function assignReplicasToBrokers(request: AssignmentRequest): ReplicaAssignment {
  const { numPartitions, replicationFactor } = request;
  const brokers = [...new Set(request.brokerIds)].sort((a, b) => a - b);
  const randomInt = request.randomInt ?? mathRandomInt;
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new JosefError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be at least 1, got ${numPartitions}`);
  }
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new JosefError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor must be at least 1, got ${replicationFactor}`);
  }
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
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[replicaIndex(first, nextReplicaShift, j, n)]);
    assignment.set(p, replicas);
  }
  return assignment;
}

/** Kafka's replicaIndex: the j-th follower sits 1 + (shift + j) mod (n - 1) places after the leader. */
function replicaIndex(firstReplicaIndex: number, secondReplicaShift: number, j: number, n: number): number {
  const shift = 1 + ((secondReplicaShift + j) % (n - 1));
  return (firstReplicaIndex + shift) % n;
}

/**
 * The rules Kafka's AdminZkClient.validateTopicCreate applies to an explicit assignment: partitions
 * numbered 0..n-1, every partition with the same number of replicas, no broker twice in one.
 * Whether the brokers are alive is the caller's question (Kafka's AdminManager asks it).
 */
export function validateReplicaAssignment(assignment: ReplicaAssignment): void {
  const invalid = (why: string): never => {
    throw new JosefError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, why);
  };
  if (assignment.size === 0) invalid('the assignment names no partitions');
  for (let p = 0; p < assignment.size; p++) {
    if (!assignment.has(p)) invalid(`partitions must be numbered 0..${assignment.size - 1}; ${p} is missing`);
  }
  const replicationFactor = (assignment.get(0) as number[]).length;
  for (const [p, replicas] of assignment) {
    if (replicas.length === 0) invalid(`partition ${p} has no replicas`);
    if (replicas.length !== replicationFactor) invalid('every partition must have the same number of replicas');
    if (new Set(replicas).size !== replicas.length) invalid(`partition ${p} lists a broker twice: ${JSON.stringify(replicas)}`);
    if (!replicas.every((r) => Number.isInteger(r) && r >= 0)) invalid(`partition ${p} names an invalid broker id: ${JSON.stringify(replicas)}`);
  }
}
