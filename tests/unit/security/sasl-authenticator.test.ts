/**
 * A connection's SASL state as Kafka's SaslServerAuthenticator keeps it, step by step without a
 * socket: what is allowed before authentication, what closes the connection, the two ways tokens
 * travel (SaslAuthenticate after handshake v1, bare frames after v0), and PLAIN's checks and JAAS users.
 */
import type { PeerCertificate } from 'tls';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import { plainUsersFromJaas } from '../../../src/common/jaas-config';
import { ANONYMOUS_PRINCIPAL, SaslServerAuthenticator, type SaslStep } from '../../../src/security/sasl-authenticator';
import { PlainSaslServer, SaslAuthenticationError } from '../../../src/security/sasl-server';
import { certificatePrincipal } from '../../../src/security/tls-options';

const users = new Map([['alice', 'alice-secret'], ['bob', 'b"ob']]);
const plain = (authzid: string, user: string, password: string): Buffer => Buffer.from(`${authzid}\u0000${user}\u0000${password}`);
const authenticator = (): SaslServerAuthenticator =>
  new SaslServerAuthenticator({ enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'], newServer: () => new PlainSaslServer(users) });
const handshake = (a: SaslServerAuthenticator, mechanism: string, bareTokens = false): SaslStep => a.onRequest(ApiKey.SaslHandshake, { mechanism }, bareTokens);
const authenticate = (a: SaslServerAuthenticator, authBytes: Buffer): SaslStep => a.onRequest(ApiKey.SaslAuthenticate, { authBytes }, false);

describe('SaslServerAuthenticator', () => {
  test('ApiVersions, SaslHandshake v1, SaslAuthenticate: then every request is dispatched with the user\'s principal', () => {
    const a = authenticator();
    expect(a.principal).toBe(ANONYMOUS_PRINCIPAL);
    expect(a.onRequest(ApiKey.ApiVersions, {}, false)).toEqual({ kind: 'dispatch' });
    expect(handshake(a, 'PLAIN')).toEqual({ kind: 'answer', response: { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] } });
    expect(authenticate(a, plain('', 'alice', 'alice-secret'))).toEqual({ kind: 'answer', response: { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 } });
    expect(a.authenticated).toBe(true);
    expect(a.principal).toBe('User:alice');
    expect(a.onRequest(ApiKey.Produce, {}, false)).toEqual({ kind: 'dispatch' });
    // After authentication the dispatcher answers these (ILLEGAL_SASL_STATE, as KafkaApis does).
    expect(handshake(a, 'PLAIN')).toEqual({ kind: 'dispatch' });
  });

  test.each([
    ['Metadata first', (a: SaslServerAuthenticator) => a.onRequest(ApiKey.Metadata, {}, false)],
    ['Produce after ApiVersions', (a: SaslServerAuthenticator) => (a.onRequest(ApiKey.ApiVersions, {}, false), a.onRequest(ApiKey.Produce, {}, false))],
    ['ApiVersions twice', (a: SaslServerAuthenticator) => (a.onRequest(ApiKey.ApiVersions, {}, false), a.onRequest(ApiKey.ApiVersions, {}, false))],
    ['SaslAuthenticate before SaslHandshake', (a: SaslServerAuthenticator) => authenticate(a, plain('', 'alice', 'alice-secret'))],
  ])('%s closes the connection without an answer', (_what, run) => {
    const a = authenticator();
    expect(run(a)).toMatchObject({ kind: 'close', reason: expect.stringMatching(/^unexpected \w+ request during the SASL handshake/) as string });
    expect(a.authenticated).toBe(false);
  });

  test('another request between the handshake and the token is answered ILLEGAL_SASL_STATE, then closed', () => {
    const a = authenticator();
    handshake(a, 'PLAIN');
    expect(a.onRequest(ApiKey.Fetch, {}, false)).toEqual({ kind: 'refuse', errorCode: ErrorCode.ILLEGAL_SASL_STATE.code, reason: 'unexpected Fetch request during SASL authentication' });
  });

  test('a mechanism the listener does not enable is answered with the enabled ones, then closed', () => {
    expect(handshake(authenticator(), 'GSSAPI')).toMatchObject({
      kind: 'answer', response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM.code, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] }, closeReason: expect.stringMatching(/GSSAPI/) as string,
    });
  });

  test('a wrong password is answered SASL_AUTHENTICATION_FAILED with Kafka\'s message, then closed; the reason logged names the user', () => {
    const a = authenticator();
    handshake(a, 'PLAIN');
    expect(authenticate(a, plain('', 'alice', 'nope'))).toEqual({
      kind: 'answer',
      response: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED.code, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 },
      closeReason: 'SASL PLAIN authentication failed: wrong password for alice',
    });
    expect(a.principal).toBe(ANONYMOUS_PRINCIPAL);
  });

  test('after SaslHandshake v0 the tokens are bare frames; a failure closes without an answer', () => {
    const good = authenticator();
    handshake(good, 'PLAIN', true);
    expect(good.expectsBareToken).toBe(true);
    expect(good.onBareToken(plain('alice', 'alice', 'alice-secret'))).toEqual({ kind: 'challenge', challenge: Buffer.alloc(0) });
    expect(good.expectsBareToken).toBe(false);
    expect(good.principal).toBe('User:alice');

    const bad = authenticator();
    handshake(bad, 'PLAIN', true);
    expect(bad.onBareToken(plain('', 'mallory', 'x'))).toEqual({ kind: 'close', reason: 'SASL PLAIN authentication failed: unknown user mallory' });
    expect(bad.onRequest(ApiKey.Metadata, {}, false)).toMatchObject({ kind: 'close' });
  });
});

describe('PLAIN (Kafka\'s PlainSaslServer)', () => {
  test.each([
    [plain('', 'alice', 'wrong'), /invalid credentials with SASL mechanism PLAIN/, 'wrong password for alice'],
    [plain('', 'mallory', 'alice-secret'), /invalid credentials with SASL mechanism PLAIN/, 'unknown user mallory'],
    [plain('bob', 'alice', 'alice-secret'), /authorization id that is different from username/, 'alice asked to act as bob'],
    [plain('', '', 'x'), /username not specified/, 'no user name'],
    [plain('', 'alice', ''), /password not specified/, 'no password for alice'],
    [Buffer.from('alice\u0000alice-secret'), /expected 3 tokens, got 2/, 'malformed PLAIN token'],
  ])('refuses a token (%#)', (token, message, detail) => {
    const server = new PlainSaslServer(users);
    let caught: unknown;
    try {
      server.evaluate(token);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SaslAuthenticationError);
    expect((caught as SaslAuthenticationError).message).toMatch(message);
    expect((caught as SaslAuthenticationError).detail).toBe(detail);
    expect(server.complete).toBe(false);
  });

  test('users come from a JAAS PlainLoginModule entry\'s user_NAME options, as Kafka reads them', () => {
    const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_bob="b\\"ob";';
    expect(plainUsersFromJaas(jaas)).toEqual(new Map([['admin', 'admin-secret'], ['bob', 'b"ob']]));
    expect(() => plainUsersFromJaas('org.apache.kafka.common.security.scram.ScramLoginModule required;')).toThrow(/must use org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule/);
    expect(() => plainUsersFromJaas('org.apache.kafka.common.security.plain.PlainLoginModule required username="a";')).toThrow(/names no users/);
    expect(() => plainUsersFromJaas('org.apache.kafka.common.security.plain.PlainLoginModule required user_a="x"')).toThrow(/ending with ;/);
    expect(() => plainUsersFromJaas('org.apache.kafka.common.security.plain.PlainLoginModule mandatory user_a="x";')).toThrow(/control flag/);
    expect(() => plainUsersFromJaas('org.apache.kafka.common.security.plain.PlainLoginModule required user_a=x;')).toThrow(/key="value"/);
  });
});

describe('a client certificate\'s principal (Kafka\'s DefaultKafkaPrincipalBuilder)', () => {
  test('is User: and the subject, most specific part first as RFC 2253 writes it', () => {
    expect(certificatePrincipal({ subject: { C: 'SE', O: 'josef', CN: 'alice' } } as unknown as PeerCertificate)).toBe('User:CN=alice,O=josef,C=SE');
    expect(certificatePrincipal({ subject: { OU: ['a', 'b'], CN: 'bob' } } as unknown as PeerCertificate)).toBe('User:CN=bob,OU=a+b');
  });
});
