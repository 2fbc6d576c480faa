/**
 * CreateTopics (key 19): any broker checks the request and writes each topic's assignment to
 * ZooKeeper; it then waits (up to timeoutMs) for the controller's UpdateMetadata to bring every
 * new partition's leader into this broker's metadata cache, so the client can use the topic at
 * once (delayed-create-partitions.ts).
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages';
import { awaitLeaders, type WrittenTopic } from '../delayed-create-partitions';
import type { Handler } from '../dispatcher';
import { CLUSTER_RESOURCE_NAME } from '../../security/acl';
import type { AuthorizeRequest } from './authorization';
import { partitionError } from '../partition-error';
import { createTopic, type TopicCreationDeps } from '../topic-creation';
import { requireArray } from './by-topic';

type TopicResult = CreateTopicsResponse['topics'][number];

export function createTopicsHandler(deps: TopicCreationDeps & { logger: Logger; authorize: AuthorizeRequest }): Handler<typeof ApiKey.CreateTopics> {
  return async (body: CreateTopicsRequest, ctx): Promise<CreateTopicsResponse> => {
    // Kafka's handleCreateTopicsRequest: Create on the cluster allows every topic, else Create on each.
    const mayCreateAll = deps.authorize(ctx, 'Create', 'Cluster', CLUSTER_RESOURCE_NAME);
    const requests = requireArray(body.topics, 'CreateTopics.topics');
    const counts = new Map<string, number>();
    for (const t of requests) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const created: WrittenTopic[] = [];
    for (const request of requests) {
      const result: TopicResult = { name: request.name, errorCode: ErrorCode.NONE.code, errorMessage: null };
      results.push(result);
      if ((counts.get(request.name) ?? 0) > 1) {
        Object.assign(result, { errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: `topic ${request.name} is named more than once in the request` });
        continue;
      }
      if (!mayCreateAll && !deps.authorize(ctx, 'Create', 'Topic', request.name)) {
        Object.assign(result, { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, errorMessage: `${ctx.principal} may not create topic ${request.name}` });
        continue;
      }
      try {
        await createTopic(request, deps, body.validateOnly);
        if (!body.validateOnly) created.push({ result, done: `topic ${request.name} was created` });
        deps.logger.info(`${body.validateOnly ? 'validated' : 'created'} topic ${request.name}`);
      } catch (err) {
        Object.assign(result, partitionError(err, `create topic ${request.name}`, deps.logger));
      }
    }
    await awaitLeaders(created, body.timeoutMs, deps.metadataCache);
    return { topics: results };
  };
}
