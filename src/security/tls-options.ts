/**
 * A TLS listener's key, certificates and client checks from Kafka's ssl.* settings, as Node's
 * TLS server takes them; and the principal a verified client certificate names (Kafka's
 * DefaultKafkaPrincipalBuilder: `User:` and the certificate's distinguished name).
 */
import * as fs from 'fs';
import type { PeerCertificate, TlsOptions } from 'tls';
import type { BrokerConfig } from '../common/config';

type TlsSettings = Pick<BrokerConfig, 'sslKeystoreType' | 'sslKeystoreLocation' | 'sslKeystorePassword' | 'sslKeyPassword' | 'sslTruststoreLocation' | 'sslClientAuth'>;

function read(file: string, setting: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${setting}=${file}: ${(err as Error).message}`);
  }
}

/**
 * The options of a TLS server for these settings. A PEM keystore holds the private key and the
 * certificate chain in one file, as Kafka's PEM keystore does. Throws naming the setting whose
 * file cannot be read.
 */
export function tlsServerOptions(settings: TlsSettings): TlsOptions {
  const location = settings.sslKeystoreLocation;
  if (location === null) throw new Error('a TLS listener needs ssl.keystore.location');
  const keystore = read(location, 'ssl.keystore.location');
  const identity: TlsOptions = settings.sslKeystoreType === 'PKCS12'
    ? { pfx: keystore, passphrase: settings.sslKeystorePassword ?? undefined }
    : { key: keystore, cert: keystore, passphrase: settings.sslKeyPassword ?? undefined };
  const clientAuth = settings.sslClientAuth;
  return {
    ...identity,
    ca: settings.sslTruststoreLocation === null ? undefined : read(settings.sslTruststoreLocation, 'ssl.truststore.location'),
    requestCert: clientAuth !== 'none',
    // `requested` lets a client without a certificate in; one with a certificate the CAs did not sign is refused by the listener.
    rejectUnauthorized: clientAuth === 'required',
    // Kafka's ssl.enabled.protocols default: TLSv1.2 and TLSv1.3.
    minVersion: 'TLSv1.2',
  };
}

/** Kafka's principal for a client certificate: `User:` and its subject as RFC 2253 writes it (most specific first). */
export function certificatePrincipal(certificate: PeerCertificate): string {
  const subject = Object.entries(certificate.subject ?? {}).reverse().map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return `User:${subject.join(',')}`;
}
