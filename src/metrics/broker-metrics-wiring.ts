/**
 * Puts a broker's metrics together (used by broker.ts only): what each metric reads of the
 * replica manager, the controller, the ZooKeeper session and the group coordinator. Consumer lag
 * needs each committed partition's high watermark: this broker knows those it leads; the others
 * are asked of their leaders (ListOffsets, as kafka-consumer-groups.sh does) when Prometheus scrapes.
 */
import type { Controller } from '../coordination/controller/controller';
import { groupLags, type CommittedPartitionOffset, type PartitionLag } from '../group/consumer-lag';
import type { GroupCoordinator } from '../group/group-coordinator';
import type { TopicPartition } from '../protocol/messages';
import type { ReplicaManager } from '../server/replica-manager';
import { BrokerMetrics, type PartitionMetricsView } from './broker-metrics';
import type { ZkSessionStats } from './zk-session-stats';
import { partitionKey } from '../common/topic';

export interface BrokerMetricsWiring {
  brokerId: number;
  replicaManager: ReplicaManager;
  /** Undefined until the controller is made (startup order). */
  controller: () => Controller | undefined;
  zkSession: ZkSessionStats;
  groupCoordinator: GroupCoordinator;
  /** High watermarks from the partitions' leaders, by `topic-partition`. */
  remoteEndOffsets: (partitions: TopicPartition[]) => Promise<Map<string, number>>;
}

const noController = { activeControllerCount: 0, offlinePartitionsCount: 0, globalTopicCount: 0, globalPartitionCount: 0, uncleanLeaderElections: 0 };

export function createBrokerMetrics(wiring: BrokerMetricsWiring): BrokerMetrics {
  const { replicaManager } = wiring;
  return new BrokerMetrics(wiring.brokerId, {
    partitions: () => partitionViews(replicaManager),
    topicStats: replicaManager.topicStats,
    isrChanges: () => ({ shrinks: replicaManager.isrManager.shrinkCount, expands: replicaManager.isrManager.expandCount }),
    controller: () => wiring.controller()?.stats() ?? noController,
    zkSession: wiring.zkSession,
    groupLags: () => coordinatedGroupLags(wiring),
  });
}

function* partitionViews(replicaManager: ReplicaManager): Iterable<PartitionMetricsView> {
  for (const p of replicaManager.hostedPartitions()) {
    const { log } = p;
    yield {
      topic: p.topic, partition: p.partition, isLeader: p.isLeader, replicas: p.replicas, isr: p.isr,
      log: { sizeBytes: log.sizeBytes, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, segmentCount: log.segmentCount },
    };
  }
}

/** Every committed offset of the groups this broker coordinates, with its lag where the high watermark could be had. */
async function coordinatedGroupLags(wiring: BrokerMetricsWiring): Promise<PartitionLag[]> {
  const committed: CommittedPartitionOffset[] = [];
  for (const group of wiring.groupCoordinator.listGroups().groups) {
    for (const o of wiring.groupCoordinator.fetchOffsets(group.groupId, undefined).offsets) {
      committed.push({ groupId: group.groupId, topic: o.topic, partition: o.partition, offset: o.offset });
    }
  }
  if (committed.length === 0) return [];
  const ends = new Map<string, number>();
  const remote = new Map<string, TopicPartition>();
  for (const { topic, partition } of committed) {
    const local = wiring.replicaManager.getPartition(topic, partition);
    if (local?.isLeader) ends.set(partitionKey(topic, partition), local.highWatermark);
    else remote.set(partitionKey(topic, partition), { topic, partition });
  }
  if (remote.size > 0) {
    const remoteEnds = await wiring.remoteEndOffsets([...remote.values()]).catch(() => new Map<string, number>());
    for (const [key, offset] of remoteEnds) ends.set(key, offset);
  }
  return groupLags(committed, ends);
}
