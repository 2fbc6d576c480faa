/** ListOffsets (key 2): earliest, latest (the high watermark for consumers) or by timestamp, from leaders. */
import { ApiKey } from '../../protocol/api-keys';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';

export function listOffsetsHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.ListOffsets> {
  return (body: ListOffsetsRequest): ListOffsetsResponse => {
    const results = replicaManager.listOffsets(body.replicaId, flattenByTopic(body.topics, 'ListOffsets'));
    return { topics: groupByTopic(results) };
  };
}
