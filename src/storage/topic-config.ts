/**
 * Topic-level settings (Kafka's LogConfig names, kept in /config/topics/<topic>) that override the
 * broker's defaults for one topic's partitions. Checked when a topic is created, so a typo fails
 * there with INVALID_CONFIG instead of being ignored on every broker.
 */
import { parseCleanupPolicy } from '../common/cleanup-policy';
import { defaultLogConfig, type LogConfig } from './log-config';
import { ConfigValueError, ErrorCode, JosefError } from '../common/errors';

/** What a topic may override: its log settings and its min.insync.replicas. */
export interface TopicConfig {
  log: LogConfig;
  minInsyncReplicas: number;
}

type LogField = keyof LogConfig;

/**
 * Where a topic config's value comes from when the topic does not override it (Kafka's
 * TopicConfigSynonyms): the broker setting of the same meaning, or Kafka's default where no
 * broker setting backs it.
 */
export type TopicConfigFallback = { brokerSetting: string } | { defaultValue: string };

/** How a log setting's text becomes its value: undefined when the text is not one it takes, with what it expects. */
interface LogSettingParser {
  parse: (raw: string) => LogConfig[LogField] | undefined;
  expected: string;
}

function integerAtLeast(min: number): LogSettingParser {
  return { parse: (raw) => (isInteger(raw) && Number(raw) >= min ? Number(raw) : undefined), expected: `an integer >= ${min}` };
}

/** Kafka's ConfigDef.Range.between(0, 1) on a double. */
const ratio: LogSettingParser = {
  parse: (raw) => {
    const value = Number(raw.trim());
    return raw.trim() !== '' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
  },
  expected: 'a number between 0 and 1',
};

const cleanupPolicy: LogSettingParser = { parse: parseCleanupPolicy, expected: 'delete, compact or compact,delete' };

/** Kafka's topic config names mapped onto LogConfig fields, with how each is read and the broker setting behind it. */
const logOverrides: Record<string, { field: LogField; parser: LogSettingParser; brokerSetting: string }> = {
  'segment.bytes': { field: 'segmentBytes', parser: integerAtLeast(14), brokerSetting: 'log.segment.bytes' },
  // Kafka's synonym is log.roll.ms, which Josef's broker reads as another name of log.segment.ms.
  'segment.ms': { field: 'segmentMs', parser: integerAtLeast(1), brokerSetting: 'log.segment.ms' },
  'retention.ms': { field: 'retentionMs', parser: integerAtLeast(-1), brokerSetting: 'log.retention.ms' },
  'retention.bytes': { field: 'retentionBytes', parser: integerAtLeast(-1), brokerSetting: 'log.retention.bytes' },
  'index.interval.bytes': { field: 'indexIntervalBytes', parser: integerAtLeast(0), brokerSetting: 'log.index.interval.bytes' },
  'max.message.bytes': { field: 'maxMessageBytes', parser: integerAtLeast(0), brokerSetting: 'message.max.bytes' },
  'flush.messages': { field: 'flushIntervalMessages', parser: integerAtLeast(1), brokerSetting: 'log.flush.interval.messages' },
  'flush.ms': { field: 'flushIntervalMs', parser: integerAtLeast(0), brokerSetting: 'log.flush.interval.ms' },
  'cleanup.policy': { field: 'cleanupPolicy', parser: cleanupPolicy, brokerSetting: 'log.cleanup.policy' },
  'min.cleanable.dirty.ratio': { field: 'minCleanableDirtyRatio', parser: ratio, brokerSetting: 'log.cleaner.min.cleanable.ratio' },
  'min.compaction.lag.ms': { field: 'minCompactionLagMs', parser: integerAtLeast(0), brokerSetting: 'log.cleaner.min.compaction.lag.ms' },
  'max.compaction.lag.ms': { field: 'maxCompactionLagMs', parser: integerAtLeast(1), brokerSetting: 'log.cleaner.max.compaction.lag.ms' },
  'delete.retention.ms': { field: 'deleteRetentionMs', parser: integerAtLeast(0), brokerSetting: 'log.cleaner.delete.retention.ms' },
};

/** Topic settings that are known but not log settings; read by the controller or the partition. */
const otherKeys: Record<string, { valid: (raw: string) => boolean; fallback: TopicConfigFallback }> = {
  'min.insync.replicas': { valid: (raw) => isInteger(raw) && Number(raw) >= 1, fallback: { brokerSetting: 'min.insync.replicas' } },
  'unclean.leader.election.enable': { valid: (raw) => raw === 'true' || raw === 'false', fallback: { brokerSetting: 'unclean.leader.election.enable' } },
  // Replicas whose replication is throttled during a reassignment: `partition:broker,...` or `*` (Kafka's format); none by default.
  'leader.replication.throttled.replicas': { valid: isThrottledReplicaList, fallback: { defaultValue: '' } },
  'follower.replication.throttled.replicas': { valid: isThrottledReplicaList, fallback: { defaultValue: '' } },
};

function isThrottledReplicaList(raw: string): boolean {
  return raw.trim() === '' || raw.trim() === '*' || /^\s*\d+:\d+\s*(,\s*\d+:\d+\s*)*$/.test(raw);
}

/** Every topic config key Josef knows, sorted (for error messages and help). */
export const topicConfigKeys: readonly string[] = [...Object.keys(logOverrides), ...Object.keys(otherKeys)].sort();

function isInteger(raw: string): boolean {
  return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw.trim()));
}

/** Throws INVALID_CONFIG naming the first unknown key, or a ConfigValueError naming the first bad value. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [key, raw] of Object.entries(configs)) {
    const log = logOverrides[key];
    if (log) {
      if (log.parser.parse(String(raw)) === undefined) throw new ConfigValueError(`invalid value "${raw}" for topic config ${key}: expected ${log.parser.expected}`);
      continue;
    }
    const other = otherKeys[key];
    if (!other) throw new JosefError(ErrorCode.INVALID_CONFIG, `unknown topic config ${key} (known: ${topicConfigKeys.join(', ')})`);
    if (!other.valid(String(raw))) throw new ConfigValueError(`invalid value "${raw}" for topic config ${key}`);
  }
  checkCompactionLags(configs);
}

/** Kafka's LogConfig.validateValues: a record cannot have to wait longer before compaction than it may wait at most. */
function checkCompactionLags(configs: Record<string, string>): void {
  const lags = topicConfig(defaultLogConfig, 1, configs).log;
  const min = lags.minCompactionLagMs ?? 0;
  const max = lags.maxCompactionLagMs ?? Number.MAX_SAFE_INTEGER;
  if (min > max) throw new ConfigValueError(`conflict topic config setting min.compaction.lag.ms (${min}) > max.compaction.lag.ms (${max})`);
}

/** Where `key`'s value comes from without an override; undefined for a key that is not a topic config. */
export function topicConfigFallback(key: string): TopicConfigFallback | undefined {
  const log = logOverrides[key];
  return log ? { brokerSetting: log.brokerSetting } : otherKeys[key]?.fallback;
}

/** The broker defaults with the topic's overrides applied (unknown keys are ignored here). */
export function topicConfig(brokerLog: LogConfig, brokerMinInsyncReplicas: number, overrides: Record<string, string>): TopicConfig {
  const log: LogConfig = { ...brokerLog };
  for (const [key, raw] of Object.entries(overrides)) {
    const override = logOverrides[key];
    const value = override?.parser.parse(String(raw));
    if (override && value !== undefined) Object.assign(log, { [override.field]: value });
  }
  const minIsr = overrides['min.insync.replicas'];
  return { log, minInsyncReplicas: minIsr !== undefined && isInteger(minIsr) ? Number(minIsr) : brokerMinInsyncReplicas };
}
