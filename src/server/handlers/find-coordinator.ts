/**
 * FindCoordinator (key 10): the coordinator of group G is the leader of __consumer_offsets
 * partition abs(hash(G)) % offsets.topic.num.partitions, answered with its address on the listener
 * the request came in on. The first request creates the topic (replication factor capped to the
 * live brokers, as Kafka) and answers COORDINATOR_NOT_AVAILABLE until its leaders are known, or
 * while the leader lacks that listener (as Kafka); clients retry.
 */
import { ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { GROUP_METADATA_TOPIC, partitionForGroup } from '../../group/coordinator-partition';
import { ApiKey } from '../../protocol/api-keys';
import { COORDINATOR_TYPE_GROUP, type FindCoordinatorRequest, type FindCoordinatorResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { RequestContext } from '../request-context';
import { createTopic, type TopicCreationDeps } from '../topic-creation';
import type { AuthorizeRequest } from './authorization';

const notAvailable = (errorCode: number, errorMessage: string): FindCoordinatorResponse => ({ errorCode, errorMessage, nodeId: -1, host: '', port: -1 });

export function findCoordinatorHandler(deps: TopicCreationDeps & { logger: Logger; authorize: AuthorizeRequest }): Handler<typeof ApiKey.FindCoordinator> {
  return async (body: FindCoordinatorRequest, ctx: RequestContext): Promise<FindCoordinatorResponse> => {
    if ((body.keyType ?? COORDINATOR_TYPE_GROUP) !== COORDINATOR_TYPE_GROUP) {
      return notAvailable(ErrorCode.INVALID_REQUEST.code, `coordinator type ${body.keyType} is not supported: only groups (0)`);
    }
    if (typeof body.key !== 'string' || body.key === '') return notAvailable(ErrorCode.INVALID_GROUP_ID.code, 'the group id is empty');
    // Kafka's handleFindCoordinatorRequest: Describe on the group.
    if (!deps.authorize(ctx, 'Describe', 'Group', body.key)) return notAvailable(ErrorCode.GROUP_AUTHORIZATION_FAILED.code, `${ctx.principal} may not describe group ${body.key}`);
    const { metadataCache, config } = deps;
    if (!metadataCache.hasTopic(GROUP_METADATA_TOPIC)) {
      await createOffsetsTopic(deps);
      return notAvailable(ErrorCode.COORDINATOR_NOT_AVAILABLE.code, `${GROUP_METADATA_TOPIC} is being created`);
    }
    const partition = partitionForGroup(body.key, config.offsetsTopicNumPartitions);
    const leader = metadataCache.partitionState(GROUP_METADATA_TOPIC, partition)?.leader ?? -1;
    const endpoint = metadataCache.aliveNode(leader, ctx.listenerName);
    if (!endpoint) {
      const why = metadataCache.hasAliveBroker(leader) ? `its leader, broker ${leader}, has no ${ctx.listenerName} listener` : 'it has no live leader';
      return notAvailable(ErrorCode.COORDINATOR_NOT_AVAILABLE.code, `${GROUP_METADATA_TOPIC}-${partition}: ${why}`);
    }
    return { errorCode: ErrorCode.NONE.code, errorMessage: null, nodeId: endpoint.nodeId, host: endpoint.host, port: endpoint.port };
  };
}

/**
 * Kafka's createInternalTopic: offsets.topic.num.partitions, offsets.topic.replication.factor
 * capped to live brokers, and GroupMetadataManager's topic configs: compacted (the latest commit
 * per group and partition is all a coordinator needs), in segments of offsets.topic.segment.bytes.
 */
async function createOffsetsTopic(deps: TopicCreationDeps & { logger: Logger }): Promise<void> {
  const { config, metadataCache, logger } = deps;
  const live = metadataCache.aliveBrokerIds().length;
  const replicationFactor = Math.max(1, Math.min(config.offsetsTopicReplicationFactor, live));
  try {
    await createTopic({ name: GROUP_METADATA_TOPIC, numPartitions: config.offsetsTopicNumPartitions, replicationFactor, assignments: [], configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(config.offsetsTopicSegmentBytes) } }, deps);
    logger.info(`created ${GROUP_METADATA_TOPIC} with ${config.offsetsTopicNumPartitions} partitions, replication factor ${replicationFactor}`);
  } catch (err) {
    if (err instanceof JosefError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS.code) return;
    logger.warn(`cannot create ${GROUP_METADATA_TOPIC}: ${(err as Error).message}`);
  }
}
