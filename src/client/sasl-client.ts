/**
 * The client's side of each SASL mechanism Josef speaks (Kafka's PlainSaslClient and
 * ScramSaslClient): a small synchronous state machine that writes the first token and answers each
 * challenge of the broker's SaslServer, until the broker has proven itself too (SCRAM's server
 * signature). No sockets here; the client's connection carries the tokens.
 */
import { randomBytes, timingSafeEqual } from 'crypto';
import {
  authMessage, clientProof, encodeSaslName, isScramMechanism, scramCredential, serverSignature, SCRAM_ITERATIONS_MIN, type ScramMechanism,
} from '../common/scram';

/** What a client authenticates with (librdkafka's sasl.mechanisms, sasl.username, sasl.password). */
export interface SaslCredentials {
  mechanism: string;
  username: string;
  password: string;
}

export interface SaslClient {
  readonly mechanism: string;
  /** The first token, sent without a challenge. */
  initialResponse(): Buffer;
  /** The token answering the broker's `challenge`; throws SaslClientError when the broker's answer is wrong. */
  evaluate(challenge: Buffer): Buffer;
  /** The exchange has ended: the broker accepted the client and (SCRAM) proved it knew the credential. */
  readonly complete: boolean;
}

/** The broker's answer does not follow the mechanism, or does not prove it knows the credential. */
export class SaslClientError extends Error {}

/** SASL/PLAIN (RFC 4616): one token, `NUL user NUL password`; the broker's empty answer ends it. */
export class PlainSaslClient implements SaslClient {
  readonly mechanism = 'PLAIN';
  complete = false;

  constructor(private readonly username: string, private readonly password: string) {}

  initialResponse(): Buffer {
    return Buffer.from(`\u0000${this.username}\u0000${this.password}`, 'utf8');
  }

  evaluate(): Buffer {
    this.complete = true;
    return Buffer.alloc(0);
  }
}

type ScramClientState =
  | { step: 'first'; clientFirstBare: string }
  | { step: 'final'; authMessage: string; expectedServerSignature: Buffer }
  | { step: 'done' };

const gs2Header = 'n,,';

/** SCRAM-SHA-256/512 (RFC 5802): client-first, server-first, client-final, server-final. */
export class ScramSaslClient implements SaslClient {
  complete = false;
  private state: ScramClientState;

  /** @param nonce the client's nonce (random; fixed in tests) */
  constructor(
    readonly mechanism: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
    private readonly nonce: string = randomBytes(24).toString('base64url'),
  ) {
    this.state = { step: 'first', clientFirstBare: `n=${encodeSaslName(username)},r=${nonce}` };
  }

  initialResponse(): Buffer {
    if (this.state.step !== 'first') throw new SaslClientError('the SCRAM exchange has already begun');
    return Buffer.from(gs2Header + this.state.clientFirstBare, 'utf8');
  }

  evaluate(challenge: Buffer): Buffer {
    const { state, mechanism } = this;
    const text = challenge.toString('utf8');
    if (state.step === 'first') {
      const { nonce, salt, iterations } = parseServerFirstMessage(text);
      // RFC 5802: the server's nonce starts with the client's; otherwise someone else's exchange is being answered.
      if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw new SaslClientError('the broker\'s SCRAM nonce does not extend the client\'s');
      if (iterations < SCRAM_ITERATIONS_MIN) throw new SaslClientError(`the broker asked for ${iterations} SCRAM iterations, fewer than ${SCRAM_ITERATIONS_MIN}`);
      const credential = scramCredential(mechanism, this.password, salt, iterations);
      const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`;
      const signed = authMessage(state.clientFirstBare, text, withoutProof);
      const proof = clientProof(mechanism, this.password, credential, signed);
      this.state = { step: 'final', authMessage: signed, expectedServerSignature: serverSignature(mechanism, credential, signed) };
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
    }
    if (state.step === 'final') {
      const signature = parseServerFinalMessage(text);
      if (signature.length !== state.expectedServerSignature.length || !timingSafeEqual(signature, state.expectedServerSignature)) {
        throw new SaslClientError('the broker\'s SCRAM server signature is wrong: it does not know this user\'s credential');
      }
      this.state = { step: 'done' };
      this.complete = true;
      return Buffer.alloc(0);
    }
    throw new SaslClientError('a SCRAM challenge after the exchange ended');
  }
}

/** server-first-message: `r=nonce,s=salt,i=iterations`. */
export function parseServerFirstMessage(text: string): { nonce: string; salt: Buffer; iterations: number } {
  const match = /^(?:m=[^,]*,)?r=([^,]+),s=([^,]+),i=(\d+)(?:,.*)?$/.exec(text);
  if (match === null) throw new SaslClientError(`invalid SCRAM server-first-message "${text}"`);
  return { nonce: match[1], salt: Buffer.from(match[2], 'base64'), iterations: Number(match[3]) };
}

/** server-final-message: `v=signature`, or `e=error` when the broker refused the proof. */
export function parseServerFinalMessage(text: string): Buffer {
  const error = /^e=(.*)$/.exec(text);
  if (error !== null) throw new SaslClientError(`the broker refused the SCRAM proof: ${error[1]}`);
  const match = /^v=([^,]+)/.exec(text);
  if (match === null) throw new SaslClientError(`invalid SCRAM server-final-message "${text}"`);
  return Buffer.from(match[1], 'base64');
}

/** The mechanisms this side speaks, as the brokers do. */
export function newSaslClient(credentials: SaslCredentials): SaslClient {
  const { mechanism, username, password } = credentials;
  if (mechanism === 'PLAIN') return new PlainSaslClient(username, password);
  if (isScramMechanism(mechanism)) return new ScramSaslClient(mechanism, username, password);
  throw new SaslClientError(`SASL mechanism ${mechanism} is not one Josef's client speaks: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`);
}
