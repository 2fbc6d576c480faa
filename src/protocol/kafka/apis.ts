/**
 * Every Kafka API Josef speaks, and each version's compiled codec. What a broker advertises in
 * ApiVersions on the Kafka protocol is this table narrowed to the APIs it has handlers for (a
 * broker without a group coordinator offers no group APIs).
 */
import type { ApiVersionRange } from '../api-keys';
import type { KafkaApi } from './api';
import { compileMessage, type StructCodec } from './codec';
import { alterConfigsApi } from './messages/alter-configs';
import { apiVersionsApi } from './messages/api-versions';
import { createPartitionsApi } from './messages/create-partitions';
import { createTopicsApi } from './messages/create-topics';
import { deleteGroupsApi } from './messages/delete-groups';
import { deleteRecordsApi } from './messages/delete-records';
import { deleteTopicsApi } from './messages/delete-topics';
import { describeConfigsApi } from './messages/describe-configs';
import { describeGroupsApi } from './messages/describe-groups';
import { describeLogDirsApi } from './messages/describe-log-dirs';
import { electLeadersApi } from './messages/elect-leaders';
import { fetchApi } from './messages/fetch';
import { findCoordinatorApi } from './messages/find-coordinator';
import { heartbeatApi } from './messages/heartbeat';
import { joinGroupApi } from './messages/join-group';
import { leaveGroupApi } from './messages/leave-group';
import { listGroupsApi } from './messages/list-groups';
import { listOffsetsApi } from './messages/list-offsets';
import { metadataApi } from './messages/metadata';
import { offsetCommitApi } from './messages/offset-commit';
import { offsetFetchApi } from './messages/offset-fetch';
import { offsetsForLeaderEpochApi } from './messages/offsets-for-leader-epoch';
import { produceApi } from './messages/produce';
import { saslAuthenticateApi } from './messages/sasl-authenticate';
import { saslHandshakeApi } from './messages/sasl-handshake';
import { syncGroupApi } from './messages/sync-group';
import { inRange } from './schema';

export const kafkaApis: readonly KafkaApi[] = [
  produceApi,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  findCoordinatorApi,
  joinGroupApi,
  heartbeatApi,
  leaveGroupApi,
  syncGroupApi,
  describeGroupsApi,
  listGroupsApi,
  saslHandshakeApi,
  apiVersionsApi,
  createTopicsApi,
  deleteTopicsApi,
  deleteRecordsApi,
  offsetsForLeaderEpochApi,
  describeConfigsApi,
  alterConfigsApi,
  describeLogDirsApi,
  saslAuthenticateApi,
  createPartitionsApi,
  electLeadersApi,
  deleteGroupsApi,
] as readonly KafkaApi[];

const byKey = new Map<number, KafkaApi>(kafkaApis.map((api) => [api.apiKey, api]));

export function kafkaApiFor(apiKey: number): KafkaApi | undefined {
  return byKey.get(apiKey);
}

/** The Kafka APIs and versions a broker with handlers for `offered` keys advertises, in key order. */
export function kafkaApiVersions(offered: (apiKey: number) => boolean): ApiVersionRange[] {
  return kafkaApis
    .filter((api) => offered(api.apiKey))
    .map((api) => ({ apiKey: api.apiKey, minVersion: api.versions.min, maxVersion: api.versions.max }))
    .sort((a, b) => a.apiKey - b.apiKey);
}

export interface VersionCodecs {
  readonly flexible: boolean;
  readonly request: StructCodec;
  readonly response: StructCodec;
}

const compiled = new Map<KafkaApi, VersionCodecs[]>();

/** The codecs of `api` at `version` (one of its advertised versions), compiled on first use. */
export function codecsFor(api: KafkaApi, version: number): VersionCodecs {
  let perVersion = compiled.get(api);
  if (perVersion === undefined) compiled.set(api, (perVersion = []));
  let codecs = perVersion[version];
  if (codecs === undefined) {
    const flexible = inRange(api.flexibleVersions, version);
    codecs = {
      flexible,
      request: compileMessage(api.request, version, flexible),
      response: compileMessage(api.response, version, flexible),
    };
    perVersion[version] = codecs;
  }
  return codecs;
}
