/**
 * Admin ports for a broker wired without ZooKeeper (tests of the request path): every write
 * succeeds and changes nothing, and no entity has config overrides.
 */
import type { ConfigAdminPort, PartitionAdminPort, TopicAdminPort } from '../../src/server/handlers/ports';

export const adminPortsWithoutZooKeeper: { topicAdmin: TopicAdminPort; configAdmin: ConfigAdminPort; partitionAdmin: PartitionAdminPort } = {
  topicAdmin: { createTopic: async () => undefined, markTopicForDeletion: async () => undefined },
  configAdmin: { readConfig: async () => ({}), changeTopicConfig: async () => undefined, changeBrokerConfig: async () => undefined },
  partitionAdmin: { addPartitions: async () => undefined },
};
