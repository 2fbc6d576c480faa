/**
 * Topic names become folder names, so they are checked before they touch the file system:
 * Kafka's rule, [a-zA-Z0-9._-], 1 to 249 characters, never `.` or `..`. A partition's data lives
 * in `<log.dir>/<topic>/<partition>/` (DESIGN.md), built and parsed only here.
 */
import * as path from 'path';
import { ErrorCode, JosefError } from './errors';

export const TOPIC_NAME_LENGTH_MAX = 249;
const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Why `name` is not a legal topic name, or undefined when it is. */
export function topicNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'it is empty';
  if (name === '.' || name === '..') return '"." and ".." are not allowed';
  if (name.length > TOPIC_NAME_LENGTH_MAX) return `it is ${name.length} characters long, the limit is ${TOPIC_NAME_LENGTH_MAX}`;
  if (!legalTopicName.test(name)) return 'only ASCII letters, digits, ".", "_" and "-" are allowed';
  return undefined;
}

/** Throws INVALID_TOPIC_EXCEPTION saying what is wrong with `name`. */
export function validateTopicName(name: unknown): asserts name is string {
  const problem = topicNameProblem(name);
  if (problem !== undefined) {
    throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name ${JSON.stringify(name)}: ${problem}`);
  }
}

/**
 * Kafka's TopicPartition.toString, `<topic>-<partition>`: the one key partitions, their logs,
 * checkpoint entries and delayed operations are kept under (unique, since a partition is digits).
 */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Kafka warns that "." and "_" collide in metric names; topics differing only so are refused. */
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets';
}

/** The folder of one partition's log: `<logDir>/<topic>/<partition>`. */
export function partitionDir(logDir: string, topic: string, partition: number): string {
  return path.join(logDir, topic, partitionDirName(partition));
}

export function partitionDirName(partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`partition ${partition} is not a non-negative integer`);
  return String(partition);
}

/** The partition number a folder name stands for (`0`, `17`), or undefined for any other name. */
export function parsePartitionDirName(name: string): number | undefined {
  if (!/^(0|[1-9]\d{0,9})$/.test(name)) return undefined;
  const partition = Number(name);
  return partition <= 2 ** 31 - 1 ? partition : undefined;
}
