/**
 * SaslHandshake (key 17), versions 0-1: the first request on a SASL listener after ApiVersions.
 * Version 0 means the SASL tokens then follow as bare length-prefixed frames (what kafka-python
 * 2.0 sends); version 1 means they come inside SaslAuthenticate requests (librdkafka).
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { arrayOf, field, message } from '../schema';

export const saslHandshakeApi = kafkaApi({
  apiKey: ApiKey.SaslHandshake,
  versions: '0-1',
  flexibleVersions: 'none',
  request: message('SaslHandshakeRequest', [
    field('mechanism', 'string'),
  ]),
  response: message('SaslHandshakeResponse', [
    field('errorCode', 'int16'),
    arrayOf('mechanisms', 'string'),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode, mechanisms: [] }),
});
