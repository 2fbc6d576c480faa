/**
 * DeleteRecords (key 21), versions 0-1 (the same message; version 1 only changed when a throttled
 * broker answers). Each partition's leader is asked for the records before an offset (-1: before
 * the high watermark) and answers with the partition's low watermark once its live replicas have
 * deleted them too, or REQUEST_TIMED_OUT after timeoutMs.
 */
import { ApiKey } from '../../api-keys';
import { INVALID_LOW_WATERMARK } from '../../messages';
import { eachPartitionFails, kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const deleteRecordsApi = kafkaApi({
  apiKey: ApiKey.DeleteRecords,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('DeleteRecordsRequest', [
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('offset', 'int64'),
      ]),
    ]),
    field('timeoutMs', 'int32'),
  ]),
  response: message('DeleteRecordsResponse', [
    field('throttleTimeMs', 'int32'),
    array('topics', '0+', [
      field('name', 'string'),
      array('partitions', '0+', [
        field('partition', 'int32'),
        field('lowWatermark', 'int64', '0+', { default: INVALID_LOW_WATERMARK }),
        field('errorCode', 'int16'),
      ]),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: eachPartitionFails(request.topics, (p) => ({ partition: p.partition, lowWatermark: INVALID_LOW_WATERMARK, errorCode })),
  }),
});
