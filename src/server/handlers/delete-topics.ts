/**
 * DeleteTopics (key 20): queues each topic under /admin/delete_topics for the controller, which
 * stops its replicas (deleting the files) and removes its znodes; waits up to timeoutMs for the
 * topic to leave this broker's metadata cache.
 */
import type { BrokerConfig } from '../../common/config';
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { MetadataCache } from '../metadata-cache';
import { partitionError } from '../partition-error';
import type { AuthorizeRequest } from './authorization';
import { requireArray } from './by-topic';
import type { TopicAdminPort } from './ports';

type TopicResult = DeleteTopicsResponse['responses'][number];

export interface DeleteTopicsDeps {
  config: BrokerConfig;
  metadataCache: MetadataCache;
  topicAdmin: TopicAdminPort;
  logger: Logger;
  authorize: AuthorizeRequest;
}

export function deleteTopicsHandler(deps: DeleteTopicsDeps): Handler<typeof ApiKey.DeleteTopics> {
  return async (body: DeleteTopicsRequest, ctx): Promise<DeleteTopicsResponse> => {
    const names = [...new Set(requireArray(body.topicNames, 'DeleteTopics.topicNames'))];
    const responses: TopicResult[] = [];
    const queued: TopicResult[] = [];
    for (const name of names) {
      const result: TopicResult = { name, errorCode: ErrorCode.NONE.code, errorMessage: null };
      responses.push(result);
      if (!deps.authorize(ctx, 'Delete', 'Topic', name)) {
        Object.assign(result, { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, errorMessage: `${ctx.principal} may not delete topic ${name}` });
      } else if (!deps.config.deleteTopicEnable) {
        Object.assign(result, { errorCode: ErrorCode.TOPIC_DELETION_DISABLED.code, errorMessage: 'delete.topic.enable is false on this broker' });
      } else if (!deps.metadataCache.hasTopic(name)) {
        Object.assign(result, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, errorMessage: `topic ${name} does not exist` });
      } else {
        try {
          await deps.topicAdmin.markTopicForDeletion(name);
          queued.push(result);
          deps.logger.info(`topic ${name} marked for deletion`);
        } catch (err) {
          Object.assign(result, partitionError(err, `delete topic ${name}`, deps.logger));
        }
      }
    }
    await awaitDeletion(queued, body.timeoutMs, deps.metadataCache);
    return { responses };
  };
}

/** Kafka's DelayedDeleteTopics; a timeout of 0 or less does not wait and answers REQUEST_TIMED_OUT for the queued topics, as Kafka does. */
async function awaitDeletion(queued: TopicResult[], timeoutMs: number, cache: MetadataCache): Promise<void> {
  if (queued.length === 0) return;
  if (timeoutMs > 0) await cache.waitUntil(() => queued.every((t) => !cache.hasTopic(t.name)), timeoutMs);
  for (const result of queued) {
    if (timeoutMs > 0 && !cache.hasTopic(result.name)) continue;
    result.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
    result.errorMessage = `topic ${result.name} is marked for deletion, but the deletion did not finish within ${timeoutMs} ms`;
  }
}
