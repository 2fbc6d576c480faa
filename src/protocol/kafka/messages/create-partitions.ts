/**
 * CreatePartitions (key 37), versions 0-1 (1 is 0; it only changed when a throttled broker
 * answers): a topic's new partition count, with the new partitions' replica lists or null.
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

export const createPartitionsApi = kafkaApi({
  apiKey: ApiKey.CreatePartitions,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('CreatePartitionsRequest', [
    array('topics', '0+', [
      field('name', 'string'),
      field('count', 'int32'),
      array('assignments', '0+', [arrayOf('brokerIds', 'int32')], { nullable: '0+', default: null }),
    ]),
    field('timeoutMs', 'int32'),
    field('validateOnly', 'bool'),
  ]),
  response: message('CreatePartitionsResponse', [
    field('throttleTimeMs', 'int32'),
    array('results', '0+', [
      field('name', 'string'),
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullable: '0+' }),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    results: (request.topics ?? []).map((t) => ({ name: t.name, errorCode, errorMessage: null })),
  }),
});
