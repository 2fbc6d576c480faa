/**
 * Certificates for TLS tests, made with openssl in a temporary folder: a CA, a broker certificate
 * for 127.0.0.1 and localhost signed by it (with its key in one PEM file, Kafka's PEM keystore),
 * a client certificate it signed, and a second CA with a client certificate of its own that the
 * broker must not trust.
 */
import path from 'path';
import { makeCa, makeSigned, writePemKeystore } from '../../src/security/certificate-authority';

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
