/**
 * Kafka's SASL and TLS settings read together (sasl.enabled.mechanisms, the per-listener
 * `listener.name.<listener>.<mechanism>.sasl.jaas.config`, sasl.mechanism.inter.broker.protocol,
 * ssl.*): each value is parsed by config.ts's table; this reads the per-listener JAAS settings,
 * whose names hold a listener's, and checks the settings against the listeners that need them, as
 * Kafka refuses to start without them.
 */
import { ConfigError } from './config-error';
import type { BrokerConfig } from './config';
import { normaliseListenerName } from './endpoint';
import { usesSasl, usesTls, type ListenerSettings } from './listener-config';
import { loginFromJaas, loginModuleFor, PLAIN_LOGIN_MODULE, plainUsersFromJaas } from './jaas-config';

/** The mechanisms Josef's brokers speak (Kafka's GSSAPI and OAUTHBEARER are not among them). */
export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** The value of `sasl.enabled.mechanisms`: mechanisms Josef speaks, separated by commas. */
export function parseSaslMechanisms(raw: string): string[] {
  const mechanisms = raw.split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const m of mechanisms) {
    if (!SUPPORTED_SASL_MECHANISMS.includes(m)) throw new Error(`${m} is not a SASL mechanism Josef speaks: ${SUPPORTED_SASL_MECHANISMS.join(', ')}`);
  }
  return mechanisms;
}

/**
 * Kafka's per-listener JAAS setting of a mechanism (the listener name and mechanism lower case, as
 * Kafka writes them; any case is read). Read from the command line and the properties file; there
 * is no environment variable for it, since its name holds the listener's.
 */
const saslJaasConfigKey = /^listener\.name\.([A-Za-z0-9_-]+)\.(plain|scram-sha-256|scram-sha-512)\.sasl\.jaas\.config$/i;

export function isSaslJaasConfigKey(key: string): boolean {
  return saslJaasConfigKey.test(key);
}

/** What the JAAS settings give: PLAIN's users per listener, and the broker's own login per listener and mechanism. */
export interface SaslJaasSettings {
  plainSaslUsers: BrokerConfig['plainSaslUsers'];
  saslLogins: BrokerConfig['saslLogins'];
}

/** Each listener's JAAS settings among `keys`, by normalised listener name; `lookup` gives the strongest source's value. */
export function readSaslJaasSettings(
  keys: string[],
  lookup: (key: string) => { value: string; origin: string } | undefined,
): SaslJaasSettings {
  const settings: SaslJaasSettings = { plainSaslUsers: {}, saslLogins: {} };
  for (const key of new Set(keys)) {
    const match = saslJaasConfigKey.exec(key);
    const raw = match === null ? undefined : lookup(key);
    if (match === null || raw === undefined) continue;
    const listenerName = normaliseListenerName(match[1]);
    const mechanism = match[2].toUpperCase();
    try {
      if (mechanism === 'PLAIN') settings.plainSaslUsers[listenerName] = plainUsersFromJaas(raw.value);
      const login = loginFromJaas(raw.value, mechanism);
      if (login !== undefined) settings.saslLogins[listenerName] = { ...settings.saslLogins[listenerName], [mechanism]: login };
    } catch (err) {
      throw new ConfigError(`invalid value for ${key} (from ${raw.origin}): ${(err as Error).message}`);
    }
  }
  return settings;
}

/**
 * With PLAIN enabled, every SASL listener needs its users, as Kafka needs a JAAS entry for each;
 * a TLS listener needs a key and certificate; asking clients for certificates needs CAs to check them against.
 */
export function checkSecuritySettings(listeners: ListenerSettings, values: Partial<BrokerConfig>, { plainSaslUsers, saslLogins }: SaslJaasSettings): void {
  if (usesSasl(listeners.securityInterBrokerProtocol)) checkInterBrokerLogin(listeners.interBrokerListenerName, values, saslLogins);
  if (values.saslEnabledMechanisms?.includes('PLAIN')) {
    for (const { listenerName } of listeners.listeners.filter((l) => usesSasl(l.securityProtocol))) {
      if (plainSaslUsers[listenerName] === undefined) {
        throw new ConfigError(`sasl.enabled.mechanisms has PLAIN, but the SASL listener ${listenerName} has no users: set ` +
          `listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config=${PLAIN_LOGIN_MODULE} required user_NAME="PASSWORD";`);
      }
    }
  }
  const tlsListener = listeners.listeners.find((l) => usesTls(l.securityProtocol));
  if (tlsListener === undefined) return;
  if (!values.sslKeystoreLocation) {
    throw new ConfigError(`the listener ${tlsListener.listenerName} speaks ${tlsListener.securityProtocol}: set ssl.keystore.location to a PEM file with its private key and certificate chain`);
  }
  if (values.sslClientAuth !== 'none' && !values.sslTruststoreLocation) {
    throw new ConfigError(`ssl.client.auth=${values.sslClientAuth} asks clients for certificates: set ssl.truststore.location to the PEM certificates of the CAs that sign them`);
  }
}

/**
 * A SASL inter-broker listener: the broker logs in there with sasl.mechanism.inter.broker.protocol,
 * which the listener must enable, as the username and password of that listener's JAAS entry for
 * the mechanism (Kafka's way; it fails at startup without them too).
 */
function checkInterBrokerLogin(listenerName: string, values: Partial<BrokerConfig>, saslLogins: BrokerConfig['saslLogins']): void {
  const mechanism = values.saslMechanismInterBrokerProtocol;
  if (!mechanism) {
    throw new ConfigError(`the inter-broker listener ${listenerName} speaks SASL: set sasl.mechanism.inter.broker.protocol (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; ` +
      'Kafka\'s default GSSAPI needs Kerberos, which Josef does not speak)');
  }
  if (!values.saslEnabledMechanisms?.includes(mechanism)) {
    throw new ConfigError(`sasl.mechanism.inter.broker.protocol=${mechanism} is not in sasl.enabled.mechanisms=${values.saslEnabledMechanisms?.join(',')}: brokers could not log in to each other`);
  }
  if (saslLogins[listenerName]?.[mechanism] === undefined) {
    throw new ConfigError(`the broker logs in to the inter-broker listener ${listenerName} with ${mechanism}: set ` +
      `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config=${loginModuleFor(mechanism)} required username="BROKER" password="PASSWORD";`);
  }
}
