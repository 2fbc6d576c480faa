/**
 * CreatePartitions (key 37): more partitions for existing topics, as `josef topic alter
 * --partitions` adds them (topic-admin.ts addPartitions: only more, never fewer; explicit replica
 * lists checked; not during a reassignment). Only the controller answers, as Kafka 2.x's does
 * (every client sends it there); it then waits up to timeoutMs for the new partitions' leaders,
 * as CreateTopics does (delayed-create-partitions.ts).
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import type { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages';
import { awaitLeaders, type WrittenTopic } from '../delayed-create-partitions';
import type { Handler } from '../dispatcher';
import type { MetadataCache } from '../metadata-cache';
import { partitionError } from '../partition-error';
import { requireArray } from './by-topic';
import type { ControllerPort, PartitionAdminPort } from './ports';
import type { AuthorizeRequest } from './authorization';

type TopicResult = CreatePartitionsResponse['results'][number];

export interface CreatePartitionsDeps {
  metadataCache: MetadataCache;
  partitionAdmin: PartitionAdminPort;
  controller: () => ControllerPort | undefined;
  logger: Logger;
  authorize: AuthorizeRequest;
}

export function createPartitionsHandler(deps: CreatePartitionsDeps): Handler<typeof ApiKey.CreatePartitions> {
  return async (body: CreatePartitionsRequest, ctx): Promise<CreatePartitionsResponse> => {
    const topics = requireArray(body.topics, 'CreatePartitions.topics');
    const validateOnly = body.validateOnly === true;
    const isController = deps.controller()?.isActive === true;
    const results: TopicResult[] = [];
    const written: WrittenTopic[] = [];
    for (const topic of topics) {
      const result: TopicResult = { name: topic.name, errorCode: ErrorCode.NONE.code, errorMessage: null };
      results.push(result);
      // Kafka's handleCreatePartitionsRequest: Alter on each topic.
      if (!deps.authorize(ctx, 'Alter', 'Topic', topic.name)) {
        result.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED.code;
      } else if (!isController) {
        result.errorCode = ErrorCode.NOT_CONTROLLER.code;
      } else if (topics.filter((t) => t.name === topic.name).length > 1) {
        Object.assign(result, { errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: 'Duplicate topic in request.' }); // Kafka's words
      } else {
        try {
          await deps.partitionAdmin.addPartitions(topic.name, topic.count, topic.assignments?.map((a) => a.brokerIds), validateOnly);
          if (!validateOnly) written.push({ result, partitionCount: topic.count, done: `topic ${topic.name} was given ${topic.count} partitions` });
          deps.logger.info(`${validateOnly ? 'validated' : 'made'} ${topic.count} partitions for topic ${topic.name}`);
        } catch (err) {
          Object.assign(result, partitionError(err, `create partitions of topic ${topic.name}`, deps.logger));
        }
      }
    }
    await awaitLeaders(written, body.timeoutMs, deps.metadataCache);
    return { throttleTimeMs: 0, results };
  };
}
