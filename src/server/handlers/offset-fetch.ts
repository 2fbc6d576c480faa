/** OffsetFetch (key 9): a group's committed offsets, -1 where it has none. */
import { ErrorCode } from '../../common/errors';
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { groupByTopic, requireArray } from './by-topic';

export function offsetFetchHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.OffsetFetch> {
  return (body: OffsetFetchRequest): OffsetFetchResponse => {
    const partitions = body.topics == null ? undefined
      : requireArray(body.topics, 'OffsetFetch.topics').flatMap((t) => requireArray(t.partitions, `OffsetFetch.topics[${t.name}]`).map((partition) => ({ topic: t.name, partition })));
    const { errorCode, offsets } = coordinator.fetchOffsets(body.groupId, partitions);
    const results = offsets.map((o) => ({ topic: o.topic, partition: o.partition, committedOffset: o.offset, metadata: o.metadata, errorCode: ErrorCode.NONE.code }));
    return { errorCode, topics: groupByTopic(results) };
  };
}
