/**
 * How a client secures its connections to brokers (librdkafka's security.protocol and what it
 * needs): TLS with the CAs it trusts and, for a broker that asks, its own certificate; then, on a
 * SASL listener, the SASL exchange (SaslHandshake, SaslAuthenticate) before any other request, as
 * Kafka's SaslClientAuthenticator does. A connection that fails to authenticate is closed and its
 * error is not retriable: the same credentials would fail again.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'tls';
import { isIP } from 'net';
import { ErrorCode, JosefError } from '../common/errors';
import { ApiKey } from '../protocol/api-keys';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../protocol/messages';
import { newSaslClient, SaslClientError, type SaslCredentials } from './sasl-client';

export type { SaslCredentials } from './sasl-client';

/** Kafka's security protocols, as a client names them (security.protocol). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

/** PEM contents a TLS client uses: ssl.ca.location, ssl.certificate.location and ssl.key.location. */
export interface TlsClientSettings {
  /** The CAs trusted to sign the broker's certificate; Node's own list when absent. */
  ca?: Buffer;
  /** A certificate chain and key, for a listener that asks for client certificates. */
  cert?: Buffer;
  key?: Buffer;
  /** The key's passphrase (ssl.key.password). */
  passphrase?: string;
}

export interface ClientSecurity {
  /** Speak TLS (SSL, SASL_SSL). */
  tls?: TlsClientSettings;
  /** Authenticate with SASL first (SASL_PLAINTEXT, SASL_SSL). */
  sasl?: SaslCredentials;
}

/** The security protocol `security` amounts to. */
export function securityProtocolOf(security: ClientSecurity | undefined): SecurityProtocol {
  if (security?.sasl) return security.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return security?.tls ? 'SSL' : 'PLAINTEXT';
}

/**
 * Node's options for a TLS connection to host:port. The broker's certificate must name the host
 * (Kafka's ssl.endpoint.identification.algorithm=https, its default): an IP address is checked
 * against the certificate's IP addresses, a name against its DNS names.
 */
export function tlsConnectOptions(host: string, port: number, settings: TlsClientSettings): TlsConnectionOptions {
  return {
    host,
    port,
    // SNI takes names only; Node still checks an IP address against the certificate without it.
    servername: isIP(host) === 0 ? host : undefined,
    ca: settings.ca,
    cert: settings.cert,
    key: settings.key,
    passphrase: settings.passphrase,
    minVersion: 'TLSv1.2',
  };
}

/** The requests the SASL exchange sends; a Connection is one. */
export interface SaslTransport {
  readonly address: string;
  send<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>>;
}

/** SaslAuthenticate round trips beyond which a broker that keeps challenging is given up on (SCRAM needs two). */
const saslRoundTripsMax = 8;

/**
 * The SASL exchange on a new connection: SaslHandshake names the mechanism, then SaslAuthenticate
 * carries the tokens until the mechanism is complete. Throws UNSUPPORTED_SASL_MECHANISM or
 * SASL_AUTHENTICATION_FAILED with the broker's words (the broker closes the connection then).
 */
export async function authenticate(transport: SaslTransport, credentials: SaslCredentials): Promise<void> {
  const where = `SASL ${credentials.mechanism} authentication as ${credentials.username} at ${transport.address}`;
  const handshake = await transport.send(ApiKey.SaslHandshake, { mechanism: credentials.mechanism });
  if (handshake.errorCode !== ErrorCode.NONE.code) {
    throw JosefError.fromCode(handshake.errorCode, `${where}: the listener enables ${handshake.mechanisms.join(', ') || 'no mechanism'}`);
  }
  try {
    const client = newSaslClient(credentials);
    let token = client.initialResponse();
    for (let round = 0; round < saslRoundTripsMax; round++) {
      const answer = await transport.send(ApiKey.SaslAuthenticate, { authBytes: token });
      if (answer.errorCode !== ErrorCode.NONE.code) throw JosefError.fromCode(answer.errorCode, `${where}: ${answer.errorMessage ?? 'refused'}`);
      token = client.evaluate(Buffer.from(answer.authBytes));
      if (client.complete) return;
    }
    throw new JosefError(ErrorCode.SASL_AUTHENTICATION_FAILED, `${where}: not complete after ${saslRoundTripsMax} rounds`);
  } catch (err) {
    if (err instanceof SaslClientError) throw new JosefError(ErrorCode.SASL_AUTHENTICATION_FAILED, `${where}: ${err.message}`);
    throw err;
  }
}
