/** OffsetsForLeaderEpoch (key 23): where a leader epoch ends in the leader's log (KIP-101 truncation). */
import { ApiKey } from '../../protocol/api-keys';
import type { OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { ReplicaManager } from '../replica-manager';
import { flattenByTopic, groupByTopic } from './by-topic';
import { requireAuthorized, splitByTopic, type AuthorizeRequest } from './authorization';
import { ErrorCode } from '../../common/errors';

/** Kafka's handleOffsetForLeaderEpochRequest: a follower needs ClusterAction, a consumer Describe on each topic. */
export function offsetsForLeaderEpochHandler(replicaManager: ReplicaManager, authorize: AuthorizeRequest): Handler<typeof ApiKey.OffsetsForLeaderEpoch> {
  return (body: OffsetsForLeaderEpochRequest, ctx): OffsetsForLeaderEpochResponse => {
    const requested = flattenByTopic(body.topics, 'OffsetsForLeaderEpoch');
    if (body.replicaId >= 0) requireAuthorized(authorize, ctx, 'ClusterAction', 'Cluster');
    const { authorized, refused } = body.replicaId >= 0 ? { authorized: requested, refused: [] } : splitByTopic(requested, authorize, ctx, 'Describe');
    const denied = refused.map(({ topic, partition }) => ({ topic, partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code, leaderEpoch: -1, endOffset: -1 }));
    return { topics: groupByTopic([...denied, ...replicaManager.lastOffsetForLeaderEpoch(authorized)]) };
  };
}
