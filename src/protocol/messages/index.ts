/**
 * Every API's request and response body, and the map from API key to them, so that a typed
 * `connection.send(ApiKey.Fetch, body)` returns the matching response type.
 */
import type { ApiKey } from '../api-keys';
import type { ApiVersionsRequest, ApiVersionsResponse } from './api-versions';
import type { ControlledShutdownRequest, ControlledShutdownResponse } from './controlled-shutdown';
import type { CreateTopicsRequest, CreateTopicsResponse } from './create-topics';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics';
import type { FetchRequest, FetchResponse } from './fetch';
import type { LeaderAndIsrRequest, LeaderAndIsrResponse } from './leader-and-isr';
import type { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets';
import type { MetadataRequest, MetadataResponse } from './metadata';
import type { OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from './offsets-for-leader-epoch';
import type { ProduceRequest, ProduceResponse } from './produce';
import type { StopReplicaRequest, StopReplicaResponse } from './stop-replica';
import type { UpdateMetadataRequest, UpdateMetadataResponse } from './update-metadata';

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
export * from './offsets-for-leader-epoch';

/** Request and response body types by API key. Group APIs join this map when they land. */
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
  [ApiKey.OffsetsForLeaderEpoch]: { request: OffsetsForLeaderEpochRequest; response: OffsetsForLeaderEpochResponse };
}

export type SupportedApiKey = keyof ApiMessages;
export type RequestOf<K extends SupportedApiKey> = ApiMessages[K]['request'];
export type ResponseOf<K extends SupportedApiKey> = ApiMessages[K]['response'];
