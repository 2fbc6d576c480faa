/**
 * TLS listeners beside the PLAINTEXT one brokers use between them: SASL_SSL (TLS, then SCRAM) and
 * SSL with ssl.client.auth=requested, certificates made by openssl for the test. kcat and
 * confluent-kafka produce and consume over both; a client without credentials, a plaintext client
 * on a TLS port, a TLS client on the plaintext port, a client that does not trust the broker's CA
 * and a client certificate from another CA are each refused, with nothing written, while the
 * broker serves the others. Josef's own CLI does the same through `--command-config` with
 * librdkafka's property names: over SASL_SSL and over SSL with a client certificate, and a wrong
 * password or an untrusted CA ends the command with a clear error and a non-zero exit.
 */
import * as fs from 'fs';
import path from 'path';
import { runChild, stopAllChildren } from '../helpers/child-processes';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, jsonLines, kcat, readWithJosef, runPython } from '../helpers/kafka-clients';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certificates';
import { rmDir, tmpDir } from '../helpers/tmp';

jest.setTimeout(180_000);

describe('TLS listeners against Kafka\'s clients', () => {
  let cluster: TestCluster;
  let certificates: TestCertificates;
  let plaintext: string;
  let saslSsl: string;
  let ssl: string;

  beforeAll(async () => {
    certificates = makeTestCertificates(tmpDir('tls-certificates'));
    const [plainPort, saslSslPort, sslPort] = await freePorts(3);
    cluster = await startTestCluster('e2e-tls', {
      brokers: 1,
      ports: [plainPort],
      overrides: {
        listeners: `PLAINTEXT://127.0.0.1:${plainPort},SASL_SSL://127.0.0.1:${saslSslPort},SSL://127.0.0.1:${sslPort}`,
        'ssl.keystore.location': certificates.brokerKeystorePem,
        'ssl.truststore.location': certificates.caPem,
        'ssl.client.auth': 'requested',
        'offsets.topic.replication.factor': '1',
      },
    });
    plaintext = `127.0.0.1:${plainPort}`;
    saslSsl = `127.0.0.1:${saslSslPort}`;
    ssl = `127.0.0.1:${sslPort}`;
    expectSuccess(await runJosef(['user', 'add', 'alice', '--password', 'alice-secret', '--zookeeper', cluster.zookeeperConnect]), 'josef user add alice');
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
    if (certificates) rmDir(certificates.dir);
  });

  const topic = async (name: string): Promise<void> => {
    expectSuccess(await runJosef(['topic', 'create', name, '--partitions', '1', '--replication-factor', '1', '--bootstrap-server', plaintext]), `josef topic create ${name}`);
  };
  const values = async (name: string): Promise<string[]> => (await readWithJosef(plaintext, name)).map((r) => r.value?.toString() ?? '');
  const trusting = (ca: string): string[] => ['-X', `ssl.ca.location=${ca}`];
  const scram = ['-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'];
  const saslSslSettings = (): string[] => ['-X', 'security.protocol=SASL_SSL', ...trusting(certificates.caPem), ...scram];

  test('kcat and confluent-kafka produce and consume over SASL_SSL with SCRAM-SHA-256', async () => {
    await topic('secret');
    const settings = saslSslSettings();
    await kcat(saslSsl, ['-P', '-t', 'secret', '-X', 'acks=all', ...settings], { input: Buffer.from('over\ntls\n') });
    const produced = await runPython('produce.py', [saslSsl, 'secret', '--count', '10', '--prefix', 'py', ...settings]);
    expect(jsonLines<{ acked?: string }>(produced).filter((line) => line.acked !== undefined)).toHaveLength(10);
    const consumed = await kcat(saslSsl, ['-C', '-t', 'secret', '-o', 'beginning', '-e', '-q', ...settings]);
    expect(consumed.stdout.toString().split('\n').filter((l) => l !== '')).toEqual(['over', 'tls', ...Array.from({ length: 10 }, (_, i) => `py-${i}`)]);
  });

  test('kcat over SSL, with a client certificate and without one (ssl.client.auth=requested)', async () => {
    await topic('certified');
    const withCertificate = ['-X', 'security.protocol=SSL', ...trusting(certificates.caPem), '-X', `ssl.certificate.location=${certificates.clientCertPem}`, '-X', `ssl.key.location=${certificates.clientKeyPem}`];
    await kcat(ssl, ['-P', '-t', 'certified', ...withCertificate], { input: Buffer.from('signed\n') });
    await kcat(ssl, ['-P', '-t', 'certified', '-X', 'security.protocol=SSL', ...trusting(certificates.caPem)], { input: Buffer.from('anonymous\n') });
    expect(await values('certified')).toEqual(['signed', 'anonymous']);
  });

  /** A --command-config file with these librdkafka properties. */
  const commandConfig = (name: string, properties: Record<string, string>): string => {
    const file = path.join(certificates.dir, `${name}.properties`);
    fs.writeFileSync(file, Object.entries(properties).map(([key, value]) => `${key}=${value}\n`).join(''));
    return file;
  };
  const saslSslProperties = (): Record<string, string> => ({
    'bootstrap.servers': saslSsl, 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-256',
    'sasl.username': 'alice', 'sasl.password': 'alice-secret', 'ssl.ca.location': certificates.caPem,
  });

  test('josef topic, produce and consume with --command-config: SASL_SSL with SCRAM, and SSL with a client certificate', async () => {
    const config = commandConfig('alice', saslSslProperties());
    expectSuccess(await runJosef(['topic', 'create', 'josef-tls', '--partitions', '1', '--replication-factor', '1', '--command-config', config]), 'josef topic create over SASL_SSL');
    expectSuccess(await runJosef(['produce', 'josef-tls', '--acks', 'all', '--command-config', config], 60_000, {}, 'one\ntwo\n'), 'josef produce over SASL_SSL');
    const certified = commandConfig('certified', {
      'security.protocol': 'SSL', 'ssl.ca.location': certificates.caPem,
      'ssl.certificate.location': certificates.clientCertPem, 'ssl.key.location': certificates.clientKeyPem,
    });
    const consumed = await runJosef(['consume', 'josef-tls', '--from-beginning', '--max-messages', '2', '--bootstrap-server', ssl, '--command-config', certified]);
    expectSuccess(consumed, 'josef consume over SSL');
    expect(consumed.stdout.split('\n').filter((l) => l !== '')).toEqual(['one', 'two']);
  });

  test.each([
    ['a wrong password', () => ({ 'sasl.password': 'guess' }), /SASL_AUTHENTICATION_FAILED: SASL SCRAM-SHA-256 authentication as alice at 127\.0\.0\.1:\d+: Authentication failed during authentication due to invalid credentials/],
    ['a mechanism the listener does not enable', () => ({ 'sasl.mechanisms': 'PLAIN' }), /UNSUPPORTED_SASL_MECHANISM: .*the listener enables SCRAM-SHA-256, SCRAM-SHA-512/],
    ['a CA that did not sign the broker\'s certificate', () => ({ 'ssl.ca.location': certificates.otherCaPem }), /self[- ]signed certificate/],
  ])('josef with %s in --command-config exits non-zero with a clear error, and creates nothing', async (_what, override, error) => {
    const overridden = override();
    const name = `josef-refused-${Object.keys(overridden)[0].replace(/\./g, '-')}`;
    const run = await runJosef(['topic', 'create', name, '--partitions', '1', '--replication-factor', '1', '--command-config', commandConfig(name, { ...saslSslProperties(), ...overridden })]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(error);
    const listed = await runJosef(['topic', 'list', '--bootstrap-server', plaintext]);
    expect(listed.stdout).not.toContain(name);
  });

  test.each([
    ['no SASL credentials on the SASL_SSL listener', /broker might require SASL authentication/,
      () => [saslSsl, '-X', 'security.protocol=SSL', ...trusting(certificates.caPem)]],
    ['a plaintext client on the SASL_SSL listener', /Disconnected while requesting ApiVersion/, () => [saslSsl]],
    ['a plaintext client on the SSL listener', /Disconnected while requesting ApiVersion/, () => [ssl]],
    ['a TLS client on the PLAINTEXT listener', /in state SSL_HANDSHAKE/, () => [plaintext, '-X', 'security.protocol=SSL', ...trusting(certificates.caPem)]],
    ['a client that does not trust the broker\'s CA', /certificate verify failed/,
      () => [saslSsl, '-X', 'security.protocol=SASL_SSL', ...trusting(certificates.otherCaPem), ...scram]],
    ['a client certificate from another CA', /Receive failed|unexpected eof/, () => [ssl, '-X', 'security.protocol=SSL', ...trusting(certificates.caPem),
      '-X', `ssl.certificate.location=${certificates.untrustedClientCertPem}`, '-X', `ssl.key.location=${certificates.untrustedClientKeyPem}`]],
  ])('%s is refused, nothing is written, and others are served meanwhile', async (what, error, args) => {
    const name = `refused-${what.replace(/[^a-z]+/gi, '-').toLowerCase()}`.slice(0, 60).replace(/-$/, '');
    await topic(name);
    const [bootstrap, ...settings] = args();
    const refused = await runChild('kcat', ['-b', bootstrap, '-P', '-t', name, '-X', 'message.timeout.ms=4000', ...settings], 60_000, { input: Buffer.from('intruder\n') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(error);
    await kcat(saslSsl, ['-P', '-t', name, ...saslSslSettings()], { input: Buffer.from('allowed\n') });
    expect(await values(name)).toEqual(['allowed']);
  });
});
