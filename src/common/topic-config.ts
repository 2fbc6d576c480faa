/**
 * Topic-level settings (Kafka's LogConfig names, kept in /config/topics/<topic>) that override the
 * broker's defaults for one topic's partitions. Checked when a topic is created, so a typo fails
 * there with INVALID_CONFIG instead of being ignored on every broker.
 */
import type { LogConfig } from '../storage/log-config';
import { ErrorCode, JosefError } from './errors';

/** What a topic may override: its log settings and its min.insync.replicas. */
export interface TopicConfig {
  log: LogConfig;
  minInsyncReplicas: number;
}

type LogField = keyof LogConfig;

/** Kafka's topic config names mapped onto LogConfig fields, with the smallest value each accepts. */
const logOverrides: Record<string, { field: LogField; min: number }> = {
  'segment.bytes': { field: 'segmentBytes', min: 14 },
  'segment.ms': { field: 'segmentMs', min: 1 },
  'retention.ms': { field: 'retentionMs', min: -1 },
  'retention.bytes': { field: 'retentionBytes', min: -1 },
  'index.interval.bytes': { field: 'indexIntervalBytes', min: 0 },
  'max.message.bytes': { field: 'maxMessageBytes', min: 0 },
  'flush.messages': { field: 'flushIntervalMessages', min: 1 },
  'flush.ms': { field: 'flushIntervalMs', min: 0 },
};

/** Topic settings that are known but not log settings; read by the controller or the partition. */
const otherKeys: Record<string, (raw: string) => boolean> = {
  'min.insync.replicas': (raw) => isInteger(raw) && Number(raw) >= 1,
  'unclean.leader.election.enable': (raw) => raw === 'true' || raw === 'false',
  // Josef only deletes old segments; compaction is not built, so only Kafka's default is accepted.
  'cleanup.policy': (raw) => raw === 'delete',
  // Replicas whose replication is throttled during a reassignment: `partition:broker,...` or `*` (Kafka's format).
  'leader.replication.throttled.replicas': isThrottledReplicaList,
  'follower.replication.throttled.replicas': isThrottledReplicaList,
};

function isThrottledReplicaList(raw: string): boolean {
  return raw.trim() === '' || raw.trim() === '*' || /^\s*\d+:\d+\s*(,\s*\d+:\d+\s*)*$/.test(raw);
}

/** Every topic config key Josef knows, sorted (for error messages and help). */
export const topicConfigKeys: readonly string[] = [...Object.keys(logOverrides), ...Object.keys(otherKeys)].sort();

function isInteger(raw: string): boolean {
  return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw.trim()));
}

/** Throws INVALID_CONFIG naming the first unknown key or bad value. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [key, raw] of Object.entries(configs)) {
    const log = logOverrides[key];
    if (log) {
      if (!isInteger(raw) || Number(raw) < log.min) {
        throw new JosefError(ErrorCode.INVALID_CONFIG, `invalid value "${raw}" for topic config ${key}: expected an integer >= ${log.min}`);
      }
      continue;
    }
    const check = otherKeys[key];
    if (!check) throw new JosefError(ErrorCode.INVALID_CONFIG, `unknown topic config ${key} (known: ${topicConfigKeys.join(', ')})`);
    if (!check(String(raw))) throw new JosefError(ErrorCode.INVALID_CONFIG, `invalid value "${raw}" for topic config ${key}`);
  }
}

/** The broker defaults with the topic's overrides applied (unknown keys are ignored here). */
export function topicConfig(brokerLog: LogConfig, brokerMinInsyncReplicas: number, overrides: Record<string, string>): TopicConfig {
  const log: LogConfig = { ...brokerLog };
  for (const [key, raw] of Object.entries(overrides)) {
    const override = logOverrides[key];
    if (override && isInteger(raw)) log[override.field] = Number(raw);
  }
  const minIsr = overrides['min.insync.replicas'];
  return { log, minInsyncReplicas: minIsr !== undefined && isInteger(minIsr) ? Number(minIsr) : brokerMinInsyncReplicas };
}
