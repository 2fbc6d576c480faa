/**
 * What a broker whose log dir failed writes to ZooKeeper (Kafka's
 * KafkaZkClient.propagateLogDirEvent): a sequential notification naming the broker, so that the
 * controller asks it which of its replicas are still online and moves the others' leadership away.
 */
import { ZkPaths } from './paths';
import type { ZooKeeper } from './zk-client';
import { serializeLogDirEvent } from './znodes';

/** Creates /log_dir_event_notification/log_dir_event_<seq> for `brokerId`; returns its path. */
export function propagateLogDirEvent(zk: ZooKeeper, brokerId: number): Promise<string> {
  return zk.create(ZkPaths.logDirEventNotificationPrefix, serializeLogDirEvent(brokerId), 'persistent_sequential', { createParents: true });
}
