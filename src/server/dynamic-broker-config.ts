/**
 * The broker configs that change while a broker runs (Kafka's DynamicBrokerConfig, narrowed to
 * what Josef applies live: the replication throttle rates), kept in /config/brokers/<id> and
 * /config/brokers/<default>, and the check a new set passes before AlterConfigs writes it.
 */
import { knownConfigKeys } from '../common/config';
import { ConfigValueError, ErrorCode, JosefError } from '../common/errors';
import { parseThrottleRate, ReplicationThrottleConfig } from '../replication/replication-quota';

/** Kafka's DynamicConfig.Broker names that Josef's brokers apply without a restart (ReplicationThrottles.applyBrokerConfig). */
export const dynamicBrokerConfigKeys: readonly string[] = [ReplicationThrottleConfig.leaderRate, ReplicationThrottleConfig.followerRate];

/**
 * Kafka's DynamicBrokerConfig.validate: a setting only a restart changes is refused with Kafka's
 * "Cannot update these configs dynamically", and a rate that is not a positive number of bytes
 * per second is refused too (both ConfigValueErrors, INVALID_REQUEST on the wire, as Kafka). A name
 * that is no broker setting at all is INVALID_CONFIG: Kafka would store it and ignore it, Josef
 * says it is a typo, as it does for topic configs.
 */
export function validateDynamicBrokerConfigs(configs: Record<string, string>): void {
  const keys = Object.keys(configs);
  const unknown = keys.filter((key) => !dynamicBrokerConfigKeys.includes(key) && !knownConfigKeys.has(key));
  if (unknown.length > 0) {
    throw new JosefError(ErrorCode.INVALID_CONFIG, `unknown broker config ${unknown.join(', ')} (those that change while the broker runs: ${dynamicBrokerConfigKeys.join(', ')})`);
  }
  const restartOnly = keys.filter((key) => !dynamicBrokerConfigKeys.includes(key));
  if (restartOnly.length > 0) throw new ConfigValueError(`Cannot update these configs dynamically: ${restartOnly.join(', ')}`);
  for (const key of keys) {
    const value = configs[key];
    if (value.trim() === '') throw new ConfigValueError(`${key} must be a positive number of bytes per second, got ""`);
    try {
      parseThrottleRate(key, value);
    } catch (err) {
      throw new ConfigValueError((err as Error).message);
    }
  }
}
