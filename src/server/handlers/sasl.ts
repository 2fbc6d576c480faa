/**
 * SaslHandshake (key 17) and SaslAuthenticate (key 36) as the dispatcher sees them: only where no
 * exchange is under way, on a listener without SASL or on a connection already authenticated
 * (before that the connection's authenticator answers them). Kafka's KafkaApis answers both with
 * ILLEGAL_SASL_STATE there, and so does Josef.
 */
import { ErrorCode } from '../../common/errors';
import type { ApiKey } from '../../protocol/api-keys';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';

export const saslHandshakeHandler: Handler<typeof ApiKey.SaslHandshake> = (): SaslHandshakeResponse =>
  ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE.code, mechanisms: [] });

export const saslAuthenticateHandler: Handler<typeof ApiKey.SaslAuthenticate> = (): SaslAuthenticateResponse => ({
  errorCode: ErrorCode.ILLEGAL_SASL_STATE.code,
  errorMessage: 'SaslAuthenticate request received after successful authentication, or on a listener without SASL',
  authBytes: Buffer.alloc(0),
  sessionLifetimeMs: 0,
});
