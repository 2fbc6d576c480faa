/**
 * How a broker secures its own connections to other brokers (replica fetchers, the controller's
 * channel, controlled shutdown), as Kafka configures its inter-broker clients: the inter-broker
 * listener's security protocol; TLS trusting ssl.truststore.location and presenting the broker's
 * own PEM keystore when the listener asks for a certificate; SASL with
 * sasl.mechanism.inter.broker.protocol and the login of that listener's JAAS entry. Brokers then
 * act as User:<that login>, which super.users must name once an authorizer is on.
 */
import * as fs from 'fs';
import type { ClientSecurity, TlsClientSettings } from '../client/client-security';
import type { BrokerConfig } from '../common/config';
import { usesSasl, usesTls } from '../common/listener-config';

type InterBrokerSettings = Pick<BrokerConfig,
  'interBrokerListenerName' | 'securityInterBrokerProtocol' | 'saslMechanismInterBrokerProtocol' | 'saslLogins' |
  'sslKeystoreType' | 'sslKeystoreLocation' | 'sslKeyPassword' | 'sslTruststoreLocation'>;

/** The security of connections to the inter-broker listener; undefined on PLAINTEXT. Reads the PEM files. */
export function interBrokerClientSecurity(config: InterBrokerSettings): ClientSecurity | undefined {
  const protocol = config.securityInterBrokerProtocol;
  if (protocol === 'PLAINTEXT') return undefined;
  const security: ClientSecurity = {};
  if (usesTls(protocol)) security.tls = interBrokerTls(config);
  if (usesSasl(protocol)) {
    // config.ts refused to start without these (checkInterBrokerLogin).
    const mechanism = config.saslMechanismInterBrokerProtocol as string;
    const login = config.saslLogins[config.interBrokerListenerName][mechanism];
    security.sasl = { mechanism, ...login };
  }
  return security;
}

function interBrokerTls(config: InterBrokerSettings): TlsClientSettings {
  const read = (file: string | null): Buffer | undefined => (file === null ? undefined : fs.readFileSync(file));
  // A PKCS12 keystore is not presented: a listener with ssl.client.auth=required needs a PEM one.
  const keystore = config.sslKeystoreType === 'PEM' ? read(config.sslKeystoreLocation) : undefined;
  return { ca: read(config.sslTruststoreLocation), cert: keystore, key: keystore, passphrase: config.sslKeyPassword ?? undefined };
}

