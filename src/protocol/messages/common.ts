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

/**
 * Items grouped the way Kafka's messages group partitions, `[{name, partitions: [...]}]`, topics
 * in first-seen order and partitions in item order.
 */
export function groupByTopic<T, P>(items: Iterable<T>, topicOf: (item: T) => string, partitionOf: (item: T) => P): ByTopic<P>[] {
  const byName = new Map<string, P[]>();
  for (const item of items) {
    const name = topicOf(item);
    let partitions = byName.get(name);
    if (partitions === undefined) byName.set(name, (partitions = []));
    partitions.push(partitionOf(item));
  }
  return [...byName].map(([name, partitions]) => ({ name, partitions }));
}
