/** OffsetCommit (key 8): checked against the member's generation, then written to __consumer_offsets with acks=all. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { flattenByTopic, groupByTopic } from './by-topic';
import { refuseStaticMember } from './static-membership';

export function offsetCommitHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.OffsetCommit> {
  return async (body: OffsetCommitRequest): Promise<OffsetCommitResponse> => {
    refuseStaticMember(body.groupInstanceId, 'OffsetCommit');
    const entries = flattenByTopic(body.topics, 'OffsetCommit')
      .map((e) => ({ topic: e.topic, partition: e.partition, offset: e.committedOffset, metadata: e.committedMetadata ?? '' }));
    const codes = await coordinator.commitOffsets(body.groupId, body.generationId ?? -1, body.memberId ?? '', entries);
    return { topics: groupByTopic(entries.map((e, i) => ({ topic: e.topic, partition: e.partition, errorCode: codes[i] }))) };
  };
}
