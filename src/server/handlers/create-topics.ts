/**
 * CreateTopics (key 19): any broker checks the request and writes each topic's assignment to
 * ZooKeeper; it then waits (up to timeoutMs) for the controller's UpdateMetadata to bring every
 * new partition's leader into this broker's metadata cache, so the client can use the topic at once.
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { partitionError } from '../partition-error';
import { createTopic, type TopicCreationDeps } from '../topic-creation';
import { requireArray } from './by-topic';

type TopicResult = CreateTopicsResponse['topics'][number];

export function createTopicsHandler(deps: TopicCreationDeps & { logger: Logger }): Handler<typeof ApiKey.CreateTopics> {
  return async (body: CreateTopicsRequest): Promise<CreateTopicsResponse> => {
    const requests = requireArray(body.topics, 'CreateTopics.topics');
    const counts = new Map<string, number>();
    for (const t of requests) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const created: TopicResult[] = [];
    for (const request of requests) {
      const result: TopicResult = { name: request.name, errorCode: ErrorCode.NONE.code, errorMessage: null };
      results.push(result);
      if ((counts.get(request.name) ?? 0) > 1) {
        Object.assign(result, { errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: `topic ${request.name} is named more than once in the request` });
        continue;
      }
      try {
        await createTopic(request, deps, body.validateOnly);
        if (!body.validateOnly) created.push(result);
        deps.logger.info(`${body.validateOnly ? 'validated' : 'created'} topic ${request.name}`);
      } catch (err) {
        Object.assign(result, partitionError(err, `create topic ${request.name}`, deps.logger));
      }
    }
    await awaitLeaders(created, body.timeoutMs, deps);
    return { topics: results };
  };
}

/**
 * Kafka's DelayedCreatePartitions: topics whose leaders do not show up in time answer
 * REQUEST_TIMED_OUT (they are created all the same). A timeout of 0 or less does not wait, and so
 * answers REQUEST_TIMED_OUT for every topic written, as Kafka's AdminManager does.
 */
async function awaitLeaders(created: TopicResult[], timeoutMs: number, deps: TopicCreationDeps): Promise<void> {
  if (created.length === 0) return;
  const cache = deps.metadataCache;
  if (timeoutMs > 0) await cache.waitUntil(() => created.every((t) => cache.hasLeaders(t.name)), timeoutMs);
  for (const result of created) {
    if (timeoutMs > 0 && cache.hasLeaders(result.name)) continue;
    result.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
    result.errorMessage = `topic ${result.name} was created, but its partitions had no leaders within ${timeoutMs} ms`;
  }
}
