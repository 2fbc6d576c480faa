/**
 * Which __consumer_offsets partition holds a group, so which broker coordinates it: Kafka's
 * GroupMetadataManager.partitionFor, Utils.abs(groupId.hashCode) % groupMetadataTopicPartitionCount,
 * with Java's String.hashCode, so a group lands on the same partition number as in Kafka.
 */

/** The internal topic that holds committed offsets and group metadata. */
export const GROUP_METADATA_TOPIC = '__consumer_offsets';

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in 32-bit arithmetic. */
export function javaStringHashCode(s: string): number {
  let hash = 0;
  for (let i = 0; i < s.length; i++) hash = (Math.imul(hash, 31) + s.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs: Integer.MIN_VALUE maps to 0 (n & 0x7fffffff), not to itself. */
export function kafkaAbs(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForGroup(groupId: string, offsetsTopicPartitionCount: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % offsetsTopicPartitionCount;
}
