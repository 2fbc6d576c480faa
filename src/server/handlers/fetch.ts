/** Fetch (key 1): consumers and followers read raw batches, long-polling in the fetch purgatory. */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { FetchRequest, FetchResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';

export function fetchHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.Fetch> {
  return async (body: FetchRequest): Promise<FetchResponse> => {
    const partitions = flattenByTopic(body.topics, 'Fetch');
    const results = await replicaManager.fetchMessages({
      replicaId: body.replicaId,
      maxWaitMs: body.maxWaitMs,
      minBytes: body.minBytes,
      maxBytes: body.maxBytes,
      partitions,
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE.code, topics: groupByTopic(results) };
  };
}
