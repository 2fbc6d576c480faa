/**
 * One connection's SASL state on a SASL listener (Kafka's SaslServerAuthenticator), as a
 * synchronous state machine the connection feeds its requests to: before the client has
 * authenticated only ApiVersions, SaslHandshake and SaslAuthenticate are allowed, anything else
 * closes the connection, as Kafka does; a failed authentication is answered and then closes it.
 * After SaslHandshake v0 the tokens come as bare frames instead of SaslAuthenticate requests
 * (Kafka 0.10's exchange, which kafka-python 2.0 still uses). No sockets here.
 */
import { ErrorCode } from '../common/errors';
import { ApiKey, apiName } from '../protocol/api-keys';
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../protocol/messages';
import { SaslAuthenticationError, type SaslServer } from './sasl-server';

/** Kafka's principal for a connection nobody has authenticated on (KafkaPrincipal.ANONYMOUS). */
export const ANONYMOUS_PRINCIPAL = 'User:ANONYMOUS';

/** What the connection does with a request. */
export type SaslStep =
  /** Handle it as any other request. */
  | { readonly kind: 'dispatch' }
  /** Answer it with `response`; then close when `closeReason` is set (a failed authentication). */
  | { readonly kind: 'answer'; readonly response: SaslHandshakeResponse | SaslAuthenticateResponse; readonly closeReason?: string }
  /** Answer it with its API's error response carrying `errorCode`, then close (a request out of turn, answered as Kafka does). */
  | { readonly kind: 'refuse'; readonly errorCode: number; readonly reason: string }
  /** Close without an answer. */
  | { readonly kind: 'close'; readonly reason: string };

/** What the connection does with a bare token frame (after SaslHandshake v0): send `challenge` in a frame of its own, or close. */
export type BareTokenStep = { readonly kind: 'challenge'; readonly challenge: Buffer } | { readonly kind: 'close'; readonly reason: string };

type State =
  /** Nothing yet: ApiVersions or SaslHandshake may come. */
  | { name: 'handshakeOrVersions' }
  /** ApiVersions answered: SaslHandshake must come. */
  | { name: 'handshake' }
  /** SaslHandshake v1 answered: SaslAuthenticate requests carry the tokens. */
  | { name: 'authenticate'; server: SaslServer }
  /** SaslHandshake v0 answered: the tokens come as bare frames. */
  | { name: 'bareTokens'; server: SaslServer }
  | { name: 'complete'; principal: string };

export interface SaslAuthenticatorOptions {
  /** sasl.enabled.mechanisms of the listener. */
  enabledMechanisms: readonly string[];
  /** A server for one exchange in an enabled mechanism. */
  newServer: (mechanism: string) => SaslServer;
}

export class SaslServerAuthenticator {
  private state: State = { name: 'handshakeOrVersions' };

  constructor(private readonly options: SaslAuthenticatorOptions) {}

  get authenticated(): boolean {
    return this.state.name === 'complete';
  }

  /** `User:NAME` once authenticated, Kafka's anonymous principal before. */
  get principal(): string {
    return this.state.name === 'complete' ? this.state.principal : ANONYMOUS_PRINCIPAL;
  }

  /** The next frame is a bare SASL token, not a request. */
  get expectsBareToken(): boolean {
    return this.state.name === 'bareTokens';
  }

  /**
   * The step for a request `apiKey` with `body` (the protocol's decoded fields). `bareTokens`: a
   * SaslHandshake here means the tokens follow as bare frames (Kafka's SaslHandshake v0; Josef's
   * own protocol always carries them in SaslAuthenticate).
   */
  onRequest(apiKey: number, body: Record<string, unknown>, bareTokens: boolean): SaslStep {
    const { state } = this;
    switch (state.name) {
      case 'complete':
        return { kind: 'dispatch' };
      case 'handshakeOrVersions':
      case 'handshake':
        if (apiKey === ApiKey.ApiVersions && state.name === 'handshakeOrVersions') {
          this.state = { name: 'handshake' };
          return { kind: 'dispatch' };
        }
        if (apiKey === ApiKey.SaslHandshake) return this.handshake(body.mechanism, bareTokens);
        return { kind: 'close', reason: `unexpected ${apiName(apiKey)} request during the SASL handshake: a SASL listener serves nothing before authentication` };
      case 'authenticate':
        if (apiKey === ApiKey.SaslAuthenticate) return this.authenticate(state.server, body.authBytes);
        return { kind: 'refuse', errorCode: ErrorCode.ILLEGAL_SASL_STATE.code, reason: `unexpected ${apiName(apiKey)} request during SASL authentication` };
      case 'bareTokens':
        return { kind: 'close', reason: `a ${apiName(apiKey)} request where a bare SASL token was expected` };
    }
  }

  /** A bare token after SaslHandshake v0: the next challenge, or close (Kafka's v0 exchange has no way to say why). */
  onBareToken(token: Buffer): BareTokenStep {
    const { state } = this;
    if (state.name !== 'bareTokens') return { kind: 'close', reason: 'a bare SASL token out of turn' };
    try {
      const challenge = state.server.evaluate(token);
      this.completeIf(state.server);
      return { kind: 'challenge', challenge };
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      return { kind: 'close', reason: `SASL ${state.server.mechanism} authentication failed: ${err.detail}` };
    }
  }

  private handshake(mechanism: unknown, bareTokens: boolean): SaslStep {
    const { enabledMechanisms } = this.options;
    const mechanisms = [...enabledMechanisms];
    if (typeof mechanism !== 'string' || !enabledMechanisms.includes(mechanism)) {
      return {
        kind: 'answer',
        response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM.code, mechanisms },
        closeReason: `the client asked for SASL mechanism ${String(mechanism)}; this listener enables ${mechanisms.join(', ')}`,
      };
    }
    const server = this.options.newServer(mechanism);
    this.state = bareTokens ? { name: 'bareTokens', server } : { name: 'authenticate', server };
    return { kind: 'answer', response: { errorCode: ErrorCode.NONE.code, mechanisms } };
  }

  private authenticate(server: SaslServer, authBytes: unknown): SaslStep {
    const answer = (errorCode: number, errorMessage: string | null, bytes: Buffer): SaslAuthenticateResponse =>
      ({ errorCode, errorMessage, authBytes: bytes, sessionLifetimeMs: 0 });
    if (!(authBytes instanceof Uint8Array)) {
      return { kind: 'answer', response: answer(ErrorCode.ILLEGAL_SASL_STATE.code, 'SaslAuthenticate without authBytes', Buffer.alloc(0)), closeReason: 'SaslAuthenticate without authBytes' };
    }
    try {
      const challenge = server.evaluate(Buffer.from(authBytes.buffer, authBytes.byteOffset, authBytes.byteLength));
      this.completeIf(server);
      return { kind: 'answer', response: answer(ErrorCode.NONE.code, null, challenge) };
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      return {
        kind: 'answer',
        response: answer(ErrorCode.SASL_AUTHENTICATION_FAILED.code, err.message, Buffer.alloc(0)),
        closeReason: `SASL ${server.mechanism} authentication failed: ${err.detail}`,
      };
    }
  }

  private completeIf(server: SaslServer): void {
    if (server.complete) this.state = { name: 'complete', principal: `User:${server.authorizationId as string}` };
  }
}
