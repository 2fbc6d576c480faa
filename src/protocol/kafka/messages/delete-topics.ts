/**
 * DeleteTopics (key 20), versions 0-3. TOPIC_DELETION_DISABLED exists from version 3; a broker
 * with delete.topic.enable=false answers older versions INVALID_REQUEST instead, as Kafka does.
 */
import { ErrorCode } from '../../../common/errors';
import { ApiKey } from '../../api-keys';
import type { DeleteTopicsResponse } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

export const deleteTopicsApi = kafkaApi({
  apiKey: ApiKey.DeleteTopics,
  versions: '0-3',
  flexibleVersions: '4+',
  request: message('DeleteTopicsRequest', [
    arrayOf('topicNames', 'string'),
    field('timeoutMs', 'int32'),
  ]),
  response: message('DeleteTopicsResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    array('responses', '0+', [
      field('name', 'string'),
      field('errorCode', 'int16'),
    ]),
  ]),
  toKafkaResponse: (response: DeleteTopicsResponse, version): Struct => {
    if (version >= 3) return response as unknown as Struct;
    const disabled = ErrorCode.TOPIC_DELETION_DISABLED.code;
    return { responses: response.responses.map((r) => (r.errorCode === disabled ? { ...r, errorCode: ErrorCode.INVALID_REQUEST.code } : r)) };
  },
  errorResponse: (request, errorCode) => ({ responses: (request.topicNames ?? []).map((name) => ({ name, errorCode })) }),
});
