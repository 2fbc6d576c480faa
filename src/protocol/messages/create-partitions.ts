/**
 * CreatePartitions (key 37): more partitions for existing topics, never fewer. The controller
 * answers it, as Kafka's does; it writes the new assignment to the topic znode and waits (up to
 * timeoutMs) for the new partitions' leaders, as CreateTopics does.
 */

export interface CreatePartitionsTopic {
  name: string;
  /** The topic's new partition count (all of them, not how many to add). */
  count: number;
  /** The new partitions' replica lists in partition order, or null to let the broker spread them. */
  assignments: { brokerIds: number[] }[] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  /** How long to wait for the new partitions to have leaders; 0 or less does not wait (REQUEST_TIMED_OUT, as Kafka). */
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: { name: string; errorCode: number; errorMessage: string | null }[];
}
