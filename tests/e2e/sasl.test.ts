/**
 * A broker with a PLAINTEXT listener (inter-broker, and the test's own view) and a SASL_PLAINTEXT
 * one, against Kafka's clients as outside judges: kcat and confluent-kafka (librdkafka:
 * SaslHandshake v1 and SaslAuthenticate) and kafka-python (SaslHandshake v0 and bare tokens)
 * produce and consume with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN; a wrong password, an unknown
 * user and requests before authentication are each refused with nothing written while the
 * broker goes on serving the others; a SCRAM exchange written by hand over a socket is refused
 * when replayed on a new connection or when its nonce or proof is tampered with; Josef's own
 * protocol authenticates with the same exchange; a user added or deleted with `josef user`
 * counts at once.
 */
import { Connection } from '../../src/client/connection';
import { ApiKey } from '../../src/protocol/api-keys';
import { encodeRecordBatch } from '../../src/protocol/record-batch';
import { authMessage, clientProof, scramCredential } from '../../src/common/scram';
import { runChild, stopAllChildren } from '../helpers/child-processes';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, jsonLines, kcat, readWithJosef, runPython } from '../helpers/kafka-clients';
import { sendKafkaRequest } from '../helpers/kafka-request';
import { KafkaSession } from '../helpers/kafka-session';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** connection.failed.authentication.delay.ms: long enough to tell from a refusal without it. */
const failedLoginDelayMs = 2_000;
const plainJaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";';

describe('SASL_PLAINTEXT against Kafka\'s clients', () => {
  let cluster: TestCluster;
  /** The PLAINTEXT listener: Josef's own clients, and what the test reads the truth from. */
  let plaintext: string;
  let sasl: string;
  let saslPort: number;

  const josefUser = async (args: string[]): Promise<string> => {
    const run = await runJosef(['user', ...args, '--zookeeper', cluster.zookeeperConnect]);
    expectSuccess(run, `josef user ${args.join(' ')}`);
    return run.stdout;
  };
  const saslSettings = (mechanism: string, user: string, password: string): string[] =>
    ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', `sasl.mechanisms=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
  const values = async (topic: string): Promise<string[]> => (await readWithJosef(plaintext, topic)).map((r) => r.value?.toString() ?? '');

  beforeAll(async () => {
    const [plainPort, port] = await freePorts(2);
    saslPort = port;
    cluster = await startTestCluster('e2e-sasl', {
      brokers: 1,
      ports: [plainPort],
      overrides: {
        listeners: `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas,
        'offsets.topic.replication.factor': '1',
        'connection.failed.authentication.delay.ms': String(failedLoginDelayMs),
      },
    });
    plaintext = `127.0.0.1:${plainPort}`;
    sasl = `127.0.0.1:${saslPort}`;
    await josefUser(['add', 'alice', '--password', 'alice-secret']);
    await josefUser(['add', 'carol', '--password', 'carol-secret', '--mechanism', 'SCRAM-SHA-512']);
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
  });

  /** Single-replica topics: the cluster has one broker. */
  const topic = async (name: string): Promise<void> => {
    const run = await runJosef(['topic', 'create', name, '--partitions', '1', '--replication-factor', '1', '--bootstrap-server', plaintext]);
    expectSuccess(run, `josef topic create ${name}`);
  };

  test('josef user list shows each user\'s mechanisms, never a credential', async () => {
    expect(await josefUser(['list'])).toBe('alice\tSCRAM-SHA-256,SCRAM-SHA-512\ncarol\tSCRAM-SHA-512\n');
  });

  test('kcat produces and consumes with SCRAM-SHA-256, confluent-kafka produces with SCRAM-SHA-512, kcat reads with PLAIN', async () => {
    await topic('scram');
    await kcat(sasl, ['-P', '-t', 'scram', '-X', 'acks=all', ...saslSettings('SCRAM-SHA-256', 'alice', 'alice-secret')], { input: Buffer.from('one\ntwo\nthree\n') });
    const consumed = await kcat(sasl, ['-C', '-t', 'scram', '-o', 'beginning', '-e', '-q', ...saslSettings('SCRAM-SHA-256', 'alice', 'alice-secret')]);
    expect(consumed.stdout.toString()).toBe('one\ntwo\nthree\n');

    const produced = await runPython('produce.py', [sasl, 'scram', '--count', '20', '--prefix', 'carol', ...saslSettings('SCRAM-SHA-512', 'carol', 'carol-secret')]);
    expect(jsonLines<{ acked?: string }>(produced).filter((line) => line.acked !== undefined)).toHaveLength(20);

    const asAdmin = await kcat(sasl, ['-C', '-t', 'scram', '-o', 'beginning', '-e', '-q', ...saslSettings('PLAIN', 'admin', 'admin-secret')]);
    expect(asAdmin.stdout.toString().split('\n').filter((l) => l !== '')).toEqual(['one', 'two', 'three', ...Array.from({ length: 20 }, (_, i) => `carol-${i}`)]);
  });

  test('kafka-python authenticates with SaslHandshake v0 and bare tokens, in SCRAM-SHA-256 and PLAIN', async () => {
    await topic('python');
    const scram = await runPython('kafka_python_sasl.py', [sasl, 'python', 'SCRAM-SHA-256', 'alice', 'alice-secret', '--count', '5']);
    const plain = await runPython('kafka_python_sasl.py', [sasl, 'python', 'PLAIN', 'admin', 'admin-secret', '--count', '5']);
    const expected = [...Array.from({ length: 5 }, (_, i) => `py-${i}`), ...Array.from({ length: 5 }, (_, i) => `py-${i}`)];
    expect(jsonLines<{ read?: string[] }>(plain).find((l) => l.read)?.read).toEqual(expected);
    expect(jsonLines<{ acked?: string }>(scram).filter((l) => l.acked)).toHaveLength(5);
    expect(await values('python')).toEqual(expected);
  });

  test.each([
    ['a wrong SCRAM password', 'wrong-scram', saslSettings('SCRAM-SHA-256', 'alice', 'wrong')],
    ['an unknown user', 'unknown-user', saslSettings('SCRAM-SHA-256', 'mallory', 'alice-secret')],
    ['a wrong PLAIN password', 'wrong-plain', saslSettings('PLAIN', 'admin', 'wrong')],
    ['a mechanism the user has no credential for', 'no-credential', saslSettings('SCRAM-SHA-256', 'carol', 'carol-secret')],
  ])('%s is refused with Kafka\'s error after the failed-login delay, nothing is written, and the broker serves others', async (_what, guarded, settings) => {
    await topic(guarded);
    const startedMs = Date.now();
    const refused = await runChild('kcat', ['-b', sasl, '-P', '-t', guarded, '-X', 'message.timeout.ms=5000', '-X', 'acks=all', ...settings], 60_000, { input: Buffer.from('intruder\n') });
    expect(refused.stderr).toMatch(/SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism/);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(failedLoginDelayMs);
    await kcat(sasl, ['-P', '-t', guarded, ...saslSettings('SCRAM-SHA-512', 'alice', 'alice-secret')], { input: Buffer.from('allowed\n') });
    expect(await values(guarded)).toEqual(['allowed']);
  });

  test('requests before authentication close the connection unanswered, in either protocol; nothing is written', async () => {
    await topic('early');
    // Kafka's protocol: Metadata before the handshake.
    await expect(sendKafkaRequest('127.0.0.1', saslPort, ApiKey.Metadata, 1, { topics: null })).rejects.toThrow(/closed the connection without an answer/);
    // Josef's protocol: a Produce before the handshake.
    const josef = await Connection.connect('127.0.0.1', saslPort, { clientId: 'e2e-sasl', requestTimeoutMs: 10_000 });
    try {
      await expect(josef.send(ApiKey.Produce, {
        acks: 1, timeoutMs: 5_000, topics: [{ name: 'early', partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from('unauthenticated') }]) }] }],
      })).rejects.toThrow();
    } finally {
      await josef.close();
    }
    // SaslAuthenticate before SaslHandshake.
    await expect(sendKafkaRequest('127.0.0.1', saslPort, ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from('\u0000admin\u0000admin-secret') })).rejects.toThrow(/closed the connection without an answer/);
    // The PLAINTEXT listener has no SASL exchange to take part in: Kafka's ILLEGAL_SASL_STATE.
    const [, port] = plaintext.split(':');
    expect(await sendKafkaRequest('127.0.0.1', Number(port), ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: 34, mechanisms: [] });
    expect(await values('early')).toEqual([]);
  });

  describe('a SCRAM exchange written by hand (RFC 5802 over SaslHandshake v1 and SaslAuthenticate v1)', () => {
    const mechanism = 'SCRAM-SHA-256';
    const sessions: KafkaSession[] = [];
    afterAll(() => sessions.forEach((s) => s.close()));

    /** A new connection through the handshake and the client-first message: what the server answered. */
    const begin = async (clientNonce: string): Promise<{ session: KafkaSession; clientFirstBare: string; serverFirst: string }> => {
      const session = await KafkaSession.open('127.0.0.1', saslPort);
      sessions.push(session);
      expect(await session.request(ApiKey.SaslHandshake, 1, { mechanism })).toMatchObject({ errorCode: 0 });
      const clientFirstBare = `n=alice,r=${clientNonce}`;
      const answer = await session.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,,${clientFirstBare}`) });
      expect(answer.errorCode).toBe(0);
      return { session, clientFirstBare, serverFirst: (answer.authBytes as Buffer).toString() };
    };
    /** The client-final message alice's password makes for `nonce` (default: the server's combined one), proof and all. */
    const clientFinal = (clientFirstBare: string, serverFirst: string, nonce?: string): string => {
      const fields = Object.fromEntries(serverFirst.split(',').map((f) => [f[0], f.slice(2)]));
      const withoutProof = `c=biws,r=${nonce ?? fields.r}`;
      const credential = scramCredential(mechanism, 'alice-secret', Buffer.from(fields.s, 'base64'), Number(fields.i));
      const proof = clientProof(mechanism, 'alice-secret', credential, authMessage(clientFirstBare, serverFirst, withoutProof));
      return `${withoutProof},p=${proof.toString('base64')}`;
    };
    const produce = (session: KafkaSession, value: string): Promise<unknown> => session.request(ApiKey.Produce, 7, {
      transactionalId: null, acks: 1, timeoutMs: 5_000,
      topics: [{ name: 'scram-wire', partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from(value) }]) }] }],
    });
    /** The final message is refused with SASL_AUTHENTICATION_FAILED, the connection closes, and a Produce sent after it gets no answer. */
    const expectRefused = async (session: KafkaSession, final: string, message: RegExp): Promise<void> => {
      const answer = await session.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(final) });
      expect({ errorCode: answer.errorCode, errorMessage: answer.errorMessage }).toEqual({ errorCode: 58, errorMessage: expect.stringMatching(message) });
      await expect(produce(session, 'intruder')).rejects.toThrow(/closed the connection/);
    };

    test('a replayed client-final message, a tampered nonce and a tampered proof are each refused, and nothing is written', async () => {
      await topic('scram-wire');
      const clientNonce = 'fyko+d2lbbFgONRv9qkxdawL';
      const first = await begin(clientNonce);
      const recordedFinal = clientFinal(first.clientFirstBare, first.serverFirst);
      const accepted = await first.session.request(ApiKey.SaslAuthenticate, 1, { authBytes: Buffer.from(recordedFinal) });
      expect(accepted.errorCode).toBe(0);
      expect((accepted.authBytes as Buffer).toString()).toMatch(/^v=/);

      // Replayed on a new connection with the same client nonce: the server's part of the nonce is new, so the recorded message no longer fits.
      const replay = await begin(clientNonce);
      expect(replay.serverFirst).not.toBe(first.serverFirst);
      await expectRefused(replay.session, recordedFinal, /Invalid client nonce/);

      // A nonce changed in the server's part, signed correctly with the password: the nonce check alone refuses it.
      const tamperedNonce = await begin('tampered-nonce-client-part');
      const combined = /r=([^,]+)/.exec(tamperedNonce.serverFirst)?.[1] ?? '';
      const changed = `${combined.slice(0, -1)}${combined.endsWith('A') ? 'B' : 'A'}`;
      await expectRefused(tamperedNonce.session, clientFinal(tamperedNonce.clientFirstBare, tamperedNonce.serverFirst, changed), /Invalid client nonce/);

      // The right nonce with one bit of the proof flipped.
      const tamperedProof = await begin('tampered-proof-client-part');
      const final = clientFinal(tamperedProof.clientFirstBare, tamperedProof.serverFirst);
      const proof = Buffer.from(final.slice(final.lastIndexOf(',p=') + 3), 'base64');
      proof[0] ^= 1;
      await expectRefused(tamperedProof.session, `${final.slice(0, final.lastIndexOf(',p=') + 3)}${proof.toString('base64')}`, /invalid credentials/);

      // The connection that authenticated is served throughout; only its record is in the log.
      expect(await produce(first.session, 'authenticated')).toMatchObject({ topics: [{ partitions: [{ errorCode: 0 }] }] });
      expect(await values('scram-wire')).toEqual(['authenticated']);
    });
  });

  test('Josef\'s own protocol authenticates with the same exchange: SaslHandshake, then SaslAuthenticate, then anything', async () => {
    const josef = await Connection.connect('127.0.0.1', saslPort, { clientId: 'e2e-sasl-josef', requestTimeoutMs: 10_000 });
    try {
      expect(await josef.send(ApiKey.SaslHandshake, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      const answer = await josef.send(ApiKey.SaslAuthenticate, { authBytes: Buffer.from('\u0000admin\u0000admin-secret') });
      expect(answer).toMatchObject({ errorCode: 0, errorMessage: null });
      const metadata = await josef.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
      expect(metadata.brokers.map((b) => b.nodeId)).toEqual([1]);
      expect(await josef.send(ApiKey.SaslHandshake, { mechanism: 'PLAIN' })).toEqual({ errorCode: 34, mechanisms: [] });
    } finally {
      await josef.close();
    }
  });

  test('a user deleted can no longer log in, and added again can, without a restart', async () => {
    await topic('reborn');
    const listed = async (password: string): Promise<boolean> =>
      (await runChild('kcat', ['-b', sasl, '-L', '-t', 'reborn', '-m', '5', ...saslSettings('SCRAM-SHA-256', 'dave', password)], 60_000)).code === 0;
    // The broker learns of each change from its notification: wait for it rather than for a while.
    const within = { timeoutMs: 30_000, intervalMs: 200 };
    await josefUser(['add', 'dave', '--password', 'first']);
    await waitFor(() => listed('first'), { ...within, message: 'dave to log in once added' });
    await josefUser(['delete', 'dave']);
    await waitFor(async () => !(await listed('first')), { ...within, message: 'dave to be refused once deleted' });
    expect(await josefUser(['list'])).not.toMatch(/^dave/m);
    await josefUser(['add', 'dave', '--password', 'second']);
    await waitFor(() => listed('second'), { ...within, message: 'dave to log in with his new password' });
    expect(await listed('first')).toBe(false);
  });
});
