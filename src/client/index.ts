/** The client library's public surface: producer, consumer, admin, their options and record types. */
export { Producer, type ProducerOptions, type Acks } from './producer';
export { Consumer, type ConsumerOptions, type OffsetToCommit, type ConsumerRebalanceListener } from './consumer';
export { CommitFailedError } from './consumer-coordinator';
export { GroupAdmin, type GroupListing, type GroupDescription, type GroupMemberDescription } from './group-admin';
export { Admin, type NewTopic, type CreateTopicsOptions, type TopicDescription, type PartitionDescription, type ClusterDescription } from './admin';
export type { ClientOptions } from './client-options';
export type { OffsetResetStrategy } from './subscription-state';
export type { ProducerRecord, ProducerHeader, RecordBytes, RecordMetadata, ConsumerRecord, TopicPartition } from './records';
export type { BrokerNode } from './cluster';
export { murmur2, partitionForKey, toPositive } from './partitioner';
