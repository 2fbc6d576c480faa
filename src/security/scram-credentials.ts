/**
 * SCRAM credentials as Kafka keeps them: one string per mechanism in the user's config
 * (/config/users/<user>, `"SCRAM-SHA-256": "salt=...,stored_key=...,server_key=...,iterations=4096"`,
 * Kafka's ScramCredentialUtils), and the broker's in-memory copy of every user's (Kafka's
 * CredentialCache), filled at startup and refreshed by config change notifications.
 */
import { randomBytes } from 'crypto';
import { isScramMechanism, SCRAM_ITERATIONS_MAX, SCRAM_ITERATIONS_MIN, scramCredential, type ScramCredential, type ScramMechanism } from '../common/scram';

/** Kafka's default when `kafka-configs` is given a password without iterations. */
export const SCRAM_ITERATIONS_DEFAULT = 4096;

/** A fresh credential for `password` with a random salt, as kafka-configs makes one. */
export function newScramCredential(mechanism: ScramMechanism, password: string, iterations = SCRAM_ITERATIONS_DEFAULT): ScramCredential {
  if (iterations < SCRAM_ITERATIONS_MIN || iterations > SCRAM_ITERATIONS_MAX) {
    throw new Error(`iterations ${iterations} is outside ${SCRAM_ITERATIONS_MIN}-${SCRAM_ITERATIONS_MAX}, the range Kafka accepts for ${mechanism}`);
  }
  return scramCredential(mechanism, password, randomBytes(32), iterations);
}

/** Kafka's credentialToString. */
export function formatScramCredential(credential: ScramCredential): string {
  return `salt=${credential.salt.toString('base64')},stored_key=${credential.storedKey.toString('base64')},` +
    `server_key=${credential.serverKey.toString('base64')},iterations=${credential.iterations}`;
}

/** Kafka's credentialFromString; throws naming what is missing or wrong. */
export function parseScramCredential(text: string): ScramCredential {
  const fields = new Map(text.split(',').map((part) => {
    const eq = part.indexOf('=');
    return [part.slice(0, eq), part.slice(eq + 1)] as const;
  }));
  const bytes = (name: string): Buffer => {
    const value = fields.get(name);
    if (value === undefined || value === '') throw new Error(`a SCRAM credential needs ${name}=...: got "${text}"`);
    return Buffer.from(value, 'base64');
  };
  const iterations = Number(fields.get('iterations'));
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`a SCRAM credential needs iterations=N: got "${text}"`);
  return { salt: bytes('salt'), storedKey: bytes('stored_key'), serverKey: bytes('server_key'), iterations };
}

/** Each SCRAM mechanism's credential in a user's config; other keys (quotas) are not credentials. */
export function credentialsInUserConfig(config: Record<string, string>): Map<ScramMechanism, ScramCredential> {
  const out = new Map<ScramMechanism, ScramCredential>();
  for (const [key, value] of Object.entries(config)) {
    if (isScramMechanism(key)) out.set(key, parseScramCredential(value));
  }
  return out;
}

/** Every user's SCRAM credentials on this broker (Kafka's CredentialCache). */
export class CredentialCache {
  private readonly users = new Map<string, Map<ScramMechanism, ScramCredential>>();

  credential(username: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(username)?.get(mechanism);
  }

  /** The user's config as it now is; no credential in it removes the user. */
  update(username: string, config: Record<string, string>): void {
    const credentials = credentialsInUserConfig(config);
    if (credentials.size === 0) this.users.delete(username);
    else this.users.set(username, credentials);
  }
}
