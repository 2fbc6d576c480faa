/**
 * Kafka 2.x's ZooKeeper paths, relative to the chroot, so that zkCli.sh shows a Kafka person what
 * they expect. Nothing else in Josef spells a path.
 */
import type { ZooKeeper } from './zk-client';

export const ZkPaths = {
  brokerIds: '/brokers/ids',
  broker: (id: number) => `/brokers/ids/${id}`,
  brokerTopics: '/brokers/topics',
  topic: (topic: string) => `/brokers/topics/${topic}`,
  topicPartitions: (topic: string) => `/brokers/topics/${topic}/partitions`,
  partition: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}`,
  partitionState: (topic: string, partition: number) => `/brokers/topics/${topic}/partitions/${partition}/state`,
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  configTopics: '/config/topics',
  topicConfig: (topic: string) => `/config/topics/${topic}`,
  configBrokers: '/config/brokers',
  /** A broker's dynamic config; `<default>` holds the cluster-wide one (Kafka's ConfigEntityName.Default). */
  brokerConfig: (broker: number | '<default>') => `/config/brokers/${broker}`,
  configUsers: '/config/users',
  /** A user's config: its SCRAM credentials (and, in Kafka, its quotas), under its sanitized name (sanitizeEntityName). */
  userConfig: (sanitizedUser: string) => `/config/users/${sanitizedUser}`,
  /** Kafka's config change notifications: PERSISTENT_SEQUENTIAL `config_change_<seq>`, naming the entity that changed. */
  configChanges: '/config/changes',
  configChangePrefix: '/config/changes/config_change_',
  configChange: (name: string) => `/config/changes/${name}`,
  deleteTopics: '/admin/delete_topics',
  deleteTopic: (topic: string) => `/admin/delete_topics/${topic}`,
  /** Written by `josef topic elect-leaders`, deleted by the controller once it has run the election. */
  preferredReplicaElection: '/admin/preferred_replica_election',
  /**
   * Kafka's ReassignPartitionsZNode: `{"version":1,"partitions":[{"topic","partition","replicas"}]}`,
   * written by the reassignment tool; the controller removes each partition once moved, and the
   * znode when none is left.
   */
  reassignPartitions: '/admin/reassign_partitions',
  isrChangeNotifications: '/isr_change_notification',
  /** Created PERSISTENT_SEQUENTIAL: ZooKeeper appends a 10-digit sequence number. */
  isrChangeNotificationPrefix: '/isr_change_notification/isr_change_',
  isrChangeNotification: (name: string) => `/isr_change_notification/${name}`,
  /** A broker whose log dir failed creates one PERSISTENT_SEQUENTIAL; the controller deletes it once handled. */
  logDirEventNotifications: '/log_dir_event_notification',
  logDirEventNotificationPrefix: '/log_dir_event_notification/log_dir_event_',
  logDirEventNotification: (name: string) => `/log_dir_event_notification/${name}`,
  /** Kafka's ZkAclStore: literal ACLs in /kafka-acl/<ResourceType>/<name>, prefixed ones under /kafka-acl-extended/prefixed. */
  aclRoot: (patternType: 'literal' | 'prefixed') => (patternType === 'literal' ? '/kafka-acl' : '/kafka-acl-extended/prefixed'),
  /** Kafka's ZkAclChangeStore: PERSISTENT_SEQUENTIAL `acl_changes_<seq>` naming the resource whose ACLs changed. */
  aclChanges: (patternType: 'literal' | 'prefixed') => (patternType === 'literal' ? '/kafka-acl-changes' : '/kafka-acl-extended-changes'),
  cluster: '/cluster',
  clusterId: '/cluster/id',
} as const;

/** Persistent paths every broker makes sure of at start (Kafka's KafkaZkClient.createTopLevelPaths). */
export const basePaths: readonly string[] = [
  ZkPaths.brokerIds, ZkPaths.brokerTopics, ZkPaths.configTopics, ZkPaths.deleteTopics, ZkPaths.isrChangeNotifications, ZkPaths.cluster,
  ZkPaths.logDirEventNotifications, ZkPaths.configBrokers, ZkPaths.configChanges, ZkPaths.configUsers,
];

/** Creates every base path that is missing; existing ones are left as they are. */
export async function ensureBasePaths(zk: ZooKeeper): Promise<void> {
  for (const path of basePaths) await zk.mkdirp(path);
}
