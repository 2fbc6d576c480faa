/**
 * The client's SASL mechanisms against the broker's, token by token without a socket: PLAIN and
 * SCRAM-SHA-256/512 complete and the broker names the user; a wrong password is refused by the
 * broker; a broker that does not know the credential (a wrong server signature), extends another
 * nonce or asks for too few iterations is refused by the client.
 */
import { randomBytes } from 'crypto';
import { PlainSaslServer, ScramSaslServer, SaslAuthenticationError, type SaslServer } from '../../../src/security/sasl-server';
import { newSaslClient, ScramSaslClient, SaslClientError, type SaslClient } from '../../../src/client/sasl-client';
import { formatServerFirstMessage, scramCredential, SCRAM_MECHANISMS, type ScramMechanism } from '../../../src/common/scram';

const credentials = (mechanism: ScramMechanism, password: string): { credential: () => ReturnType<typeof scramCredential> } => {
  const credential = scramCredential(mechanism, password, randomBytes(16), 4096);
  return { credential: () => credential };
};

/** Runs the exchange to its end, as SaslAuthenticate round trips would. */
function exchange(client: SaslClient, server: SaslServer): void {
  let token = client.initialResponse();
  for (let round = 0; round < 4 && !client.complete; round++) token = client.evaluate(server.evaluate(token));
}

describe('SASL clients against the broker\'s SASL servers', () => {
  test('PLAIN completes and the broker names the user', () => {
    const server = new PlainSaslServer(new Map([['alice', 'alice-secret']]));
    const client = newSaslClient({ mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' });
    exchange(client, server);
    expect([client.complete, server.complete, server.authorizationId]).toEqual([true, true, 'alice']);
  });

  test.each(SCRAM_MECHANISMS)('%s completes: the broker checked the proof, the client the server signature', (mechanism) => {
    const server = new ScramSaslServer(mechanism, credentials(mechanism, 'alice-secret'));
    const client = newSaslClient({ mechanism, username: 'alice', password: 'alice-secret' });
    exchange(client, server);
    expect([client.complete, server.complete, server.authorizationId]).toEqual([true, true, 'alice']);
  });

  test('a wrong SCRAM password is refused by the broker', () => {
    const server = new ScramSaslServer('SCRAM-SHA-256', credentials('SCRAM-SHA-256', 'alice-secret'));
    expect(() => exchange(newSaslClient({ mechanism: 'SCRAM-SHA-256', username: 'alice', password: 'guess' }), server)).toThrow(SaslAuthenticationError);
  });

  test('a broker that does not know the credential fails the client\'s check of its signature', () => {
    // The impostor knows the salt and iterations (they are public) but not the password: its server key is wrong.
    const real = credentials('SCRAM-SHA-256', 'alice-secret').credential();
    const impostorCredential = { ...scramCredential('SCRAM-SHA-256', 'not-it', real.salt, real.iterations) };
    const client = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret');
    const server = new ScramSaslServer('SCRAM-SHA-256', { credential: () => impostorCredential });
    const final = client.evaluate(server.evaluate(client.initialResponse()));
    // The impostor's server refuses the proof; one that answered anyway would sign with the wrong key.
    expect(() => server.evaluate(final)).toThrow(SaslAuthenticationError);
    expect(() => client.evaluate(Buffer.from(`v=${randomBytes(32).toString('base64')}`))).toThrow(/server signature is wrong/);
    expect(client.complete).toBe(false);
  });

  test.each([
    ['a nonce that does not extend the client\'s', formatServerFirstMessage('someone-else', randomBytes(16), 4096), /nonce/],
    ['fewer than 4096 iterations', formatServerFirstMessage('client-nonce+server', randomBytes(16), 1024), /iterations/],
    ['an error instead of the first challenge', 'e=other-error', /invalid SCRAM server-first-message/],
  ])('the client refuses %s', (_what, serverFirst, message) => {
    const client = new ScramSaslClient('SCRAM-SHA-256', 'alice', 'alice-secret', 'client-nonce');
    client.initialResponse();
    expect(() => client.evaluate(Buffer.from(serverFirst))).toThrow(SaslClientError);
    expect(() => new ScramSaslClient('SCRAM-SHA-256', 'alice', 'x', 'client-nonce').evaluate(Buffer.from(serverFirst))).toThrow(message);
  });

  test('a mechanism Josef does not speak', () => {
    expect(() => newSaslClient({ mechanism: 'GSSAPI', username: 'a', password: 'b' })).toThrow(/GSSAPI is not one/);
  });
});
