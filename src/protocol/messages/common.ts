/**
 * Shapes shared by several API messages. Every request and response body is a plain object
 * encoded with msgpack; field names follow Kafka's request schemas in camelCase.
 */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Kafka's way of grouping per-partition data by topic in requests and responses. */
export interface ByTopic<P> {
  name: string;
  partitions: P[];
}

export interface PartitionError {
  partition: number;
  errorCode: number;
  errorMessage?: string | null;
}

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}
