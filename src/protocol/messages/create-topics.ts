/** CreateTopics (key 19): any broker writes the assignment to ZooKeeper; the controller does the rest. */
export interface CreatableTopic {
  name: string;
  /** -1: the broker's num.partitions. */
  numPartitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
  /** Explicit replica lists per partition, instead of numPartitions/replicationFactor. */
  assignments: { partition: number; brokerIds: number[] }[];
  /** Topic config overrides; Kafka's wire format allows a null value, which is refused (INVALID_REQUEST) as Kafka does. */
  configs: Record<string, string | null>;
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  /** How long to wait for the partitions to have leaders (0: do not wait). */
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreateTopicsResponse {
  topics: { name: string; errorCode: number; errorMessage: string | null }[];
}
