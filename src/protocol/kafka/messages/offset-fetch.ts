/**
 * OffsetFetch (key 9), versions 1-5. Version 1 has no top-level error code: an error of the whole
 * group (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) is given to every partition asked for,
 * with offset -1 and empty metadata, as Kafka's getErrorResponse does. From version 2 null topics
 * ask for every partition the group has committed, and the group's error stands alone at the top.
 * Version 5's leader epoch is not stored by Josef: -1, "unknown" (offset-commit.ts).
 */
import { ErrorCode } from '../../../common/errors';
import { ApiKey } from '../../api-keys';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

/** The answer to `request` when the group as a whole fails, in `version`'s terms. */
function groupFails(request: OffsetFetchRequest, errorCode: number, version: number): Struct {
  if (version >= 2) return { errorCode, topics: [] };
  const topics = (request.topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((partition) => ({ partition, committedOffset: -1, metadata: '', errorCode })),
  }));
  return { errorCode, topics };
}

export const offsetFetchApi = kafkaApi({
  apiKey: ApiKey.OffsetFetch,
  versions: '1-5',
  flexibleVersions: '6+',
  request: message('OffsetFetchRequest', [
    field('groupId', 'string'),
    array('topics', '0+', [
      field('name', 'string'),
      arrayOf('partitions', 'int32'),
    ], { nullable: '2+' }),
  ]),
  response: message('OffsetFetchResponse', [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('committedOffset', 'int64'),
        field('committedLeaderEpoch', 'int32', '5+', { default: -1 }),
        field('metadata', 'string', '0+', { nullable: '0+' }),
        field('errorCode', 'int16'),
      ]),
    ]),
    field('errorCode', 'int16', '2+'),
  ]),
  toKafkaResponse: (response: OffsetFetchResponse, version, request): Struct =>
    (response.errorCode === ErrorCode.NONE.code ? (response as unknown as Struct) : groupFails(request, response.errorCode, version)),
  errorResponse: groupFails,
});
