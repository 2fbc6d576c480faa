/**
 * OffsetCommit (key 8), versions 2-7. Versions 2-4 carry a retention time for the offsets; Josef
 * keeps committed offsets until they are overwritten (it has no offsets.retention.minutes), so the
 * retention time is read and not used. Versions 6+ carry each offset's leader epoch, which Josef
 * does not store (it writes Kafka's OffsetCommitValue v0): OffsetFetch answers -1, "unknown", for
 * it. Version 7 names a group.instance.id, served only when null (src/server/handlers/static-membership.ts).
 */
import { ApiKey } from '../../api-keys';
import { eachPartitionFails, kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const offsetCommitApi = kafkaApi({
  apiKey: ApiKey.OffsetCommit,
  versions: '2-7',
  flexibleVersions: '8+',
  request: message('OffsetCommitRequest', [
    field('groupId', 'string'),
    field('generationId', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '1+'),
    field('groupInstanceId', 'string', '7+', { nullable: '7+', default: null }),
    field('retentionTimeMs', 'int64', '2-4', { default: -1 }),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('committedOffset', 'int64'),
        field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
        field('committedMetadata', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
  ]),
  response: message('OffsetCommitResponse', [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('errorCode', 'int16'),
      ]),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({ topics: eachPartitionFails(request.topics, (p) => ({ partition: p.partition, errorCode })) }),
});
