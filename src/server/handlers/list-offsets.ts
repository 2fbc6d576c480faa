/** ListOffsets (key 2): earliest, latest (the high watermark for consumers) or by timestamp, from leaders. */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { splitByTopic, type AuthorizeRequest } from './authorization';
import { flattenByTopic, groupByTopic } from './by-topic';

export function listOffsetsHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.ListOffsets> {
  return (body: ListOffsetsRequest, ctx): ListOffsetsResponse => {
    const { authorized, refused } = splitByTopic(flattenByTopic(body.topics, 'ListOffsets'), authorize, ctx, 'Describe');
    const denied = refused.map(({ topic, partition }) => ({ topic, partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, errorMessage: null, timestamp: -1, offset: -1 }));
    return { topics: groupByTopic([...denied, ...replicaManager.listOffsets(body.replicaId, authorized)]) };
  };
}
