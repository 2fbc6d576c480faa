/**
 * Expired certificates against kcat: two brokers of one cluster with SSL listeners, broker 1's
 * certificate valid and broker 2's expired (signed by the same CA, valid only in January 2020).
 * A client that presents an expired certificate to broker 1 (ssl.client.auth=required) is
 * refused, and so is broker 2 by a client that trusts its CA; nothing is written, and a client
 * with a valid certificate is served by broker 1 meanwhile.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';
import { runChild, stopAllChildren } from '../helpers/child-processes';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, kcat, readWithJosef } from '../helpers/kafka-clients';
import { rmDir, tmpDir } from '../helpers/tmp';
import { makeExpiredCertificates, makeTestCertificates, type ExpiredCertificates, type TestCertificates } from '../helpers/tls-certificates';

jest.setTimeout(180_000);

describe('expired certificates', () => {
  let cluster: TestCluster;
  let certificates: TestCertificates;
  let expired: ExpiredCertificates;
  let plaintext: string;
  /** Broker 1's SSL listener (a valid certificate) and broker 2's (an expired one). */
  let validSsl: string;
  let expiredSsl: string;

  beforeAll(async () => {
    certificates = makeTestCertificates(tmpDir('tls-expired-certificates'));
    expired = makeExpiredCertificates(certificates);
    const [plain1, plain2, ssl1, ssl2] = await freePorts(4);
    const brokerSettings = (plainPort: number, sslPort: number, keystore: string): Record<string, string> => ({
      listeners: `PLAINTEXT://127.0.0.1:${plainPort},SSL://127.0.0.1:${sslPort}`, 'ssl.keystore.location': keystore,
    });
    cluster = await startTestCluster('e2e-tls-expired', {
      brokers: 2,
      ports: [plain1, plain2],
      overrides: { 'ssl.truststore.location': certificates.caPem, 'ssl.client.auth': 'required', 'offsets.topic.replication.factor': '1' },
      brokerOverrides: { 1: brokerSettings(plain1, ssl1, certificates.brokerKeystorePem), 2: brokerSettings(plain2, ssl2, expired.brokerKeystorePem) },
    });
    plaintext = `127.0.0.1:${plain1}`;
    validSsl = `127.0.0.1:${ssl1}`;
    expiredSsl = `127.0.0.1:${ssl2}`;
    expectSuccess(await runJosef(['topic', 'create', 'expired', '--partitions', '2', '--replication-factor', '1', '--bootstrap-server', plaintext]), 'josef topic create');
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
    if (certificates) rmDir(certificates.dir);
  });

  const ssl = (cert: string, key: string): string[] =>
    ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certificates.caPem}`, '-X', `ssl.certificate.location=${cert}`, '-X', `ssl.key.location=${key}`];

  /** Why the TLS handshake failed, in the words of the side that refused: the broker's log, or Node's TLS client. */
  const brokerLog = (id: number): string => fs.readFileSync(path.join(cluster.dataDir, 'logs', `broker-${id}.log`), 'utf8');
  const nodeClientError = (address: string): Promise<string> => new Promise((resolve) => {
    const [host, port] = address.split(':');
    const socket = tls.connect({
      host, port: Number(port), ca: fs.readFileSync(certificates.caPem),
      cert: fs.readFileSync(certificates.clientCertPem), key: fs.readFileSync(certificates.clientKeyPem),
    });
    socket.once('secureConnect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (err: NodeJS.ErrnoException) => { socket.destroy(); resolve(err.code ?? err.message); });
  });

  /** openssl's verdict on a certificate against the test CA, with or without checking its dates. */
  const opensslVerify = async (cert: string, checkTime: boolean): Promise<string> => {
    const run = await runChild('openssl', ['verify', ...(checkTime ? [] : ['-no_check_time']), '-CAfile', certificates.caPem, cert], 30_000);
    return `${run.stdout.toString()}${run.stderr}`;
  };

  test.each([
    // librdkafka only sees the broker hang up, and the broker's TLS server (ssl.client.auth=required)
    // ends the handshake without a reason: openssl shows expiry is the certificate's only fault.
    ['a client certificate that has expired', () => [validSsl, ...ssl(expired.clientCertPem, expired.clientKeyPem)], /unexpected eof/, async () => {
      expect(await opensslVerify(expired.clientCertPem, false)).toMatch(/: OK/);
      expect(await opensslVerify(expired.clientCertPem, true)).toMatch(/certificate has expired/);
      expect(brokerLog(1)).toMatch(/\[broker\.1\.socket-server-SSL\] TLS handshake with .* failed/);
    }],
    ['a broker certificate that has expired', () => [expiredSsl, ...ssl(certificates.clientCertPem, certificates.clientKeyPem)], /certificate verify failed/,
      async () => expect(await nodeClientError(expiredSsl)).toBe('CERT_HAS_EXPIRED')],
  ])('%s is refused, nothing is written, and a valid client is served meanwhile', async (_what, args, error, why) => {
    const [bootstrap, ...settings] = args();
    const refused = await runChild('kcat', ['-b', bootstrap, '-P', '-t', 'expired', '-X', 'message.timeout.ms=4000', ...settings], 60_000, { input: Buffer.from('intruder\n') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(error);
    await why();
    const listed = await kcat(validSsl, ['-L', '-t', 'expired', ...ssl(certificates.clientCertPem, certificates.clientKeyPem)]);
    expect(listed.stdout.toString()).toMatch(/topic "expired" with 2 partitions/);
    expect(await readWithJosef(plaintext, 'expired')).toEqual([]);
  });
});
