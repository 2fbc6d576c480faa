/**
 * Certificates for TLS tests, made with openssl in a temporary folder: a CA, a broker certificate
 * for 127.0.0.1 and localhost signed by it (with its key in one PEM file, Kafka's PEM keystore),
 * a client certificate it signed, and a second CA with a client certificate of its own that the
 * broker must not trust.
 */
import { spawnSync } from 'child_process';
import path from 'path';
import * as fs from 'fs';

export interface TestCertificates {
  dir: string;
  /** The CA's certificate: the broker's truststore and the clients' ssl.ca.location. */
  caPem: string;
  /** The broker's key and certificate in one file (ssl.keystore.location). */
  brokerKeystorePem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Another CA: clients that trust only it refuse the broker. */
  otherCaPem: string;
  /** A client certificate signed by the other CA. */
  untrustedClientCertPem: string;
  untrustedClientKeyPem: string;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A self-signed CA named `name` in `<name>.pem` / `<name>.key`. */
function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
}

/** A key and a certificate for `subject` signed by `ca`, with subjectAltName `san` if given. */
function makeSigned(dir: string, name: string, subject: string, ca: string, san?: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  const extensions = san === undefined ? [] : ['-extfile', writeExtensions(dir, name, san)];
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, ...extensions]);
}

function writeExtensions(dir: string, name: string, san: string): string {
  const file = `${name}.ext`;
  fs.writeFileSync(path.join(dir, file), `subjectAltName=${san}\n`);
  return file;
}

export function makeTestCertificates(dir: string): TestCertificates {
  makeCa(dir, 'ca');
  makeSigned(dir, 'broker', '/CN=josef-broker', 'ca', 'IP:127.0.0.1,DNS:localhost');
  fs.writeFileSync(path.join(dir, 'broker-keystore.pem'), Buffer.concat([fs.readFileSync(path.join(dir, 'broker.key')), fs.readFileSync(path.join(dir, 'broker.pem'))]));
  makeSigned(dir, 'client', '/O=josef/CN=alice', 'ca');
  makeCa(dir, 'other-ca');
  makeSigned(dir, 'untrusted-client', '/CN=mallory', 'other-ca');
  const at = (file: string): string => path.join(dir, file);
  return {
    dir,
    caPem: at('ca.pem'),
    brokerKeystorePem: at('broker-keystore.pem'),
    clientCertPem: at('client.pem'),
    clientKeyPem: at('client.key'),
    otherCaPem: at('other-ca.pem'),
    untrustedClientCertPem: at('untrusted-client.pem'),
    untrustedClientKeyPem: at('untrusted-client.key'),
  };
}
