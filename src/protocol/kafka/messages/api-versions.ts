/**
 * ApiVersions (key 18), versions 0-2: the first request of every Kafka client, answered with the
 * APIs and versions this broker speaks. A newer version than these (librdkafka starts with 3) is
 * answered by the protocol itself, in version 0's format, with UNSUPPORTED_VERSION and this API's
 * own range, so that the client asks again in a version both know (kafka-protocol.ts).
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const apiVersionsApi = kafkaApi({
  apiKey: ApiKey.ApiVersions,
  versions: '0-2',
  flexibleVersions: '3+',
  request: message('ApiVersionsRequest', []),
  response: message('ApiVersionsResponse', [
    field('errorCode', 'int16'),
    array('apiKeys', '0+', [
      field('apiKey', 'int16'),
      field('minVersion', 'int16'),
      field('maxVersion', 'int16'),
    ]),
    field('throttleTimeMs', 'int32', '1+'),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode, apiKeys: [] }),
});
