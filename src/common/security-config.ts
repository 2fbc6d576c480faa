/**
 * Kafka's SASL and TLS settings read together (sasl.enabled.mechanisms, the per-listener
 * `listener.name.<listener>.plain.sasl.jaas.config`, ssl.*): each value is parsed by config.ts's
 * table; this reads the per-listener JAAS settings, whose names hold a listener's, and checks the
 * settings against the listeners that need them, as Kafka refuses to start without them.
 */
import { ConfigError } from './config-error';
import type { BrokerConfig } from './config';
import { normaliseListenerName } from './endpoint';
import { usesSasl, usesTls, type ListenerSettings } from './listener-config';
import { PLAIN_LOGIN_MODULE, plainUsersFromJaas } from '../security/jaas-config';
import { SUPPORTED_SASL_MECHANISMS } from '../security/sasl-server';

/** The value of `sasl.enabled.mechanisms`: mechanisms Josef speaks, separated by commas. */
export function parseSaslMechanisms(raw: string): string[] {
  const mechanisms = raw.split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const m of mechanisms) {
    if (!SUPPORTED_SASL_MECHANISMS.includes(m)) throw new Error(`${m} is not a SASL mechanism Josef speaks: ${SUPPORTED_SASL_MECHANISMS.join(', ')}`);
  }
  return mechanisms;
}

/**
 * Kafka's per-listener JAAS setting for PLAIN (the listener name lower case, as Kafka writes it;
 * any case is read). Read from the command line and the properties file; there is no environment
 * variable for it, since its name holds the listener's.
 */
const plainJaasConfigKey = /^listener\.name\.([A-Za-z0-9_-]+)\.plain\.sasl\.jaas\.config$/;

export function isPlainJaasConfigKey(key: string): boolean {
  return plainJaasConfigKey.test(key);
}

/** Each listener's PLAIN users from its JAAS setting among `keys`, by normalised listener name; `lookup` gives the strongest source's value. */
export function readPlainSaslUsers(
  keys: string[],
  lookup: (key: string) => { value: string; origin: string } | undefined,
): Record<string, ReadonlyMap<string, string>> {
  const users: Record<string, ReadonlyMap<string, string>> = {};
  for (const key of new Set(keys)) {
    const match = plainJaasConfigKey.exec(key);
    const raw = match === null ? undefined : lookup(key);
    if (match === null || raw === undefined) continue;
    try {
      users[normaliseListenerName(match[1])] = plainUsersFromJaas(raw.value);
    } catch (err) {
      throw new ConfigError(`invalid value for ${key} (from ${raw.origin}): ${(err as Error).message}`);
    }
  }
  return users;
}

/**
 * With PLAIN enabled, every SASL listener needs its users, as Kafka needs a JAAS entry for each;
 * a TLS listener needs a key and certificate; asking clients for certificates needs CAs to check them against.
 */
export function checkSecuritySettings(listeners: ListenerSettings, values: Partial<BrokerConfig>, plainSaslUsers: BrokerConfig['plainSaslUsers']): void {
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
