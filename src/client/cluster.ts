/**
 * An immutable snapshot of what a Metadata response said (Kafka's Cluster): brokers, controller,
 * and per topic its partitions with leader, replicas and ISR. Lookups the producer makes per
 * record (partition count, partitions with a leader) are precomputed here once per refresh.
 */
import { ErrorCode } from '../common/errors';
import { NO_LEADER } from '../protocol/api-keys';
import type { MetadataResponse } from '../protocol/messages';
import type { TopicPartitionCounts } from './partitioner';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  topic: string;
  partition: number;
  /** The leader's broker id, or -1 while the partition has none. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicInfo extends TopicPartitionCounts {
  name: string;
  /** The topic-level error of the last Metadata response (NONE when the topic is usable). */
  errorCode: number;
  isInternal: boolean;
  /** Indexed by partition id. */
  partitions: PartitionInfo[];
}

export class Cluster {
  private readonly partitionsByNode = new Map<number, PartitionInfo[]>();

  private constructor(
    readonly brokers: ReadonlyMap<number, BrokerNode>,
    readonly topics: ReadonlyMap<string, TopicInfo>,
    readonly controllerId: number,
    readonly clusterId: string | null,
  ) {
    for (const topic of topics.values()) {
      for (const p of topic.partitions) {
        if (p.leader === NO_LEADER) continue;
        let led = this.partitionsByNode.get(p.leader);
        if (led === undefined) this.partitionsByNode.set(p.leader, (led = []));
        led.push(p);
      }
    }
  }

  static empty(): Cluster {
    return new Cluster(new Map(), new Map(), NO_LEADER, null);
  }

  static fromMetadata(response: MetadataResponse): Cluster {
    const brokers = new Map<number, BrokerNode>();
    for (const b of response.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topics = new Map<string, TopicInfo>();
    for (const t of response.topics) {
      const partitions: PartitionInfo[] = [];
      for (const p of t.partitions) {
        partitions[p.partition] = {
          topic: t.name,
          partition: p.partition,
          // A leader this response does not list as a live broker is as good as none.
          leader: brokers.has(p.leader) ? p.leader : NO_LEADER,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
          offlineReplicas: p.offlineReplicas,
        };
      }
      const complete = partitions.length === t.partitions.length;
      topics.set(t.name, {
        name: t.name,
        // A response with gaps in the partition ids cannot be routed by: treat it as not ready.
        errorCode: complete ? t.errorCode : ErrorCode.LEADER_NOT_AVAILABLE.code,
        isInternal: t.isInternal,
        partitions: complete ? partitions : [],
        partitionCount: complete ? partitions.length : 0,
        availablePartitions: complete ? partitions.filter((p) => p.leader !== NO_LEADER).map((p) => p.partition) : [],
      });
    }
    return new Cluster(brokers, topics, response.controllerId, response.clusterId);
  }

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  /** The topic if records can be routed to it now: known, no topic error, at least one partition. */
  usableTopic(name: string): TopicInfo | undefined {
    const topic = this.topics.get(name);
    return topic !== undefined && topic.errorCode === ErrorCode.NONE.code && topic.partitionCount > 0 ? topic : undefined;
  }

  node(nodeId: number): BrokerNode | undefined {
    return this.brokers.get(nodeId);
  }

  /** The leader's broker id, or -1 when the partition or its leader is unknown. */
  leaderId(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? NO_LEADER;
  }

  /** Partitions whose leader is `nodeId`, in topic then partition order. */
  partitionsLedBy(nodeId: number): readonly PartitionInfo[] {
    return this.partitionsByNode.get(nodeId) ?? [];
  }
}
