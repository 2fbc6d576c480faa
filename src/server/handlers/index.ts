/**
 * Registers every API a broker answers with the dispatcher (Kafka's KafkaApis routing table):
 * one line per API, each handler in its own file.
 */
import type { Logger } from '../../common/logger';
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import { kafkaApiVersions } from '../../protocol/kafka/apis';
import type { Dispatcher } from '../dispatcher';
import type { RequestContext } from '../request-context';
import type { ReplicaManager } from '../replica-manager';
import type { TopicCreationDeps } from '../topic-creation';
import { guarded, requireAuthorized, type AuthorizeRequest } from './authorization';
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
import type { AclOperation } from '../../security/acl';

export interface BrokerHandlerDeps extends TopicCreationDeps {
  replicaManager: ReplicaManager;
  configAdmin: ConfigAdminPort;
  partitionAdmin: PartitionAdminPort;
  clusterId: () => string | null;
  controller: () => ControllerPort | undefined;
  logger: Logger;
  /** The authorizer's question (always yes without authorizer.class.name). */
  authorize: AuthorizeRequest;
  /** The group coordinator; without it the group APIs are not offered. */
  groupCoordinator?: GroupCoordinator;
}

export function registerBrokerHandlers(dispatcher: Dispatcher, deps: BrokerHandlerDeps): void {
  const { replicaManager, metadataCache, logger, authorize } = deps;
  // Kafka's inter-broker requests need ClusterAction on the cluster; ElectLeaders Alter, DescribeLogDirs Describe.
  const clusterOperation = (operation: AclOperation) => (_body: unknown, ctx: RequestContext): void => requireAuthorized(authorize, ctx, operation, 'Cluster');
  const clusterAction = clusterOperation('ClusterAction');
  dispatcher.register(ApiKey.Produce, produceHandler(replicaManager, authorize), { pipelined: true });
  dispatcher.register(ApiKey.Fetch, fetchHandler(replicaManager, authorize));
  dispatcher.register(ApiKey.ListOffsets, listOffsetsHandler(replicaManager, authorize));
  dispatcher.register(ApiKey.Metadata, metadataHandler(deps));
  dispatcher.register(ApiKey.LeaderAndIsr, guarded(clusterAction, leaderAndIsrHandler(replicaManager)));
  dispatcher.register(ApiKey.StopReplica, guarded(clusterAction, stopReplicaHandler(replicaManager)));
  dispatcher.register(ApiKey.UpdateMetadata, guarded(clusterAction, updateMetadataHandler(replicaManager, metadataCache, logger)));
  dispatcher.register(ApiKey.ControlledShutdown, guarded(clusterAction, controlledShutdownHandler(deps.controller)));
  dispatcher.register(ApiKey.ApiVersions, apiVersionsHandler((protocol) => (protocol === 'kafka' ? kafkaApiVersions((key) => dispatcher.offers(key)) : dispatcher.supportedApis())));
  dispatcher.register(ApiKey.CreateTopics, createTopicsHandler(deps));
  dispatcher.register(ApiKey.DeleteTopics, deleteTopicsHandler(deps));
  dispatcher.register(ApiKey.DeleteRecords, deleteRecordsHandler(replicaManager, authorize));
  dispatcher.register(ApiKey.OffsetsForLeaderEpoch, offsetsForLeaderEpochHandler(replicaManager, authorize));
  dispatcher.register(ApiKey.DescribeLogDirs, guarded(clusterOperation('Describe'), describeLogDirsHandler(replicaManager)));
  dispatcher.register(ApiKey.DescribeConfigs, describeConfigsHandler(deps));
  dispatcher.register(ApiKey.AlterConfigs, alterConfigsHandler(deps));
  dispatcher.register(ApiKey.CreatePartitions, createPartitionsHandler(deps));
  dispatcher.register(ApiKey.ElectLeaders, guarded(clusterOperation('Alter'), electLeadersHandler(deps)));
  dispatcher.register(ApiKey.SaslHandshake, saslHandshakeHandler);
  dispatcher.register(ApiKey.SaslAuthenticate, saslAuthenticateHandler);
  if (deps.groupCoordinator) registerGroupHandlers(dispatcher, deps, deps.groupCoordinator);
}

/** The group coordinator's APIs (Kafka's handleJoinGroupRequest and friends). */
function registerGroupHandlers(dispatcher: Dispatcher, deps: BrokerHandlerDeps, coordinator: GroupCoordinator): void {
  // Kafka's group APIs need Read on the group (OffsetFetch Describe, which Read implies).
  const group = (operation: 'Read' | 'Describe') => (body: { groupId: string }, ctx: RequestContext): void => requireAuthorized(deps.authorize, ctx, operation, 'Group', body.groupId);
  dispatcher.register(ApiKey.FindCoordinator, findCoordinatorHandler(deps));
  dispatcher.register(ApiKey.JoinGroup, guarded(group('Read'), joinGroupHandler(coordinator)));
  dispatcher.register(ApiKey.SyncGroup, guarded(group('Read'), syncGroupHandler(coordinator)));
  dispatcher.register(ApiKey.Heartbeat, guarded(group('Read'), heartbeatHandler(coordinator)));
  dispatcher.register(ApiKey.LeaveGroup, guarded(group('Read'), leaveGroupHandler(coordinator)));
  dispatcher.register(ApiKey.OffsetCommit, offsetCommitHandler(coordinator, deps.authorize));
  dispatcher.register(ApiKey.OffsetFetch, guarded(group('Describe'), offsetFetchHandler(coordinator)));
  dispatcher.register(ApiKey.DescribeGroups, describeGroupsHandler(coordinator, deps.authorize));
  dispatcher.register(ApiKey.ListGroups, listGroupsHandler(coordinator, deps.authorize));
  dispatcher.register(ApiKey.DeleteGroups, deleteGroupsHandler(coordinator, deps.authorize));
}
