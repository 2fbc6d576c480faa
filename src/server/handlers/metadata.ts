/**
 * Metadata (key 3), answered from the metadata cache: live brokers, the controller, and each
 * topic's partitions with leader, replicas and ISR, in the addresses of the listener the request
 * came in on (a broker without that listener is left out, as Kafka does). An unknown topic is
 * created when both the client and auto.create.topics.enable allow it (Kafka's rules and
 * defaults), and the answer then waits a bounded time for its leaders, so a first produce to a
 * new topic needs no retry.
 */
import { ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { isInternalTopic } from '../../common/topic';
import { ApiKey } from '../../protocol/api-keys';
import type { CreatableTopic, MetadataRequest, MetadataResponse, TopicMetadata } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { RequestContext } from '../request-context';
import { partitionError } from '../partition-error';
import { createTopic, type TopicCreationDeps } from '../topic-creation';
import { CLUSTER_RESOURCE_NAME } from '../../security/acl';
import type { AuthorizeRequest } from './authorization';
import { requireArray } from './by-topic';

/** How long a Metadata request waits for an auto-created topic's leaders before LEADER_NOT_AVAILABLE. */
export const AUTO_CREATE_LEADER_WAIT_MS = 5_000;

export interface MetadataHandlerDeps extends TopicCreationDeps {
  clusterId: () => string | null;
  authorize: AuthorizeRequest;
  logger: Logger;
  autoCreateLeaderWaitMs?: number;
}

function emptyTopic(name: string, errorCode: number): TopicMetadata {
  return { errorCode, name, isInternal: isInternalTopic(name), partitions: [] };
}

export function metadataHandler(deps: MetadataHandlerDeps): Handler<typeof ApiKey.Metadata> {
  const cache = deps.metadataCache;
  return async (body: MetadataRequest, ctx: RequestContext): Promise<MetadataResponse> => {
    const requested = body.topics === null ? null : [...new Set(requireArray(body.topics, 'Metadata.topics'))];
    // Kafka's handleTopicMetadataRequest: a topic the principal may not Describe is left out of
    // "all topics" and answered TOPIC_AUTHORIZATION_FAILED when named; auto-creating needs Create
    // on the cluster or the topic.
    const describable = (name: string): boolean => deps.authorize(ctx, 'Describe', 'Topic', name);
    const names = requested ?? cache.topicNames().filter((name) => deps.authorize(ctx, 'Describe', 'Topic', name, false));
    const mayCreate = requested !== null && body.allowAutoTopicCreation === true && deps.config.autoCreateTopicsEnable;
    const creatable = (name: string): boolean => deps.authorize(ctx, 'Create', 'Cluster', CLUSTER_RESOURCE_NAME) || deps.authorize(ctx, 'Create', 'Topic', name);
    const created: string[] = [];
    const errors = new Map<string, number>();
    for (const name of names) {
      if (requested !== null && !describable(name)) {
        errors.set(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED.code);
        continue;
      }
      if (cache.hasTopic(name)) continue;
      if (!mayCreate || !creatable(name)) {
        errors.set(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
        continue;
      }
      const errorCode = await autoCreate(name, deps);
      if (errorCode === ErrorCode.NONE.code) created.push(name);
      else errors.set(name, errorCode);
    }
    if (created.length > 0) {
      await cache.waitUntil(() => created.every((t) => cache.hasLeaders(t)), deps.autoCreateLeaderWaitMs ?? AUTO_CREATE_LEADER_WAIT_MS);
    }
    const errorUnavailableListeners = listenerNotFoundAnswerable(ctx);
    const topics = names.map((name) => {
      const error = errors.get(name);
      if (error !== undefined) return emptyTopic(name, error);
      if (created.includes(name) && !cache.hasLeaders(name)) return emptyTopic(name, ErrorCode.LEADER_NOT_AVAILABLE.code);
      return cache.topicMetadata(name, ctx.listenerName, errorUnavailableListeners) ?? emptyTopic(name, ErrorCode.LEADER_NOT_AVAILABLE.code);
    });
    return { brokers: cache.aliveNodes(ctx.listenerName), clusterId: deps.clusterId(), controllerId: cache.controllerId, topics };
  };
}

/**
 * Kafka answers a leader without the request's listener with LISTENER_NOT_FOUND from Metadata v6 on
 * and with LEADER_NOT_AVAILABLE before (KafkaApis' errorUnavailableListeners). Josef's own protocol
 * has no older clients to spare and always says LISTENER_NOT_FOUND.
 */
function listenerNotFoundAnswerable(ctx: RequestContext): boolean {
  return ctx.protocol === 'josef' || ctx.apiVersion >= 6;
}

/**
 * Kafka's getOrCreateTopics: the internal offsets topic takes offsets.topic.* and needs enough live
 * brokers (else COORDINATOR_NOT_AVAILABLE); other topics take num.partitions and
 * default.replication.factor, failing as CreateTopics would. A topic someone else just created counts as created.
 */
async function autoCreate(name: string, deps: MetadataHandlerDeps): Promise<number> {
  const internal = isInternalTopic(name);
  const { config } = deps;
  const request: CreatableTopic = {
    name,
    numPartitions: internal ? config.offsetsTopicNumPartitions : config.numPartitions,
    replicationFactor: internal ? config.offsetsTopicReplicationFactor : config.defaultReplicationFactor,
    assignments: [],
    configs: {},
  };
  if (internal && deps.metadataCache.aliveBrokerIds().length < request.replicationFactor) return ErrorCode.COORDINATOR_NOT_AVAILABLE.code;
  try {
    await createTopic(request, deps);
    deps.logger.info(`auto-created topic ${name} with ${request.numPartitions} partition(s), replication factor ${request.replicationFactor}`);
    return ErrorCode.NONE.code;
  } catch (err) {
    if (err instanceof JosefError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS.code) return ErrorCode.NONE.code;
    return partitionError(err, `auto-create topic ${name}`, deps.logger).errorCode;
  }
}
