/**
 * A password-guessing client for `bench failed-logins` and its test: `attempts` SCRAM-SHA-256
 * logins as an existing user, `concurrency` connections at a time, each a new connection that
 * sends SaslHandshake and the client-first message, then a client-final message with a random
 * proof (a wrong password, without the attacker paying for PBKDF2). Each should be refused with
 * SASL_AUTHENTICATION_FAILED after the broker's connection.failed.authentication.delay.ms.
 * Run as a program (`node failed-login-storm.js HOST PORT ATTEMPTS CONCURRENCY USER`) it prints
 * one JSON line of its StormResult, so that its CPU is not the bench's.
 */
import { randomBytes } from 'crypto';
import { Connection } from '../src/client/connection';
import { createLogger } from '../src/common/logger';
import { ApiKey } from '../src/protocol/api-keys';

export interface StormOptions {
  host: string;
  port: number;
  attempts: number;
  concurrency: number;
  user: string;
}

export interface StormResult {
  /** Logins answered SASL_AUTHENTICATION_FAILED (58). */
  refused: number;
  /** Logins the broker accepted: must stay 0. */
  accepted: number;
  /** Attempts that ended otherwise (a connection refused or dropped, a timeout), with the first such error. */
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
}

const saslAuthenticationFailed = 58;
const silent = createLogger('failed-login-storm', () => undefined);

/** One wrong login on a new connection: 'refused', 'accepted', or the error that ended it. */
async function attempt(o: StormOptions): Promise<'refused' | 'accepted' | Error> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(o.host, o.port, { clientId: 'failed-login-storm', requestTimeoutMs: 30_000, logger: silent });
    const handshake = await connection.send(ApiKey.SaslHandshake, { mechanism: 'SCRAM-SHA-256' });
    if (handshake.errorCode !== 0) return new Error(`SaslHandshake answered error ${handshake.errorCode}`);
    const clientNonce = randomBytes(18).toString('base64');
    const first = await connection.send(ApiKey.SaslAuthenticate, { authBytes: Buffer.from(`n,,n=${o.user},r=${clientNonce}`) });
    if (first.errorCode !== 0) return first.errorCode === saslAuthenticationFailed ? 'refused' : new Error(`client-first answered error ${first.errorCode}`);
    const combinedNonce = /r=([^,]+)/.exec(first.authBytes.toString())?.[1] ?? '';
    const final = await connection.send(ApiKey.SaslAuthenticate, { authBytes: Buffer.from(`c=biws,r=${combinedNonce},p=${randomBytes(32).toString('base64')}`) });
    if (final.errorCode === 0) return 'accepted';
    return final.errorCode === saslAuthenticationFailed ? 'refused' : new Error(`client-final answered error ${final.errorCode}`);
  } catch (err) {
    return err as Error;
  } finally {
    await connection?.close();
  }
}

/** Runs the attempts, `concurrency` at a time; resolves when all have ended. */
export async function failedLoginStorm(o: StormOptions): Promise<StormResult> {
  const result: StormResult = { refused: 0, accepted: 0, errors: 0, firstError: undefined, elapsedMs: 0 };
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.attempts) {
      next++;
      const outcome = await attempt(o);
      if (outcome === 'refused') result.refused++;
      else if (outcome === 'accepted') result.accepted++;
      else {
        result.errors++;
        result.firstError ??= outcome.message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.attempts) }, worker));
  result.elapsedMs = Date.now() - started;
  return result;
}

if (require.main === module) {
  const [host, port, attempts, concurrency, user] = process.argv.slice(2);
  failedLoginStorm({ host, port: Number(port), attempts: Number(attempts), concurrency: Number(concurrency), user }).then((result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }, (err: unknown) => {
    process.stderr.write(`failed-login-storm: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
