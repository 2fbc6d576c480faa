/**
 * What a partition leader writes to ZooKeeper when it shrinks or expands the ISR (Kafka's
 * Partition.updateIsr via KafkaZkClient.conditionalUpdatePath, and ReplicaManager's
 * propagateIsrChanges): the state znode by a conditional write on the zkVersion the leader last
 * saw, then a sequential notification that tells the controller to re-read those partitions.
 */
import { ZkPaths } from './paths';
import type { ZooKeeper } from './zk-client';
import { ZkBadVersionError } from './zk-errors';
import { getDataIfExists } from './zk-reads';
import { parsePartitionState, serializeIsrChange, serializePartitionState, type PartitionStateZnode, type TopicPartitionRef } from './znodes';

/** On failure, `current` is what the znode holds now (undefined when it is gone). */
export type IsrWriteResult = { updated: true; zkVersion: number } | { updated: false; reason: string; current?: PartitionStateZnode };

/**
 * Writes `state` if the znode is still at `expectedZkVersion`. A version mismatch means the
 * controller (or a newer leader) moved the partition: the leader must not act on its ISR and waits
 * for LeaderAndIsr. As Kafka, a mismatch whose znode already holds exactly our bytes counts as
 * success: our own write applied before the connection carrying its answer was lost.
 */
export async function writeLeaderAndIsr(
  zk: ZooKeeper, tp: TopicPartitionRef, state: PartitionStateZnode, expectedZkVersion: number,
): Promise<IsrWriteResult> {
  const path = ZkPaths.partitionState(tp.topic, tp.partition);
  const data = serializePartitionState(state);
  try {
    return { updated: true, zkVersion: (await zk.setData(path, data, expectedZkVersion)).version };
  } catch (err) {
    if (!(err instanceof ZkBadVersionError)) throw err;
    const current = await getDataIfExists(zk, path);
    if (current && current.data.equals(data)) return { updated: true, zkVersion: current.stat.version };
    const version = current ? `is at version ${current.stat.version}` : 'is gone';
    return {
      updated: false,
      reason: `${path} ${version}, not ${expectedZkVersion}: the controller or another leader changed it`,
      current: current ? parsePartitionState(path, current.data) : undefined,
    };
  }
}

/** Tells the controller that these partitions' ISRs changed; returns the notification's path. */
export function notifyIsrChange(zk: ZooKeeper, partitions: TopicPartitionRef[]): Promise<string> {
  return zk.create(ZkPaths.isrChangeNotificationPrefix, serializeIsrChange(partitions), 'persistent_sequential', { createParents: true });
}
