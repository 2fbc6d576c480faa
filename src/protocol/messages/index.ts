/**
 * Every API's request and response body, and the map from API key to them, so that a typed
 * `connection.send(ApiKey.Fetch, body)` returns the matching response type.
 */
import type { ApiKey } from '../api-keys';
import type { ApiVersionsRequest, ApiVersionsResponse } from './api-versions';
import type { ControlledShutdownRequest, ControlledShutdownResponse } from './controlled-shutdown';
import type { CreateTopicsRequest, CreateTopicsResponse } from './create-topics';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups';
import type { FetchRequest, FetchResponse } from './fetch';
import type { LeaderAndIsrRequest, LeaderAndIsrResponse } from './leader-and-isr';
import type { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets';
import type { MetadataRequest, MetadataResponse } from './metadata';
import type { OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from './offsets-for-leader-epoch';
import type { ProduceRequest, ProduceResponse } from './produce';
import type { StopReplicaRequest, StopReplicaResponse } from './stop-replica';
import type { UpdateMetadataRequest, UpdateMetadataResponse } from './update-metadata';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator';
import type { HeartbeatRequest, HeartbeatResponse } from './heartbeat';
import type { JoinGroupRequest, JoinGroupResponse } from './join-group';
import type { LeaveGroupRequest, LeaveGroupResponse } from './leave-group';
import type { ListGroupsRequest, ListGroupsResponse } from './list-groups';
import type { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit';
import type { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch';
import type { SyncGroupRequest, SyncGroupResponse } from './sync-group';
import type { DescribeLogDirsRequest, DescribeLogDirsResponse } from './describe-log-dirs';
import type { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs';
import type { AlterConfigsRequest, AlterConfigsResponse } from './alter-configs';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions';
import type { ElectLeadersRequest, ElectLeadersResponse } from './elect-leaders';
import type { SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake';
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from './sasl-authenticate';

export * from './common';
export * from './produce';
export * from './fetch';
export * from './list-offsets';
export * from './metadata';
export * from './leader-and-isr';
export * from './stop-replica';
export * from './update-metadata';
export * from './controlled-shutdown';
export * from './api-versions';
export * from './create-topics';
export * from './delete-topics';
export * from './delete-records';
export * from './offsets-for-leader-epoch';
export * from './offset-commit';
export * from './offset-fetch';
export * from './find-coordinator';
export * from './join-group';
export * from './heartbeat';
export * from './leave-group';
export * from './sync-group';
export * from './describe-groups';
export * from './list-groups';
export * from './delete-groups';
export * from './describe-log-dirs';
export * from './describe-configs';
export * from './alter-configs';
export * from './create-partitions';
export * from './elect-leaders';
export * from './sasl-handshake';
export * from './sasl-authenticate';

/** Request and response body types by API key. */
export interface ApiMessages {
  [ApiKey.Produce]: { request: ProduceRequest; response: ProduceResponse };
  [ApiKey.Fetch]: { request: FetchRequest; response: FetchResponse };
  [ApiKey.ListOffsets]: { request: ListOffsetsRequest; response: ListOffsetsResponse };
  [ApiKey.Metadata]: { request: MetadataRequest; response: MetadataResponse };
  [ApiKey.LeaderAndIsr]: { request: LeaderAndIsrRequest; response: LeaderAndIsrResponse };
  [ApiKey.StopReplica]: { request: StopReplicaRequest; response: StopReplicaResponse };
  [ApiKey.UpdateMetadata]: { request: UpdateMetadataRequest; response: UpdateMetadataResponse };
  [ApiKey.ControlledShutdown]: { request: ControlledShutdownRequest; response: ControlledShutdownResponse };
  [ApiKey.ApiVersions]: { request: ApiVersionsRequest; response: ApiVersionsResponse };
  [ApiKey.CreateTopics]: { request: CreateTopicsRequest; response: CreateTopicsResponse };
  [ApiKey.DeleteTopics]: { request: DeleteTopicsRequest; response: DeleteTopicsResponse };
  [ApiKey.DeleteRecords]: { request: DeleteRecordsRequest; response: DeleteRecordsResponse };
  [ApiKey.OffsetsForLeaderEpoch]: { request: OffsetsForLeaderEpochRequest; response: OffsetsForLeaderEpochResponse };
  [ApiKey.OffsetCommit]: { request: OffsetCommitRequest; response: OffsetCommitResponse };
  [ApiKey.OffsetFetch]: { request: OffsetFetchRequest; response: OffsetFetchResponse };
  [ApiKey.FindCoordinator]: { request: FindCoordinatorRequest; response: FindCoordinatorResponse };
  [ApiKey.JoinGroup]: { request: JoinGroupRequest; response: JoinGroupResponse };
  [ApiKey.Heartbeat]: { request: HeartbeatRequest; response: HeartbeatResponse };
  [ApiKey.LeaveGroup]: { request: LeaveGroupRequest; response: LeaveGroupResponse };
  [ApiKey.SyncGroup]: { request: SyncGroupRequest; response: SyncGroupResponse };
  [ApiKey.DescribeGroups]: { request: DescribeGroupsRequest; response: DescribeGroupsResponse };
  [ApiKey.ListGroups]: { request: ListGroupsRequest; response: ListGroupsResponse };
  [ApiKey.DeleteGroups]: { request: DeleteGroupsRequest; response: DeleteGroupsResponse };
  [ApiKey.DescribeLogDirs]: { request: DescribeLogDirsRequest; response: DescribeLogDirsResponse };
  [ApiKey.DescribeConfigs]: { request: DescribeConfigsRequest; response: DescribeConfigsResponse };
  [ApiKey.AlterConfigs]: { request: AlterConfigsRequest; response: AlterConfigsResponse };
  [ApiKey.CreatePartitions]: { request: CreatePartitionsRequest; response: CreatePartitionsResponse };
  [ApiKey.ElectLeaders]: { request: ElectLeadersRequest; response: ElectLeadersResponse };
  [ApiKey.SaslHandshake]: { request: SaslHandshakeRequest; response: SaslHandshakeResponse };
  [ApiKey.SaslAuthenticate]: { request: SaslAuthenticateRequest; response: SaslAuthenticateResponse };
}

export type SupportedApiKey = keyof ApiMessages;
export type RequestOf<K extends SupportedApiKey> = ApiMessages[K]['request'];
export type ResponseOf<K extends SupportedApiKey> = ApiMessages[K]['response'];
