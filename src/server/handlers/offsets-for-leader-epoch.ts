/** OffsetsForLeaderEpoch (key 23): where a leader epoch ends in the leader's log (KIP-101 truncation). */
import { ApiKey } from '../../protocol/api-keys';
import type { OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';

export function offsetsForLeaderEpochHandler(replicaManager: ReplicaManager): Handler<typeof ApiKey.OffsetsForLeaderEpoch> {
  return (body: OffsetsForLeaderEpochRequest): OffsetsForLeaderEpochResponse => {
    const results = replicaManager.lastOffsetForLeaderEpoch(flattenByTopic(body.topics, 'OffsetsForLeaderEpoch'));
    return { topics: groupByTopic(results) };
  };
}
