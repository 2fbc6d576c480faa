/**
 * Ties each log dir to one broker of one cluster through its meta.properties (Kafka's
 * BrokerMetadataCheckpoint): a dir written by another broker id, or for another cluster id than
 * ZooKeeper's /cluster/id, is refused before a byte of it is served or changed.
 */
import { readMetaProperties, writeMetaProperties } from '../storage/meta-properties';
import { BrokerStartupError } from './startup-error';

/** Kafka writes version 0 for ZooKeeper-mode brokers. */
const META_PROPERTIES_VERSION = 0;

/** Throws BrokerStartupError when a log dir belongs to another broker or cluster; returns the dirs without meta.properties. */
export function checkLogDirIdentity(logDirs: string[], brokerId: number, clusterId: string, zookeeperConnect: string): string[] {
  const missing: string[] = [];
  for (const dir of logDirs) {
    let meta;
    try {
      meta = readMetaProperties(dir);
    } catch (err) {
      throw new BrokerStartupError(`${(err as Error).message}: fix or remove that file`);
    }
    if (meta === undefined) {
      missing.push(dir);
      continue;
    }
    if (meta.clusterId !== clusterId) {
      throw new BrokerStartupError(
        `cluster id mismatch: log dir ${dir} holds data of cluster ${meta.clusterId} (its meta.properties), but ZooKeeper at ${zookeeperConnect} ` +
        `belongs to cluster ${clusterId}. ZooKeeper was wiped or zookeeper.connect points at another ensemble or chroot while this dir kept its old data. ` +
        `Fix: point zookeeper.connect at the original ensemble and chroot, or remove ${dir} to start this broker empty.`,
      );
    }
    if (meta.brokerId !== brokerId) {
      throw new BrokerStartupError(
        `broker id mismatch: log dir ${dir} belongs to broker ${meta.brokerId} (its meta.properties), not broker ${brokerId}. ` +
        `Give each broker its own log.dirs, or start this dir's broker with --id ${meta.brokerId}.`,
      );
    }
  }
  return missing;
}

export function writeLogDirIdentity(logDirs: string[], brokerId: number, clusterId: string): void {
  for (const dir of logDirs) writeMetaProperties(dir, { version: META_PROPERTIES_VERSION, brokerId, clusterId });
}
