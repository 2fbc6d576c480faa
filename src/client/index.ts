/** The client library's public surface: producer, consumer, admin, their options and record types. */
export { Producer, type ProducerOptions, type Acks } from './producer';
export { Consumer, type ConsumerOptions } from './consumer';
export { Admin, type NewTopic, type CreateTopicsOptions, type TopicDescription, type PartitionDescription, type ClusterDescription } from './admin';
export type { ClientOptions } from './client-options';
export type { OffsetResetStrategy } from './subscription-state';
export type { ProducerRecord, ProducerHeader, RecordBytes, RecordMetadata, ConsumerRecord, TopicPartition } from './records';
export type { BrokerNode } from './cluster';
export { murmur2, partitionForKey, toPositive } from './partitioner';
