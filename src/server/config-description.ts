/**
 * What DescribeConfigs lists for a topic or a broker (Kafka's ConfigHelper): each config with the
 * value in effect, where that value comes from (configSource: the strongest source that sets it),
 * and, when asked, every source that sets it, strongest first (Kafka's synonyms: the topic
 * override, then the broker's dynamic, static and default values of the broker setting behind it).
 * Pure: the handler reads the overrides from ZooKeeper and passes them in.
 */
import { describeBrokerSettings, type BrokerConfig, type BrokerSettingDescription } from '../common/config';
import { topicConfigFallback, topicConfigKeys } from '../storage/topic-config';
import { ConfigSource, type DescribeConfigsEntry, type DescribeConfigsSynonym } from '../protocol/messages';
import { dynamicBrokerConfigKeys } from './dynamic-broker-config';

export interface DescribeOptions {
  /** The configs asked for; null: all. */
  configurationKeys: readonly string[] | null;
  includeSynonyms: boolean;
}

/** A broker's dynamic configs: its own (/config/brokers/<id>) and every broker's (/config/brokers/<default>). */
export interface DynamicBrokerConfigs {
  perBroker: Record<string, string>;
  clusterDefault: Record<string, string>;
}

/** Kafka's createTopicConfigEntry for every topic config Josef knows: the override, else the broker setting behind it, else Kafka's default. */
export function describeTopicConfigs(overrides: Record<string, string>, config: BrokerConfig, options: DescribeOptions): DescribeConfigsEntry[] {
  const settings = new Map(describeBrokerSettings(config).map((s) => [s.name, s]));
  return wanted(topicConfigKeys, options).map((key) => {
    const fallback = topicConfigFallback(key);
    const setting = fallback !== undefined && 'brokerSetting' in fallback ? settings.get(fallback.brokerSetting) : undefined;
    const synonyms: DescribeConfigsSynonym[] = [
      ...(key in overrides ? [{ name: key, value: overrides[key], source: ConfigSource.TOPIC_CONFIG }] : []),
      ...(setting ? staticSynonyms(setting) : []),
    ];
    const value = key in overrides ? overrides[key] : (setting?.value ?? (fallback !== undefined && 'defaultValue' in fallback ? fallback.defaultValue : null));
    // Kafka: every topic config can be altered.
    return entry(key, value, false, synonyms, options);
  });
}

/**
 * Kafka's createBrokerConfigEntry with perBrokerConfig: every setting this broker read at start
 * (read-only: only a restart changes them) and the dynamic configs set for it or for every broker.
 * A dynamic config set nowhere is not listed.
 */
export function describeBrokerConfigs(config: BrokerConfig, dynamic: DynamicBrokerConfigs, options: DescribeOptions): DescribeConfigsEntry[] {
  const settings = describeBrokerSettings(config);
  const names = [...settings.map((s) => s.name), ...dynamicBrokerConfigKeys.filter((key) => key in dynamic.perBroker || key in dynamic.clusterDefault)];
  const byName = new Map(settings.map((s) => [s.name, s]));
  return wanted(names, options).map((name) => {
    const setting = byName.get(name);
    if (setting) return entry(name, setting.value, true, staticSynonyms(setting), options);
    const synonyms = dynamicSynonyms(name, dynamic);
    return entry(name, synonyms[0].value, false, synonyms, options);
  });
}

/** Kafka's answer for the resource "" (every broker's default): the dynamic configs of /config/brokers/<default>, and only those. */
export function describeClusterDefaultConfigs(clusterDefault: Record<string, string>, options: DescribeOptions): DescribeConfigsEntry[] {
  const names = dynamicBrokerConfigKeys.filter((key) => key in clusterDefault);
  return wanted(names, options).map((name) => {
    const synonyms = dynamicSynonyms(name, { perBroker: {}, clusterDefault });
    return entry(name, synonyms[0].value, false, synonyms, options);
  });
}

function wanted(names: readonly string[], options: DescribeOptions): readonly string[] {
  const keys = options.configurationKeys;
  return keys === null ? names : names.filter((name) => keys.includes(name));
}

/** The source of the value is its strongest synonym's; a config nothing sets is a default (Kafka's rule). */
function entry(name: string, value: string | null, readOnly: boolean, synonyms: DescribeConfigsSynonym[], options: DescribeOptions): DescribeConfigsEntry {
  return {
    name,
    value,
    readOnly,
    configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive: false,
    synonyms: options.includeSynonyms ? synonyms : [],
  };
}

/** A broker setting's sources below the dynamic ones: the value it was given at start, then its default. */
function staticSynonyms(setting: BrokerSettingDescription): DescribeConfigsSynonym[] {
  return [
    ...(setting.isStatic ? [{ name: setting.name, value: setting.value, source: ConfigSource.STATIC_BROKER_CONFIG }] : []),
    ...(setting.defaultValue !== undefined ? [{ name: setting.name, value: setting.defaultValue, source: ConfigSource.DEFAULT_CONFIG }] : []),
  ];
}

/** A dynamic config's sources: this broker's own value, then every broker's. */
function dynamicSynonyms(name: string, dynamic: DynamicBrokerConfigs): DescribeConfigsSynonym[] {
  return [
    ...(name in dynamic.perBroker ? [{ name, value: dynamic.perBroker[name], source: ConfigSource.DYNAMIC_BROKER_CONFIG }] : []),
    ...(name in dynamic.clusterDefault ? [{ name, value: dynamic.clusterDefault[name], source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }] : []),
  ];
}
