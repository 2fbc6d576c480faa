/**
 * A client properties file in librdkafka's names (what `kcat -F` and Kafka's tools'
 * `--command-config` read): bootstrap.servers, security.protocol, sasl.mechanisms,
 * sasl.username, sasl.password, ssl.ca.location, ssl.certificate.location, ssl.key.location,
 * ssl.key.password. Read into ClientSecurity, with the PEM files loaded, so that a mistake is
 * said before connecting and names the property.
 */
import * as fs from 'fs';
import { readPropertiesFile } from '../common/properties';
import { SECURITY_PROTOCOLS, type ClientSecurity, type SecurityProtocol, type TlsClientSettings } from './client-security';

export interface ClientProperties {
  /** bootstrap.servers, when the file names it. */
  bootstrapServers?: string;
  security: ClientSecurity;
  /** Properties Josef's client does not read (they are ignored, and said so). */
  ignored: string[];
}

const knownKeys = new Set([
  'bootstrap.servers', 'metadata.broker.list', 'security.protocol', 'sasl.mechanisms', 'sasl.mechanism', 'sasl.username', 'sasl.password',
  'ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location', 'ssl.key.password',
]);

/** Reads `file`; throws naming the file and the property at fault. */
export function readClientProperties(file: string): ClientProperties {
  const entries = readPropertiesFile(file, 'the client config', (message) => new Error(message));
  try {
    const values = new Map([...entries].map(([key, entry]) => [key, entry.value]));
    return clientPropertiesFrom(values, readPem);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

function readPem(file: string, property: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${property}=${file}: ${(err as Error).message}`);
  }
}

/** The client settings `values` amount to; `read` loads a PEM file a property names. */
export function clientPropertiesFrom(values: ReadonlyMap<string, string>, read: (file: string, property: string) => Buffer): ClientProperties {
  const get = (key: string): string | undefined => {
    const value = values.get(key)?.trim();
    return value === '' ? undefined : value;
  };
  const protocolText = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocolText)) {
    throw new Error(`security.protocol=${protocolText} is not one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const protocol = protocolText as SecurityProtocol;
  const security: ClientSecurity = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') security.tls = tlsSettings(get, read);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    // librdkafka's name is sasl.mechanisms; Java's clients say sasl.mechanism.
    const mechanism = get('sasl.mechanisms') ?? get('sasl.mechanism');
    const username = get('sasl.username');
    const password = values.get('sasl.password');
    if (mechanism === undefined) throw new Error(`security.protocol=${protocol} needs sasl.mechanisms (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)`);
    if (username === undefined || password === undefined) throw new Error(`security.protocol=${protocol} needs sasl.username and sasl.password`);
    security.sasl = { mechanism: mechanism.toUpperCase(), username, password };
  }
  return {
    bootstrapServers: get('bootstrap.servers') ?? get('metadata.broker.list'),
    security,
    ignored: [...values.keys()].filter((key) => !knownKeys.has(key)),
  };
}

function tlsSettings(get: (key: string) => string | undefined, read: (file: string, property: string) => Buffer): TlsClientSettings {
  const location = (key: string): Buffer | undefined => {
    const file = get(key);
    return file === undefined ? undefined : read(file, key);
  };
  const settings: TlsClientSettings = { ca: location('ssl.ca.location'), cert: location('ssl.certificate.location'), key: location('ssl.key.location'), passphrase: get('ssl.key.password') };
  if ((settings.cert === undefined) !== (settings.key === undefined)) throw new Error('a client certificate needs both ssl.certificate.location and ssl.key.location');
  return settings;
}
