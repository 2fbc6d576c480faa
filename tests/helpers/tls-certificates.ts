/**
 * Certificates for TLS tests, made with openssl in a temporary folder: a CA, a broker certificate
 * for 127.0.0.1 and localhost signed by it (with its key in one PEM file, Kafka's PEM keystore),
 * a client certificate it signed, and a second CA with a client certificate of its own that the
 * broker must not trust; on request, a broker and a client certificate from the same CA that
 * expired long ago.
 */
import * as fs from 'fs';
import path from 'path';
import { makeCa, makeSigned, openssl, writePemKeystore } from '../../src/security/certificate-authority';

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

/** Long enough for any test run. */
const validDays = 2;

export function makeTestCertificates(dir: string): TestCertificates {
  makeCa(dir, 'ca', validDays);
  makeSigned(dir, 'broker', '/CN=josef-broker', 'ca', validDays, 'IP:127.0.0.1,DNS:localhost');
  writePemKeystore(dir, 'broker', 'broker-keystore.pem');
  makeSigned(dir, 'client', '/O=josef/CN=alice', 'ca', validDays);
  makeCa(dir, 'other-ca', validDays);
  makeSigned(dir, 'untrusted-client', '/CN=mallory', 'other-ca', validDays);
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

export interface ExpiredCertificates {
  /** A broker key and certificate, signed by the test CA, valid only in January 2020. */
  brokerKeystorePem: string;
  /** A client certificate signed by the test CA, valid only in January 2020. */
  clientCertPem: string;
  clientKeyPem: string;
}

/**
 * Certificates the CA of `certificates` signed with validity dates in the past: `openssl ca`
 * takes the dates (`x509 -req` in OpenSSL 3.0 only counts days from now), with a throwaway
 * database in the same folder.
 */
export function makeExpiredCertificates(certificates: TestCertificates): ExpiredCertificates {
  const { dir } = certificates;
  fs.writeFileSync(path.join(dir, 'expired-ca.cnf'), [
    '[ca]', 'default_ca = expired', '[expired]', 'database = expired-index.txt', 'new_certs_dir = .', 'serial = expired-serial',
    'default_md = sha256', 'policy = any', 'unique_subject = no', 'copy_extensions = copy', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'expired-index.txt'), '');
  fs.writeFileSync(path.join(dir, 'expired-serial'), '1000\n');
  const makeExpired = (name: string, subject: string, san?: string): void => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, ...(san ? ['-addext', `subjectAltName=${san}`] : []), '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    openssl(dir, ['ca', '-batch', '-config', 'expired-ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${name}.csr`, '-out', `${name}.pem`,
      '-startdate', '20200101000000Z', '-enddate', '20200131000000Z', '-notext']);
  };
  makeExpired('expired-broker', '/CN=josef-broker', 'IP:127.0.0.1,DNS:localhost');
  writePemKeystore(dir, 'expired-broker', 'expired-broker-keystore.pem');
  makeExpired('expired-client', '/CN=eve');
  return {
    brokerKeystorePem: path.join(dir, 'expired-broker-keystore.pem'),
    clientCertPem: path.join(dir, 'expired-client.pem'),
    clientKeyPem: path.join(dir, 'expired-client.key'),
  };
}
