/**
 * SaslHandshake 0-1 and SaslAuthenticate 0-1 on Kafka's protocol: kafka-python's requests
 * (SaslAuthenticate declared with its types, which kafka-python 2.0 lacks) decode into Josef's
 * shapes, and Josef's answers encode byte for byte as kafka-python encodes Kafka's.
 */
import { ErrorCode } from '../../../../src/common/errors';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../../../src/protocol/messages';
import { decodeRequest, encodeResponse, goldenFrames, versions } from '../../../helpers/kafka-golden';

describe('SaslHandshake on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('SaslHandshake', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ mechanism: 'SCRAM-SHA-256' });
    const answer: SaslHandshakeResponse = { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});

describe('SaslAuthenticate on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('SaslAuthenticate', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ authBytes: Buffer.from('n,,n=alice,r=abc') });
    const answer: SaslAuthenticateResponse = { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED.code, errorMessage: 'Authentication failed', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});
