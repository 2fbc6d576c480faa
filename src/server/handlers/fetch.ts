/** Fetch (key 1): consumers and followers read raw batches, long-polling in the fetch purgatory. */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { FetchRequest, FetchResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { fetchReadBuffers, releaseAfterWrite } from '../fetch-read-buffers';
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
    const response: FetchResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE.code, topics: groupByTopic(results) };
    // The records are views of lent read buffers: they go back once the answer is on the socket.
    // Not enumerable: the answer's fields stay what the message says.
    const release = (): void => { for (const r of results) fetchReadBuffers.release(r.records); };
    return Object.defineProperty(response, releaseAfterWrite, { value: release, enumerable: false });
  };
}
