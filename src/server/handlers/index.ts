/**
 * Registers every API a broker answers with the dispatcher (Kafka's KafkaApis routing table):
 * one line per API, each handler in its own file.
 */
import type { Logger } from '../../common/logger';
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import { kafkaApiVersions } from '../../protocol/kafka/apis';
import type { Dispatcher } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import type { TopicCreationDeps } from '../topic-creation';
import { alterConfigsHandler } from './alter-configs';
import { apiVersionsHandler } from './api-versions';
import { controlledShutdownHandler } from './controlled-shutdown';
import { createPartitionsHandler } from './create-partitions';
import { createTopicsHandler } from './create-topics';
import { deleteGroupsHandler } from './delete-groups';
import { deleteRecordsHandler } from './delete-records';
import { deleteTopicsHandler } from './delete-topics';
import { describeConfigsHandler } from './describe-configs';
import { describeGroupsHandler } from './describe-groups';
import { electLeadersHandler } from './elect-leaders';
import { fetchHandler } from './fetch';
import { findCoordinatorHandler } from './find-coordinator';
import { heartbeatHandler } from './heartbeat';
import { joinGroupHandler } from './join-group';
import { leaderAndIsrHandler } from './leader-and-isr';
import { leaveGroupHandler } from './leave-group';
import { listGroupsHandler } from './list-groups';
import { listOffsetsHandler } from './list-offsets';
import { metadataHandler } from './metadata';
import { offsetCommitHandler } from './offset-commit';
import { offsetFetchHandler } from './offset-fetch';
import { describeLogDirsHandler } from './describe-log-dirs';
import { offsetsForLeaderEpochHandler } from './offsets-for-leader-epoch';
import type { ConfigAdminPort, ControllerPort, PartitionAdminPort } from './ports';
import { produceHandler } from './produce';
import { saslAuthenticateHandler, saslHandshakeHandler } from './sasl';
import { stopReplicaHandler } from './stop-replica';
import { syncGroupHandler } from './sync-group';
import { updateMetadataHandler } from './update-metadata';

export interface BrokerHandlerDeps extends TopicCreationDeps {
  replicaManager: ReplicaManager;
  configAdmin: ConfigAdminPort;
  partitionAdmin: PartitionAdminPort;
  clusterId: () => string | null;
  controller: () => ControllerPort | undefined;
  logger: Logger;
  /** The group coordinator; without it the group APIs are not offered. */
  groupCoordinator?: GroupCoordinator;
}

export function registerBrokerHandlers(dispatcher: Dispatcher, deps: BrokerHandlerDeps): void {
  const { replicaManager, metadataCache, logger } = deps;
  dispatcher.register(ApiKey.Produce, produceHandler(replicaManager));
  dispatcher.register(ApiKey.Fetch, fetchHandler(replicaManager));
  dispatcher.register(ApiKey.ListOffsets, listOffsetsHandler(replicaManager));
  dispatcher.register(ApiKey.Metadata, metadataHandler(deps));
  dispatcher.register(ApiKey.LeaderAndIsr, leaderAndIsrHandler(replicaManager));
  dispatcher.register(ApiKey.StopReplica, stopReplicaHandler(replicaManager));
  dispatcher.register(ApiKey.UpdateMetadata, updateMetadataHandler(replicaManager, metadataCache, logger));
  dispatcher.register(ApiKey.ControlledShutdown, controlledShutdownHandler(deps.controller));
  dispatcher.register(ApiKey.ApiVersions, apiVersionsHandler((protocol) => (protocol === 'kafka' ? kafkaApiVersions((key) => dispatcher.offers(key)) : dispatcher.supportedApis())));
  dispatcher.register(ApiKey.CreateTopics, createTopicsHandler(deps));
  dispatcher.register(ApiKey.DeleteTopics, deleteTopicsHandler(deps));
  dispatcher.register(ApiKey.DeleteRecords, deleteRecordsHandler(replicaManager));
  dispatcher.register(ApiKey.OffsetsForLeaderEpoch, offsetsForLeaderEpochHandler(replicaManager));
  dispatcher.register(ApiKey.DescribeLogDirs, describeLogDirsHandler(replicaManager));
  dispatcher.register(ApiKey.DescribeConfigs, describeConfigsHandler(deps));
  dispatcher.register(ApiKey.AlterConfigs, alterConfigsHandler(deps));
  dispatcher.register(ApiKey.CreatePartitions, createPartitionsHandler(deps));
  dispatcher.register(ApiKey.ElectLeaders, electLeadersHandler(deps));
  dispatcher.register(ApiKey.SaslHandshake, saslHandshakeHandler);
  dispatcher.register(ApiKey.SaslAuthenticate, saslAuthenticateHandler);
  if (deps.groupCoordinator) registerGroupHandlers(dispatcher, deps, deps.groupCoordinator);
}

/** The group coordinator's APIs (Kafka's handleJoinGroupRequest and friends). */
function registerGroupHandlers(dispatcher: Dispatcher, deps: BrokerHandlerDeps, coordinator: GroupCoordinator): void {
  dispatcher.register(ApiKey.FindCoordinator, findCoordinatorHandler(deps));
  dispatcher.register(ApiKey.JoinGroup, joinGroupHandler(coordinator));
  dispatcher.register(ApiKey.SyncGroup, syncGroupHandler(coordinator));
  dispatcher.register(ApiKey.Heartbeat, heartbeatHandler(coordinator));
  dispatcher.register(ApiKey.LeaveGroup, leaveGroupHandler(coordinator));
  dispatcher.register(ApiKey.OffsetCommit, offsetCommitHandler(coordinator));
  dispatcher.register(ApiKey.OffsetFetch, offsetFetchHandler(coordinator));
  dispatcher.register(ApiKey.DescribeGroups, describeGroupsHandler(coordinator));
  dispatcher.register(ApiKey.ListGroups, listGroupsHandler(coordinator));
  dispatcher.register(ApiKey.DeleteGroups, deleteGroupsHandler(coordinator));
}
