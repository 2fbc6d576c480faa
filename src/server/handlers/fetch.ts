/** Fetch (key 1): consumers and followers read raw batches, long-polling in the fetch purgatory. */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import { CLUSTER_RESOURCE_NAME } from '../../security/acl';
import type { FetchRequest, FetchResponse } from '../../protocol/messages';
import { AnswerThen, type Handler } from '../dispatcher';
import { fetchReadBuffers } from '../fetch-read-buffers';
import type { ReplicaManager } from '../replica-manager';
import { splitByTopic, type AuthorizeRequest } from './authorization';
import { flattenByTopic, groupByTopic } from './by-topic';

/**
 * Kafka's handleFetchRequest: a follower (replicaId >= 0) needs ClusterAction on the cluster, a
 * consumer Read on each topic; a partition refused is answered TOPIC_AUTHORIZATION_FAILED.
 */
export function fetchHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.Fetch> {
  return async (body: FetchRequest, ctx): Promise<AnswerThen<FetchResponse>> => {
    const requested = flattenByTopic(body.topics, 'Fetch');
    const { authorized: partitions, refused } = body.replicaId >= 0
      ? (authorize(ctx, 'ClusterAction', 'Cluster', CLUSTER_RESOURCE_NAME) ? { authorized: requested, refused: [] } : { authorized: [], refused: requested })
      : splitByTopic(requested, authorize, ctx, 'Read');
    const denied = refused.map(({ topic, partition }) => ({
      topic, partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, errorMessage: null, highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: null,
    }));
    const fetched = await replicaManager.fetchMessages({
      replicaId: body.replicaId,
      maxWaitMs: body.maxWaitMs,
      minBytes: body.minBytes,
      maxBytes: body.maxBytes,
      partitions,
    });
    const results = [...denied, ...fetched];
    const response: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE.code, topics: groupByTopic(results) };
    // The records are views of lent read buffers: they go back once the answer is on the socket.
    return new AnswerThen(response, () => { for (const r of results) fetchReadBuffers.release(r.records); });
  };
}
