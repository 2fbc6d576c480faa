/** DeleteRecords (key 21): each partition's leader moves its log start up, then waits for its live followers to do the same. */
import { ApiKey } from '../../protocol/api-keys';
import type { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';
import { splitByTopic, type AuthorizeRequest } from './authorization';
import { ErrorCode } from '../../common/errors';

/** Kafka's handleDeleteRecordsRequest: Delete on each topic. */
export function deleteRecordsHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.DeleteRecords> {
  return async (body: DeleteRecordsRequest, ctx): Promise<DeleteRecordsResponse> => {
    const { authorized, refused } = splitByTopic(flattenByTopic(body.topics, 'DeleteRecords'), authorize, ctx, 'Delete');
    const denied = refused.map(({ topic, partition }) => ({ topic, partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, errorMessage: null, lowWatermark: -1 }));
    return { topics: groupByTopic([...denied, ...await replicaManager.deleteRecords(body.timeoutMs, authorized)]) };
  };
}
