/**
 * Josef as a library: the clients (Producer, Consumer, Admin), their types, and the error class
 * with Kafka's error codes that every failure carries.
 */
export * from './client';
export { JosefError, ErrorCode, errorInfo, type ErrorCodeInfo, type ErrorName } from './common/errors';
export type { RecordHeader } from './protocol/record-batch';
export type { Logger } from './common/logger';
