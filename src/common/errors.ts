/**
 * The one table of wire error codes, with Kafka's numbers and names, and the error class that
 * carries one. Handlers answer with `code`; clients decide whether to retry from `retriable`.
 */

export interface ErrorCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly message: string;
  readonly retriable: boolean;
}

function entry(code: number, name: string, retriable: boolean, message: string): ErrorCodeInfo {
  return { code, name, retriable, message };
}

/** Kafka's error codes that Josef uses (numbers from Kafka's `Errors.java`). */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: entry(-1, 'UNKNOWN_SERVER_ERROR', false, 'The server experienced an unexpected error when processing the request.'),
  NONE: entry(0, 'NONE', false, 'No error.'),
  OFFSET_OUT_OF_RANGE: entry(1, 'OFFSET_OUT_OF_RANGE', false, 'The requested offset is not within the range of offsets maintained by the server.'),
  CORRUPT_MESSAGE: entry(2, 'CORRUPT_MESSAGE', true, 'This message has failed its CRC checksum, exceeds the valid size, or is otherwise corrupt.'),
  UNKNOWN_TOPIC_OR_PARTITION: entry(3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition.'),
  INVALID_FETCH_SIZE: entry(4, 'INVALID_FETCH_SIZE', false, 'The requested fetch size is invalid.'),
  LEADER_NOT_AVAILABLE: entry(5, 'LEADER_NOT_AVAILABLE', true, 'There is no leader for this topic-partition as we are in the middle of a leadership election.'),
  NOT_LEADER_OR_FOLLOWER: entry(6, 'NOT_LEADER_OR_FOLLOWER', true, 'This server is not the leader or follower for that topic-partition.'),
  REQUEST_TIMED_OUT: entry(7, 'REQUEST_TIMED_OUT', true, 'The request timed out.'),
  BROKER_NOT_AVAILABLE: entry(8, 'BROKER_NOT_AVAILABLE', false, 'The broker is not available.'),
  REPLICA_NOT_AVAILABLE: entry(9, 'REPLICA_NOT_AVAILABLE', true, 'The replica is not available for the requested topic-partition.'),
  MESSAGE_TOO_LARGE: entry(10, 'MESSAGE_TOO_LARGE', false, 'The request included a message larger than the max message size the server will accept.'),
  STALE_CONTROLLER_EPOCH: entry(11, 'STALE_CONTROLLER_EPOCH', false, 'The controller moved to another broker.'),
  OFFSET_METADATA_TOO_LARGE: entry(12, 'OFFSET_METADATA_TOO_LARGE', false, 'The metadata field of the offset request was too large.'),
  NETWORK_EXCEPTION: entry(13, 'NETWORK_EXCEPTION', true, 'The server disconnected before a response was received.'),
  COORDINATOR_LOAD_IN_PROGRESS: entry(14, 'COORDINATOR_LOAD_IN_PROGRESS', true, 'The coordinator is loading and hence can\'t process requests.'),
  COORDINATOR_NOT_AVAILABLE: entry(15, 'COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'),
  NOT_COORDINATOR: entry(16, 'NOT_COORDINATOR', true, 'This is not the correct coordinator.'),
  INVALID_TOPIC_EXCEPTION: entry(17, 'INVALID_TOPIC_EXCEPTION', false, 'The request attempted to perform an operation on an invalid topic.'),
  RECORD_LIST_TOO_LARGE: entry(18, 'RECORD_LIST_TOO_LARGE', false, 'The request included message batch larger than the configured segment size on the server.'),
  NOT_ENOUGH_REPLICAS: entry(19, 'NOT_ENOUGH_REPLICAS', true, 'Messages are rejected since there are fewer in-sync replicas than required.'),
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: entry(20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, 'Messages are written to the log, but to fewer in-sync replicas than required.'),
  INVALID_REQUIRED_ACKS: entry(21, 'INVALID_REQUIRED_ACKS', false, 'Produce request specified an invalid value for required acks.'),
  ILLEGAL_GENERATION: entry(22, 'ILLEGAL_GENERATION', false, 'Specified group generation id is not valid.'),
  INCONSISTENT_GROUP_PROTOCOL: entry(23, 'INCONSISTENT_GROUP_PROTOCOL', false, 'The group member\'s supported protocols are incompatible with those of existing members.'),
  INVALID_GROUP_ID: entry(24, 'INVALID_GROUP_ID', false, 'The configured groupId is invalid.'),
  UNKNOWN_MEMBER_ID: entry(25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator is not aware of this member.'),
  INVALID_SESSION_TIMEOUT: entry(26, 'INVALID_SESSION_TIMEOUT', false, 'The session timeout is not within the range allowed by the broker.'),
  REBALANCE_IN_PROGRESS: entry(27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing, so a rejoin is needed.'),
  INVALID_COMMIT_OFFSET_SIZE: entry(28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'The committing offset data size is not valid.'),
  TOPIC_AUTHORIZATION_FAILED: entry(29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Topic authorization failed.'),
  GROUP_AUTHORIZATION_FAILED: entry(30, 'GROUP_AUTHORIZATION_FAILED', false, 'Group authorization failed.'),
  CLUSTER_AUTHORIZATION_FAILED: entry(31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'Cluster authorization failed.'),
  INVALID_TIMESTAMP: entry(32, 'INVALID_TIMESTAMP', false, 'The timestamp of the message is out of acceptable range.'),
  UNSUPPORTED_SASL_MECHANISM: entry(33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not support the requested SASL mechanism.'),
  ILLEGAL_SASL_STATE: entry(34, 'ILLEGAL_SASL_STATE', false, 'Request is not valid given the current SASL state.'),
  UNSUPPORTED_VERSION: entry(35, 'UNSUPPORTED_VERSION', false, 'The version of API is not supported.'),
  TOPIC_ALREADY_EXISTS: entry(36, 'TOPIC_ALREADY_EXISTS', false, 'Topic with this name already exists.'),
  INVALID_PARTITIONS: entry(37, 'INVALID_PARTITIONS', false, 'Number of partitions is below 1.'),
  INVALID_REPLICATION_FACTOR: entry(38, 'INVALID_REPLICATION_FACTOR', false, 'Replication factor is below 1 or larger than the number of available brokers.'),
  INVALID_REPLICA_ASSIGNMENT: entry(39, 'INVALID_REPLICA_ASSIGNMENT', false, 'Replica assignment is invalid.'),
  INVALID_CONFIG: entry(40, 'INVALID_CONFIG', false, 'Configuration is invalid.'),
  POLICY_VIOLATION: entry(44, 'POLICY_VIOLATION', false, 'Request parameters do not satisfy the configured policy.'),
  NOT_CONTROLLER: entry(41, 'NOT_CONTROLLER', true, 'This is not the correct controller for this cluster.'),
  INVALID_REQUEST: entry(42, 'INVALID_REQUEST', false, 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker.'),
  KAFKA_STORAGE_ERROR: entry(56, 'KAFKA_STORAGE_ERROR', true, 'Disk error when trying to access log file on the disk.'),
  FETCH_SESSION_ID_NOT_FOUND: entry(70, 'FETCH_SESSION_ID_NOT_FOUND', true, 'The fetch session ID was not found.'),
  INVALID_FETCH_SESSION_EPOCH: entry(71, 'INVALID_FETCH_SESSION_EPOCH', true, 'The fetch session epoch is invalid.'),
  SASL_AUTHENTICATION_FAILED: entry(58, 'SASL_AUTHENTICATION_FAILED', false, 'SASL Authentication failed.'),
  REASSIGNMENT_IN_PROGRESS: entry(60, 'REASSIGNMENT_IN_PROGRESS', false, 'A partition reassignment is in progress.'),
  LISTENER_NOT_FOUND: entry(72, 'LISTENER_NOT_FOUND', true, 'There is no listener on the leader broker that matches the listener on which metadata request was processed.'),
  TOPIC_DELETION_DISABLED: entry(73, 'TOPIC_DELETION_DISABLED', false, 'Topic deletion is disabled.'),
  FENCED_LEADER_EPOCH: entry(74, 'FENCED_LEADER_EPOCH', true, 'The leader epoch in the request is older than the epoch on the broker.'),
  UNKNOWN_LEADER_EPOCH: entry(75, 'UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the epoch on the broker.'),
  UNSUPPORTED_COMPRESSION_TYPE: entry(76, 'UNSUPPORTED_COMPRESSION_TYPE', false, 'The requesting client does not support the compression type of given partition.'),
  NON_EMPTY_GROUP: entry(68, 'NON_EMPTY_GROUP', false, 'The group is not empty.'),
  GROUP_ID_NOT_FOUND: entry(69, 'GROUP_ID_NOT_FOUND', false, 'The group id does not exist.'),
  STALE_BROKER_EPOCH: entry(77, 'STALE_BROKER_EPOCH', false, 'Broker epoch has changed.'),
  MEMBER_ID_REQUIRED: entry(79, 'MEMBER_ID_REQUIRED', false, 'The group member needs to have a valid member id before actually entering a consumer group.'),
  PREFERRED_LEADER_NOT_AVAILABLE: entry(80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader was not available.'),
  GROUP_MAX_SIZE_REACHED: entry(81, 'GROUP_MAX_SIZE_REACHED', false, 'The consumer group has reached its max size.'),
  ELIGIBLE_LEADERS_NOT_AVAILABLE: entry(83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'Eligible topic partition leaders are not available.'),
  INVALID_RECORD: entry(87, 'INVALID_RECORD', false, 'This record has failed the validation on broker and hence will be rejected.'),
  ELECTION_NOT_NEEDED: entry(84, 'ELECTION_NOT_NEEDED', true, 'Leader election not needed for topic partition.'),
} as const;

export type ErrorName = keyof typeof ErrorCode;

const byCode = new Map<number, ErrorCodeInfo>(Object.values(ErrorCode).map((e) => [e.code, e]));

/** Looks up a wire code; unknown numbers map to UNKNOWN_SERVER_ERROR's meaning but keep their number. */
export function errorInfo(code: number): ErrorCodeInfo {
  return byCode.get(code) ?? { ...ErrorCode.UNKNOWN_SERVER_ERROR, code };
}

/** An error that has a wire code: thrown by core code, turned into a response code by handlers. */
export class JosefError extends Error {
  readonly info: ErrorCodeInfo;
  constructor(info: ErrorCodeInfo, detail?: string) {
    super(detail ? `${info.name}: ${detail}` : `${info.name}: ${info.message}`);
    this.name = 'JosefError';
    this.info = info;
  }
  get code(): number {
    return this.info.code;
  }
  get retriable(): boolean {
    return this.info.retriable;
  }
  /** Builds the error a client raises for a code a broker answered with. */
  static fromCode(code: number, context?: string): JosefError {
    return new JosefError(errorInfo(code), context);
  }
}

/**
 * A known config given a value it cannot take (Kafka's ConfigException). Where a topic is created
 * it is INVALID_CONFIG; AlterConfigs answers it with INVALID_REQUEST, as Kafka's AdminManager does.
 */
export class ConfigValueError extends JosefError {
  constructor(readonly detail: string) {
    super(ErrorCode.INVALID_CONFIG, detail);
    this.name = 'ConfigValueError';
  }
}

/** A refused SASL exchange: retrying with the same credentials cannot help (Kafka's AuthenticationException). */
export function isAuthenticationError(err: unknown): err is JosefError {
  return err instanceof JosefError && (err.code === ErrorCode.SASL_AUTHENTICATION_FAILED.code || err.code === ErrorCode.UNSUPPORTED_SASL_MECHANISM.code);
}

/** The wire code to answer with for anything thrown while handling a request. */
export function codeOf(err: unknown): number {
  return err instanceof JosefError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR.code;
}
