/** OffsetCommit (key 8): checked against the member's generation, then written to __consumer_offsets with acks=all. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { ErrorCode } from '../../common/errors';
import { requireAuthorized, splitByTopic, type AuthorizeRequest } from './authorization';
import { flattenByTopic, groupByTopic } from './by-topic';
import { refuseStaticMember } from './static-membership';

/** Kafka's handleOffsetCommitRequest: Read on the group for the request, Read on each topic for its partitions. */
export function offsetCommitHandler(coordinator: GroupCoordinator, authorize: AuthorizeRequest): Handler<typeof ApiKey.OffsetCommit> {
  return async (body: OffsetCommitRequest, ctx): Promise<OffsetCommitResponse> => {
    requireAuthorized(authorize, ctx, 'Read', 'Group', body.groupId);
    refuseStaticMember(body.groupInstanceId, 'OffsetCommit');
    const requested = flattenByTopic(body.topics, 'OffsetCommit')
      .map((e) => ({ topic: e.topic, partition: e.partition, offset: e.committedOffset, metadata: e.committedMetadata ?? '' }));
    const { authorized: entries, refused } = splitByTopic(requested, authorize, ctx, 'Read');
    const codes = await coordinator.commitOffsets(body.groupId, body.generationId ?? -1, body.memberId ?? '', entries);
    const denied = refused.map(({ topic, partition }) => ({ topic, partition, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED.code }));
    return { topics: groupByTopic([...denied, ...entries.map((e, i) => ({ topic: e.topic, partition: e.partition, errorCode: codes[i] }))]) };
  };
}
