/** DeleteRecords (key 21): each partition's leader moves its log start up, then waits for its live followers to do the same. */
import { ApiKey } from '../../protocol/api-keys';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';

export function deleteRecordsHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.DeleteRecords> {
  return async (body: DeleteRecordsRequest): Promise<DeleteRecordsResponse> => {
    const results = await replicaManager.deleteRecords(body.timeoutMs, flattenByTopic(body.topics, 'DeleteRecords'));
    return { topics: groupByTopic(results) };
  };
}
