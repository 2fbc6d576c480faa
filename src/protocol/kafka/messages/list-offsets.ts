/**
 * ListOffsets (key 2), versions 0-3. Version 0 asked for up to `maxNumOffsets` offsets and got an
 * array (Kafka listed segment base offsets after the latest); Josef answers it with the one offset
 * later versions give, which is what clients ask version 0 for (maxNumOffsets 1). Without
 * transactions both isolation levels (version 2 on) see up to the high watermark.
 */
import { ApiKey } from '../../api-keys';
import type { ListOffsetsResponse } from '../../messages';
import { eachPartitionFails, kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

export const listOffsetsApi = kafkaApi({
  apiKey: ApiKey.ListOffsets,
  versions: '0-3',
  flexibleVersions: '6+',
  request: message('ListOffsetsRequest', [
    field('replicaId', 'int32'),
    field('isolationLevel', 'int8', '2+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
        field('timestamp', 'int64'),
        field('maxNumOffsets', 'int32', '0', { default: 1 }),
      ]),
    ]),
  ]),
  response: message('ListOffsetsResponse', [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('errorCode', 'int16'),
        arrayOf('oldStyleOffsets', 'int64', '0'),
        field('timestamp', 'int64', '1+', { default: -1 }),
        field('offset', 'int64', '1+', { default: -1 }),
        field('leaderEpoch', 'int32', '4+', { default: -1 }),
      ]),
    ]),
  ]),
  toKafkaResponse: (response: ListOffsetsResponse, version) => {
    if (version === 0) {
      for (const topic of response.topics) {
        for (const p of topic.partitions) (p as unknown as Struct).oldStyleOffsets = p.offset >= 0 ? [p.offset] : [];
      }
    }
    return response as unknown as Struct;
  },
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: eachPartitionFails(request.topics, (p) => ({ partition: p.partition, errorCode })),
  }),
});
