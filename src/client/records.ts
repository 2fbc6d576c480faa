/**
 * The record shapes clients hand over and get back (Kafka's ProducerRecord, RecordMetadata and
 * ConsumerRecord), and the one conversion of a producer's strings into the bytes a batch holds.
 */
import type { RecordHeader, RecordInput } from '../protocol/record-batch';

/** Keys, values and header values: bytes, or a string sent as its UTF-8 bytes. */
export type RecordBytes = Buffer | string;

export interface ProducerHeader {
  key: string;
  value: RecordBytes | null;
}

export interface ProducerRecord {
  topic: string;
  /** Chosen by the partitioner when absent: murmur2 of the key, or sticky for no key. */
  partition?: number;
  key?: RecordBytes | null;
  value: RecordBytes | null;
  headers?: readonly ProducerHeader[];
  /** CreateTime in ms since the epoch; the producer's clock when absent. */
  timestamp?: number;
}

/** Where an acknowledged record went. `offset` is -1 with acks=0 (nothing tells the producer). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  /** The record's CreateTime, or the broker's LogAppendTime when the topic uses it. */
  timestamp: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * A consumed record. Key, value and header values share memory with the fetch response they came
 * in (one allocation per response, never reused): copy them only to keep a few of many.
 */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

function toBytes(value: RecordBytes | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * The batch codec's input for a record (the timestamp travels apart): the record itself when
 * it already holds bytes only, else a copy with strings turned into UTF-8 bytes.
 */
export function toRecordInput(record: ProducerRecord): RecordInput {
  const headers = record.headers;
  const stringHeader = headers !== undefined && headers.some((h) => typeof h.value === 'string');
  if (typeof record.key !== 'string' && typeof record.value !== 'string' && !stringHeader) return record as RecordInput;
  return {
    key: toBytes(record.key),
    value: toBytes(record.value),
    headers: headers?.map((h) => ({ key: h.key, value: toBytes(h.value) })),
  };
}
