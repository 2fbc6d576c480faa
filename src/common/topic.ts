/**
 * Topic names become folder names, so they are checked before they touch the file system:
 * Kafka's rule, [a-zA-Z0-9._-], 1 to 249 characters, never `.` or `..`.
 */
import { ErrorCode, JosefError } from './errors';

export const TOPIC_NAME_LENGTH_MAX = 249;
const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Throws INVALID_TOPIC_EXCEPTION saying what is wrong with `name`. */
export function validateTopicName(name: unknown): asserts name is string {
  const fail = (why: string): never => {
    throw new JosefError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name ${JSON.stringify(name)}: ${why}`);
  };
  if (typeof name !== 'string' || name.length === 0) fail('it is empty');
  const text = name as string;
  if (text === '.' || text === '..') fail('"." and ".." are not allowed');
  if (text.length > TOPIC_NAME_LENGTH_MAX) fail(`it is ${text.length} characters long, the limit is ${TOPIC_NAME_LENGTH_MAX}`);
  if (!legalTopicName.test(text)) fail('only ASCII letters, digits, ".", "_" and "-" are allowed');
}

/** Kafka warns that "." and "_" collide in metric names; topics differing only so are refused. */
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_');
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets';
}
