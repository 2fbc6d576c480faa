/**
 * The broker's side of each SASL mechanism Josef offers (Kafka's PlainSaslServer and
 * ScramSaslServer): a small synchronous state machine fed the client's tokens, answering each
 * with the next challenge, until it is complete and knows who the client is. No sockets here; the
 * connection's authenticator (sasl-authenticator.ts) carries the tokens.
 */
import { randomBytes } from 'crypto';
import type { CredentialCache } from './scram-credentials';
import {
  authMessage, formatServerFinalMessage, formatServerFirstMessage, isScramMechanism, parseClientFinalMessage, parseClientFirstMessage,
  ScramFormatError, serverSignature, verifyClientProof, type ClientFirstMessage, type ScramCredential, type ScramMechanism,
} from '../common/scram';

/**
 * Authentication failed. `message` is what the client is told (the same for an unknown user and a
 * wrong password, so that nobody learns which users exist); `detail` is what the broker logs.
 */
export class SaslAuthenticationError extends Error {
  constructor(message: string, readonly detail: string) {
    super(message);
  }
}

export interface SaslServer {
  readonly mechanism: string;
  /** The challenge answering the client's next token; throws SaslAuthenticationError. */
  evaluate(token: Buffer): Buffer;
  /** The exchange has ended in success. */
  readonly complete: boolean;
  /** Who the client proved to be, once complete. */
  readonly authorizationId: string | undefined;
}

/** The passwords PLAIN checks against, by user (from the listener's JAAS config). */
export type PlainUsers = ReadonlyMap<string, string>;

const invalidCredentials = (mechanism: string): string =>
  // Kafka's own words, whatever went wrong with the credentials.
  `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

/** SASL/PLAIN (RFC 4616): one token `[authzid] NUL user NUL password`, checked against the configured users. */
export class PlainSaslServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  complete = false;
  authorizationId: string | undefined;

  constructor(private readonly users: PlainUsers) {}

  evaluate(token: Buffer): Buffer {
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`, 'malformed PLAIN token');
    const [authzid, username, password] = parts;
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified', 'no user name');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified', `no password for ${username}`);
    if (authzid !== '' && authzid !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username', `${username} asked to act as ${authzid}`);
    }
    const expected = this.users.get(username);
    if (expected === undefined || expected !== password) {
      throw new SaslAuthenticationError(invalidCredentials(this.mechanism), expected === undefined ? `unknown user ${username}` : `wrong password for ${username}`);
    }
    this.complete = true;
    this.authorizationId = username;
    return Buffer.alloc(0);
  }
}

type ScramState =
  | { step: 'first' }
  | { step: 'final'; first: ClientFirstMessage; serverFirst: string; serverNonce: string; credential: ScramCredential }
  | { step: 'done' };

/** SCRAM-SHA-256/512 (RFC 5802): client-first, server-first, client-final, server-final. */
export class ScramSaslServer implements SaslServer {
  complete = false;
  authorizationId: string | undefined;
  private state: ScramState = { step: 'first' };

  /** @param serverNonce the nonce the server adds to the client's (random; fixed in tests) */
  constructor(
    readonly mechanism: ScramMechanism,
    private readonly credentials: Pick<CredentialCache, 'credential'>,
    private readonly serverNonce: () => string = () => randomBytes(24).toString('base64url'),
  ) {}

  evaluate(token: Buffer): Buffer {
    try {
      return Buffer.from(this.step(token.toString('utf8')), 'utf8');
    } catch (err) {
      if (err instanceof ScramFormatError) throw new SaslAuthenticationError(`Authentication failed: ${err.message}`, err.message);
      throw err;
    }
  }

  private step(text: string): string {
    const { state, mechanism } = this;
    if (state.step === 'first') {
      const first = parseClientFirstMessage(text);
      if (first.authorizationId !== null && first.authorizationId !== first.username) {
        throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username', `${first.username} asked to act as ${first.authorizationId}`);
      }
      if (first.extensions.tokenauth === 'true') throw new SaslAuthenticationError('Authentication failed: delegation tokens are not supported', `${first.username} sent a delegation token`);
      const credential = this.credentials.credential(first.username, mechanism);
      if (credential === undefined) throw new SaslAuthenticationError(invalidCredentials(mechanism), `unknown user ${first.username} (no ${mechanism} credential)`);
      const serverNonce = this.serverNonce();
      const serverFirst = formatServerFirstMessage(first.nonce + serverNonce, credential.salt, credential.iterations);
      this.state = { step: 'final', first, serverFirst, serverNonce, credential };
      return serverFirst;
    }
    if (state.step === 'final') {
      const final = parseClientFinalMessage(text);
      const { first, credential } = state;
      // Kafka checks only that the nonce ends with the server's part, and librdkafka relies on it:
      // it sends its own nonce before the whole combined one. The server's part is new each time,
      // so a replayed message still fails, and the proof signs the nonce as sent.
      if (!final.nonce.endsWith(state.serverNonce)) throw new SaslAuthenticationError('Authentication failed: Invalid client nonce in the final client message.', `${first.username} sent another nonce`);
      if (Buffer.from(final.channelBinding, 'base64').toString('utf8') !== first.gs2Header) {
        throw new SaslAuthenticationError('Authentication failed: Invalid channel binding in the final client message.', `${first.username} sent another GS2 header`);
      }
      const signed = authMessage(first.bare, state.serverFirst, final.withoutProof);
      if (!verifyClientProof(mechanism, credential, signed, final.proof)) throw new SaslAuthenticationError(invalidCredentials(mechanism), `wrong password for ${first.username}`);
      this.state = { step: 'done' };
      this.complete = true;
      this.authorizationId = first.username;
      return formatServerFinalMessage(serverSignature(mechanism, credential, signed));
    }
    throw new SaslAuthenticationError('Authentication failed: the SCRAM exchange is already complete', 'a token after the exchange ended');
  }
}

/** A new server for one connection's exchange in `mechanism` (one of common/security-config.ts's SUPPORTED_SASL_MECHANISMS). */
export function newSaslServer(mechanism: string, sources: { plainUsers: PlainUsers; credentials: Pick<CredentialCache, 'credential'> }): SaslServer {
  if (mechanism === 'PLAIN') return new PlainSaslServer(sources.plainUsers);
  if (isScramMechanism(mechanism)) return new ScramSaslServer(mechanism, sources.credentials);
  throw new Error(`no SASL server for ${mechanism}`);
}
