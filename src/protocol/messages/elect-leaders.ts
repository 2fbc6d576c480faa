/**
 * ElectLeaders (key 43, KIP-183 and KIP-460): ask the controller to elect leaders now, either the
 * preferred replica of each partition or, for a partition without a live leader, any live replica
 * even outside the ISR (unclean). Answered per partition; only the controller runs elections.
 */

/** Kafka's ElectionType. */
export const ElectionType = {
  /** The first replica of the assignment leads again, when it is alive and in the ISR. */
  PREFERRED: 0,
  /** A partition without a live leader gets one from its ISR, else any live replica (records may be lost). */
  UNCLEAN: 1,
} as const;

export interface ElectLeadersRequest {
  /** Version 0 knows only PREFERRED. */
  electionType: number;
  /** Null: every partition of every topic. */
  topicPartitions: { topic: string; partitionId: number[] }[] | null;
  /** How long to wait for the elected leaders to show in the metadata. */
  timeoutMs: number;
}

export interface ElectLeadersPartitionResult {
  partitionId: number;
  /** NONE, ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, ... */
  errorCode: number;
  errorMessage: string | null;
}

export interface ElectLeadersResponse {
  throttleTimeMs: number;
  /** Version 1 on: an error of the request as a whole. */
  errorCode: number;
  replicaElectionResults: { topic: string; partitionResult: ElectLeadersPartitionResult[] }[];
}
