/**
 * API keys with Kafka's numbers, and the versions Josef speaks (every API is at version 0 of
 * Josef's msgpack protocol; ApiVersions tells a client so).
 */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  LeaderAndIsr: 4,
  StopReplica: 5,
  UpdateMetadata: 6,
  ControlledShutdown: 7,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  OffsetsForLeaderEpoch: 23,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  DescribeLogDirs: 35,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
} as const;

/** An API a broker speaks, as ApiVersions reports it. */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export type ApiKeyName = keyof typeof ApiKey;
export type ApiKeyNumber = (typeof ApiKey)[ApiKeyName];

const names = new Map<number, ApiKeyName>(Object.entries(ApiKey).map(([name, key]) => [key, name as ApiKeyName]));

/** True for an API key Josef knows (whether or not a broker serves it). */
export function isApiKey(key: number): key is ApiKeyNumber {
  return names.has(key);
}

export function apiName(key: number): string {
  return names.get(key) ?? `Unknown(${key})`;
}

/** Timestamps ListOffsets understands besides real ones (Kafka's sentinels). */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

/** The replica id a consumer sends in Fetch and ListOffsets (Kafka's CONSUMER_REPLICA_ID). */
export const CONSUMER_REPLICA_ID = -1;
/**
 * Kafka's DEBUGGING_REPLICA_ID: a ListOffsets with it is answered by any replica, leader or
 * follower, from its log end (tools use it to see how far a follower has copied).
 */
export const DEBUGGING_REPLICA_ID = -2;
/** No leader (offline partition) or no controller. */
export const NO_LEADER = -1;
