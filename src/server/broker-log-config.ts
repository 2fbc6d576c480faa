/**
 * The broker's settings assembled into storage's: the default LogConfig of every partition log
 * (topic configs override it) and the log cleaner's, as Kafka's KafkaConfig hands its log.*
 * settings to LogConfig and the LogCleaner.
 */
import type { BrokerConfig } from '../common/config';
import type { LogCleanerConfig } from '../storage/log-cleaner';
import type { LogConfig } from '../storage/log-config';

/** The broker's default settings for partition logs (topic configs may override them). */
export function brokerLogConfig(config: BrokerConfig): LogConfig {
  return {
    segmentBytes: config.logSegmentBytes,
    segmentMs: config.logSegmentMs,
    retentionMs: config.logRetentionMs,
    retentionBytes: config.logRetentionBytes,
    indexIntervalBytes: config.logIndexIntervalBytes,
    maxMessageBytes: config.messageMaxBytes,
    flushIntervalMessages: config.logFlushIntervalMessages,
    flushIntervalMs: config.logFlushIntervalMs,
    cleanupPolicy: config.logCleanupPolicy,
    minCleanableDirtyRatio: config.logCleanerMinCleanableRatio,
    minCompactionLagMs: config.logCleanerMinCompactionLagMs,
    maxCompactionLagMs: config.logCleanerMaxCompactionLagMs,
    deleteRetentionMs: config.logCleanerDeleteRetentionMs,
  };
}

/** The log cleaner's settings, or undefined when log.cleaner.enable is false. */
export function logCleanerConfig(config: BrokerConfig): LogCleanerConfig | undefined {
  if (!config.logCleanerEnable) return undefined;
  return {
    threads: config.logCleanerThreads,
    dedupeBufferBytes: config.logCleanerDedupeBufferSize,
    ioBufferBytes: config.logCleanerIoBufferSize,
    loadFactor: config.logCleanerIoBufferLoadFactor,
    maxIoBytesPerSecond: config.logCleanerIoMaxBytesPerSecond,
    backoffMs: config.logCleanerBackoffMs,
  };
}
