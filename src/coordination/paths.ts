/**
 * Kafka 2.x's ZooKeeper paths, relative to the chroot, so that zkCli.sh shows a Kafka person what
 * they expect. Nothing else in Josef spells a path.
 */
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
  deleteTopics: '/admin/delete_topics',
  deleteTopic: (topic: string) => `/admin/delete_topics/${topic}`,
  isrChangeNotifications: '/isr_change_notification',
  isrChangeNotificationPrefix: '/isr_change_notification/isr_change_',
  clusterId: '/cluster/id',
} as const;

/** Persistent paths every broker makes sure of at start (Kafka's KafkaZkClient.createTopLevelPaths). */
export const basePaths = [
  ZkPaths.brokerIds, ZkPaths.brokerTopics, ZkPaths.configTopics, ZkPaths.deleteTopics, ZkPaths.isrChangeNotifications, '/cluster',
];
