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
 * in first-seen order and partitions in item order. One pass that looks at the topic before first:
 * the items of a request usually come topic by topic (a Produce of librdkafka's names one topic
 * and one partition), so the Map that finds a topic seen earlier is made only at the second topic.
 * This runs for every Produce, Fetch and ListOffsets answer, which librdkafka sends per partition.
 */
export function groupByTopic<T, P>(items: Iterable<T>, topicOf: (item: T) => string, partitionOf: (item: T) => P): ByTopic<P>[] {
  const grouped: ByTopic<P>[] = [];
  let current: ByTopic<P> | undefined;
  let byName: Map<string, ByTopic<P>> | undefined;
  for (const item of items) {
    const name = topicOf(item);
    if (current === undefined || current.name !== name) {
      // Until a second topic appears there is one group, the current one.
      if (byName === undefined && current !== undefined) byName = new Map([[current.name, current]]);
      current = byName?.get(name);
      if (current === undefined) {
        current = { name, partitions: [] };
        grouped.push(current);
        byName?.set(name, current);
      }
    }
    current.partitions.push(partitionOf(item));
  }
  return grouped;
}
