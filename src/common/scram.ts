/**
 * SCRAM's arithmetic and messages (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka's
 * KIP-84 use them), as pure functions: a credential from a password, the client's proof checked
 * against the stored key, the server's signature, and the four messages of the exchange read and
 * written. The broker keeps only the credential (salt, stored key, server key, iterations), never
 * the password; a client proves it knows the password without sending it.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka's ScramMechanism: the hash, and the fewest iterations it accepts (4096, RFC 7677's minimum). */
const hashOf: Record<ScramMechanism, { name: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};
export const SCRAM_ITERATIONS_MIN = 4096;
/** Kafka's ScramMechanism maxIterations: a credential costing more than this to check is refused. */
export const SCRAM_ITERATIONS_MAX = 16384;

export function isScramMechanism(name: string): name is ScramMechanism {
  return Object.hasOwn(hashOf, name);
}

/** What the broker stores for one user and mechanism (Kafka's ScramCredential). */
export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

function hmac(mechanism: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(hashOf[mechanism].name, key).update(data).digest();
}

/** RFC 5802's Hi(): PBKDF2 with HMAC over the mechanism's hash, one block long. */
export function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hashOf[mechanism].bytes, hashOf[mechanism].name);
}

/** The credential a password makes with this salt (RFC 5802 section 3: StoredKey = H(ClientKey)). */
export function scramCredential(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): ScramCredential {
  const salted = saltedPassword(mechanism, password, salt, iterations);
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return {
    salt,
    storedKey: createHash(hashOf[mechanism].name).update(clientKey).digest(),
    serverKey: hmac(mechanism, salted, 'Server Key'),
    iterations,
  };
}

/** The client's side of the proof: ClientKey XOR HMAC(StoredKey, AuthMessage). */
export function clientProof(mechanism: ScramMechanism, password: string, credential: ScramCredential, authMessage: string): Buffer {
  const clientKey = hmac(mechanism, saltedPassword(mechanism, password, credential.salt, credential.iterations), 'Client Key');
  return xor(clientKey, hmac(mechanism, credential.storedKey, authMessage));
}

/** Whether `proof` shows knowledge of the password behind `credential`: H(proof XOR ClientSignature) = StoredKey. */
export function verifyClientProof(mechanism: ScramMechanism, credential: ScramCredential, authMessage: string, proof: Buffer): boolean {
  const signature = hmac(mechanism, credential.storedKey, authMessage);
  if (proof.length !== signature.length) return false;
  const clientKey = xor(proof, signature);
  return timingSafeEqual(createHash(hashOf[mechanism].name).update(clientKey).digest(), credential.storedKey);
}

/** ServerSignature = HMAC(ServerKey, AuthMessage): the client's proof that the server knew the credential. */
export function serverSignature(mechanism: ScramMechanism, credential: ScramCredential, authMessage: string): Buffer {
  return hmac(mechanism, credential.serverKey, authMessage);
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** A malformed or unacceptable SCRAM message; its text is what the client is told. */
export class ScramFormatError extends Error {}

/** client-first-message: the GS2 header, then `n=user,r=nonce[,extensions]` (the "bare" part the AuthMessage uses). */
export interface ClientFirstMessage {
  gs2Header: string;
  authorizationId: string | null;
  username: string;
  nonce: string;
  bare: string;
  /** Kafka's SCRAM extensions (`tokenauth=true` for delegation tokens), after the nonce. */
  extensions: Record<string, string>;
}

/** client-final-message: `c=<base64 GS2 header>,r=nonce,p=proof`; the AuthMessage uses all but the proof. */
export interface ClientFinalMessage {
  channelBinding: string;
  nonce: string;
  proof: Buffer;
  withoutProof: string;
}

/** `attr=value` pairs in order; a value may hold `=`. */
function attributes(message: string, what: string): [string, string][] {
  return message.split(',').map((part) => {
    const eq = part.indexOf('=');
    if (eq !== 1) throw new ScramFormatError(`invalid ${what}: "${part}" is not attr=value`);
    return [part[0], part.slice(2)];
  });
}

/** RFC 5802's saslname: `=2C` is a comma, `=3D` an equals sign, any other `=` is an error. */
function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new ScramFormatError(`invalid user name "${name}": "=" must be written =2C or =3D`);
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

const printableNonce = /^[\x21-\x2b\x2d-\x7e]+$/;

export function parseClientFirstMessage(text: string): ClientFirstMessage {
  const match = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(text);
  if (match === null) throw new ScramFormatError('invalid client-first-message: no GS2 header (n,, or y,,)');
  if (match[1].startsWith('p=')) throw new ScramFormatError('channel binding (p=) is not supported');
  const bare = match[3];
  const [user, nonceAttr, ...extensions] = bare.split(',');
  const attrs = attributes([user, nonceAttr].filter((p) => p !== undefined).join(','), 'client-first-message');
  if (attrs.length < 2 || attrs[0][0] !== 'n' || attrs[1][0] !== 'r') throw new ScramFormatError('invalid client-first-message: expected n=user,r=nonce');
  const nonce = attrs[1][1];
  if (!printableNonce.test(nonce)) throw new ScramFormatError('invalid client-first-message: the nonce must be printable characters other than ","');
  const username = decodeSaslName(attrs[0][1]);
  if (username === '') throw new ScramFormatError('invalid client-first-message: empty user name');
  return {
    gs2Header: `${match[1]},${match[2] ?? ''},`,
    authorizationId: match[2] === undefined ? null : decodeSaslName(match[2].slice(2)),
    username,
    nonce,
    bare,
    extensions: Object.fromEntries(extensions.map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new ScramFormatError(`invalid client-first-message: the extension "${part}" is not attr=value`);
      return [part.slice(0, eq), part.slice(eq + 1)];
    })),
  };
}

export function formatServerFirstMessage(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function parseClientFinalMessage(text: string): ClientFinalMessage {
  const attrs = attributes(text, 'client-final-message');
  const [c, r] = attrs;
  const p = attrs[attrs.length - 1];
  if (attrs.length < 3 || c[0] !== 'c' || r[0] !== 'r' || p[0] !== 'p') throw new ScramFormatError('invalid client-final-message: expected c=...,r=...,p=...');
  return { channelBinding: c[1], nonce: r[1], proof: Buffer.from(p[1], 'base64'), withoutProof: text.slice(0, text.lastIndexOf(',p=')) };
}

/** RFC 5802's AuthMessage: what both proofs sign. */
export function authMessage(clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
}

export function formatServerFinalMessage(signature: Buffer): string {
  return `v=${signature.toString('base64')}`;
}
