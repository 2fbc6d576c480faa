/**
 * SCRAM's arithmetic against RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil"),
 * Kafka's credential string, and the broker's side of whole exchanges in both mechanisms, with
 * the proofs a client would compute: good, wrong, tampered, replayed.
 */
import { ScramSaslServer, SaslAuthenticationError } from '../../../src/security/sasl-server';
import {
  authMessage, clientProof, encodeSaslName, parseClientFirstMessage, parseClientFinalMessage, scramCredential, serverSignature, verifyClientProof,
  type ScramMechanism,
} from '../../../src/common/scram';
import { CredentialCache, formatScramCredential, newScramCredential, parseScramCredential } from '../../../src/security/scram-credentials';

/** RFC 7677 section 3. */
const rfc7677 = {
  password: 'pencil',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};
const rfcCredential = scramCredential('SCRAM-SHA-256', rfc7677.password, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);

describe('SCRAM arithmetic (RFC 5802 with RFC 7677\'s example)', () => {
  const first = parseClientFirstMessage(rfc7677.clientFirst);
  const final = parseClientFinalMessage(rfc7677.clientFinal);
  const signed = authMessage(first.bare, rfc7677.serverFirst, final.withoutProof);

  test('the client\'s proof is the one in the RFC, and it verifies against the stored key', () => {
    expect(clientProof('SCRAM-SHA-256', rfc7677.password, rfcCredential, signed).toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(verifyClientProof('SCRAM-SHA-256', rfcCredential, signed, final.proof)).toBe(true);
  });

  test('the server signature is the one in the RFC', () => {
    expect(`v=${serverSignature('SCRAM-SHA-256', rfcCredential, signed).toString('base64')}`).toBe(rfc7677.serverFinal);
  });

  test.each([
    ['a proof of another password', clientProof('SCRAM-SHA-256', 'pencils', rfcCredential, signed)],
    ['a proof with one bit flipped', Buffer.from(final.proof.map((b, i) => (i === 0 ? b ^ 1 : b)))],
    ['a proof cut short', final.proof.subarray(0, 16)],
    ['an empty proof', Buffer.alloc(0)],
  ])('%s does not verify', (_what, proof) => {
    expect(verifyClientProof('SCRAM-SHA-256', rfcCredential, signed, proof)).toBe(false);
  });

  test('a proof for another AuthMessage (another nonce) does not verify', () => {
    expect(verifyClientProof('SCRAM-SHA-256', rfcCredential, signed.replace('k0', 'k1'), final.proof)).toBe(false);
  });

  test.each([
    ['n,,n=user,r=abc', { gs2Header: 'n,,', authorizationId: null, username: 'user', nonce: 'abc', bare: 'n=user,r=abc', extensions: {} }],
    ['n,a=bob,n=bob,r=x', { gs2Header: 'n,a=bob,', authorizationId: 'bob', username: 'bob', nonce: 'x' }],
    ['y,,n=a=2Cb=3Dc,r=x,tokenauth=true', { username: 'a,b=c', extensions: { tokenauth: 'true' } }],
  ])('reads the client-first-message %s', (text, expected) => {
    expect(parseClientFirstMessage(text)).toMatchObject(expected);
  });

  test.each([
    ['', /no GS2 header/],
    ['p=tls-unique,,n=user,r=x', /channel binding/],
    ['n,,r=x,n=user', /expected n=user,r=nonce/],
    ['n,,n=,r=x', /empty user name/],
    ['n,,n=a=b,r=x', /=2C or =3D/],
    ['n,,n=user,r=a,b', /not attr=value/],
  ])('refuses the client-first-message "%s"', (text, error) => {
    expect(() => parseClientFirstMessage(text)).toThrow(error);
  });

  test('user names are escaped as RFC 5802 saslnames', () => {
    expect(encodeSaslName('a,b=c')).toBe('a=2Cb=3Dc');
    expect(parseClientFirstMessage(`n,,n=${encodeSaslName('a,b=c')},r=x`).username).toBe('a,b=c');
  });
});

describe('Kafka\'s credential string', () => {
  test('round-trips, in Kafka\'s field names and order', () => {
    const text = formatScramCredential(rfcCredential);
    expect(text).toBe(`salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=${rfcCredential.storedKey.toString('base64')},server_key=${rfcCredential.serverKey.toString('base64')},iterations=4096`);
    expect(parseScramCredential(text)).toEqual(rfcCredential);
  });

  test.each([
    ['salt=YQ==,stored_key=YQ==,server_key=YQ==', /iterations=N/],
    ['stored_key=YQ==,server_key=YQ==,iterations=4096', /salt=/],
    ['salt=YQ==,stored_key=,server_key=YQ==,iterations=4096', /stored_key=/],
  ])('refuses "%s"', (text, error) => {
    expect(() => parseScramCredential(text)).toThrow(error);
  });

  test('a new credential has a random salt and refuses iterations outside Kafka\'s range', () => {
    const a = newScramCredential('SCRAM-SHA-512', 'secret');
    const b = newScramCredential('SCRAM-SHA-512', 'secret');
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey).toHaveLength(64);
    expect(() => newScramCredential('SCRAM-SHA-256', 'secret', 4095)).toThrow(/outside 4096-16384/);
  });
});

/** The client's side of an exchange, computed from the password, to drive the server. */
function clientFinalFor(mechanism: ScramMechanism, password: string, clientFirstBare: string, serverFirst: string): string {
  const fields = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const credential = scramCredential(mechanism, password, Buffer.from(fields.s, 'base64'), Number(fields.i));
  const withoutProof = `c=biws,r=${fields.r}`;
  const proof = clientProof(mechanism, password, credential, authMessage(clientFirstBare, serverFirst, withoutProof));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

describe('the broker\'s SCRAM exchange (Kafka\'s ScramSaslServer)', () => {
  const users = new CredentialCache();
  users.update('alice', {
    'SCRAM-SHA-256': formatScramCredential(newScramCredential('SCRAM-SHA-256', 'alice-secret')),
    'SCRAM-SHA-512': formatScramCredential(newScramCredential('SCRAM-SHA-512', 'alice-secret')),
  });
  users.update('only256', { 'SCRAM-SHA-256': formatScramCredential(newScramCredential('SCRAM-SHA-256', 'x')) });
  const evaluate = (server: ScramSaslServer, text: string): string => server.evaluate(Buffer.from(text)).toString();
  const failure = (run: () => unknown): SaslAuthenticationError => {
    try {
      run();
    } catch (err) {
      if (err instanceof SaslAuthenticationError) return err;
      throw err;
    }
    throw new Error('expected a SaslAuthenticationError');
  };

  test('librdkafka\'s final message, its own nonce before the combined one, authenticates as Kafka lets it', () => {
    const server = new ScramSaslServer('SCRAM-SHA-256', users);
    const serverFirst = evaluate(server, 'n,,n=alice,r=abc');
    const fields = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
    const credential = scramCredential('SCRAM-SHA-256', 'alice-secret', Buffer.from(fields.s, 'base64'), Number(fields.i));
    const withoutProof = `c=biws,r=abc${fields.r}`;
    const proof = clientProof('SCRAM-SHA-256', 'alice-secret', credential, authMessage('n=alice,r=abc', serverFirst, withoutProof));
    evaluate(server, `${withoutProof},p=${proof.toString('base64')}`);
    expect(server.authorizationId).toBe('alice');
  });

  test('RFC 7677\'s exchange, word for word, with its server nonce', () => {
    const cache = { credential: () => rfcCredential };
    const server = new ScramSaslServer('SCRAM-SHA-256', cache, () => rfc7677.serverNonce);
    expect(evaluate(server, rfc7677.clientFirst)).toBe(rfc7677.serverFirst);
    expect(server.complete).toBe(false);
    expect(evaluate(server, rfc7677.clientFinal)).toBe(rfc7677.serverFinal);
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('user');
  });

  test.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: the right password authenticates, a wrong one does not', (mechanism) => {
    const good = new ScramSaslServer(mechanism, users);
    const serverFirst = evaluate(good, 'n,,n=alice,r=clientnonce');
    evaluate(good, clientFinalFor(mechanism, 'alice-secret', 'n=alice,r=clientnonce', serverFirst));
    expect(good.authorizationId).toBe('alice');

    const bad = new ScramSaslServer(mechanism, users);
    const badFirst = evaluate(bad, 'n,,n=alice,r=clientnonce');
    const err = failure(() => evaluate(bad, clientFinalFor(mechanism, 'wrong', 'n=alice,r=clientnonce', badFirst)));
    expect(err.message).toBe(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
    expect(err.detail).toBe('wrong password for alice');
    expect(bad.complete).toBe(false);
  });

  test('an unknown user, or one without this mechanism\'s credential, gets the same answer as a wrong password', () => {
    const unknown = failure(() => evaluate(new ScramSaslServer('SCRAM-SHA-256', users), 'n,,n=mallory,r=x'));
    const noCredential = failure(() => evaluate(new ScramSaslServer('SCRAM-SHA-512', users), 'n,,n=only256,r=x'));
    expect(unknown.message).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-256$/);
    expect(unknown.detail).toBe('unknown user mallory (no SCRAM-SHA-256 credential)');
    expect(noCredential.message).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-512$/);
  });

  test('a final message with a tampered nonce or channel binding, or replayed into a new exchange, fails', () => {
    const server = new ScramSaslServer('SCRAM-SHA-256', users);
    const serverFirst = evaluate(server, 'n,,n=alice,r=nonce1');
    const final = clientFinalFor('SCRAM-SHA-256', 'alice-secret', 'n=alice,r=nonce1', serverFirst);
    const serverPart = serverFirst.slice('r=nonce1'.length, serverFirst.indexOf(','));
    expect(failure(() => evaluate(server, final.replace(serverPart, serverPart.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))))).message).toMatch(/Invalid client nonce/);
    // The client's part is only checked by the proof, which signs the nonce as sent (Kafka checks no more).
    const prefixed = new ScramSaslServer('SCRAM-SHA-256', users);
    const prefixedFirst = evaluate(prefixed, 'n,,n=alice,r=nonce1');
    const tamperedPrefix = clientFinalFor('SCRAM-SHA-256', 'alice-secret', 'n=alice,r=nonce1', prefixedFirst).replace(',r=nonce1', ',r=nonce2');
    expect(failure(() => evaluate(prefixed, tamperedPrefix)).detail).toBe('wrong password for alice');

    const binding = new ScramSaslServer('SCRAM-SHA-256', users);
    const bindingFirst = evaluate(binding, 'n,,n=alice,r=nonce1');
    const wrongBinding = clientFinalFor('SCRAM-SHA-256', 'alice-secret', 'n=alice,r=nonce1', bindingFirst).replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`);
    expect(failure(() => evaluate(binding, wrongBinding)).message).toMatch(/Invalid channel binding/);

    // The server's nonce is new each time, so a recorded final message answers nothing else.
    const replayed = new ScramSaslServer('SCRAM-SHA-256', users);
    evaluate(replayed, 'n,,n=alice,r=nonce1');
    expect(failure(() => evaluate(replayed, final)).message).toMatch(/Invalid client nonce/);
  });

  test('an authorization id other than the user, a delegation token, or a token after the end are refused', () => {
    expect(failure(() => evaluate(new ScramSaslServer('SCRAM-SHA-256', users), 'n,a=admin,n=alice,r=x')).message).toMatch(/authorization id that is different/);
    expect(failure(() => evaluate(new ScramSaslServer('SCRAM-SHA-256', users), 'n,,n=alice,r=x,tokenauth=true')).message).toMatch(/delegation tokens/);
    const server = new ScramSaslServer('SCRAM-SHA-256', users);
    const serverFirst = evaluate(server, 'n,,n=alice,r=n');
    evaluate(server, clientFinalFor('SCRAM-SHA-256', 'alice-secret', 'n=alice,r=n', serverFirst));
    expect(failure(() => evaluate(server, 'n,,n=alice,r=n')).message).toMatch(/already complete/);
  });

  test('a malformed final message is refused', () => {
    const server = new ScramSaslServer('SCRAM-SHA-256', users);
    evaluate(server, 'n,,n=alice,r=n');
    expect(failure(() => evaluate(server, 'garbage')).message).toMatch(/^Authentication failed: invalid client-final-message/);
  });
});
