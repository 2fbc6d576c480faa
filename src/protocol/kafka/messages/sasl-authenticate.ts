/**
 * SaslAuthenticate (key 36), versions 0-1: one SASL token each way, after a SaslHandshake v1.
 * Version 1 adds the session lifetime to the answer (KIP-368); Josef's sessions last as long as
 * their connection, which Kafka says with 0.
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { field, message } from '../schema';

export const saslAuthenticateApi = kafkaApi({
  apiKey: ApiKey.SaslAuthenticate,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('SaslAuthenticateRequest', [
    field('authBytes', 'bytes'),
  ]),
  response: message('SaslAuthenticateResponse', [
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '0+', { nullable: '0+' }),
    field('authBytes', 'bytes'),
    field('sessionLifetimeMs', 'int64', '1+'),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }),
});
