/**
 * Produce (key 0), versions 3-7: the versions that carry v2 record batches (3 is the first, and
 * librdkafka needs it to produce them). The batches travel as bytes: the broker checks them and
 * appends the same bytes.
 */
import { ApiKey } from '../../api-keys';
import { eachPartitionFails, kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const produceApi = kafkaApi({
  apiKey: ApiKey.Produce,
  versions: '3-7',
  flexibleVersions: '9+',
  request: message('ProduceRequest', [
    // Josef has no transactions; a transactional producer is refused by InitProducerId, which is not offered.
    field('transactionalId', 'string', '3+', { nullable: '3+', default: null }),
    field('acks', 'int16'),
    field('timeoutMs', 'int32'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('records', 'records', '0+', { nullable: '0+' }),
      ]),
    ]),
  ]),
  response: message('ProduceResponse', [
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('errorCode', 'int16'),
        field('baseOffset', 'int64'),
        field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
      ]),
    ]),
    field('throttleTimeMs', 'int32', '1+'),
  ]),
  errorResponse: (request, errorCode) => ({
    topics: eachPartitionFails(request.topics, (p) => ({ partition: p.partition, errorCode, baseOffset: -1 })),
    throttleTimeMs: 0,
  }),
});
