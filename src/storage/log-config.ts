/**
 * Settings of one partition log, with Kafka's names in camelCase and units at the end. Defaults
 * are Kafka's; the broker maps server.properties (log.segment.bytes, ...) onto these.
 */
export interface LogConfig {
  /** log.segment.bytes: roll before an append would grow the active segment past this. */
  segmentBytes: number;
  /** log.segment.ms (Kafka's log.roll.ms): roll a non-empty segment this old. */
  segmentMs: number;
  /** log.retention.ms: delete segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** log.retention.bytes: delete oldest segments while the log is larger; -1 means no limit. */
  retentionBytes: number;
  /** index.interval.bytes: one sparse index entry per this many log bytes. */
  indexIntervalBytes: number;
  /** message.max.bytes: the largest record batch accepted. */
  maxMessageBytes: number;
  /** log.flush.interval.messages: fsync after this many unflushed records (Kafka: never by count). */
  flushIntervalMessages: number;
  /** log.flush.interval.ms: fsync data older than this (Kafka: never by time; the OS flushes). */
  flushIntervalMs: number;
}

export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1048588,
  flushIntervalMessages: Number.MAX_SAFE_INTEGER,
  flushIntervalMs: Number.MAX_SAFE_INTEGER,
});

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, ...overrides };
}

/** A segment file's name: its base offset in 20 digits, as Kafka names them. */
export function segmentFileName(baseOffset: number, suffix: '.log' | '.index' | '.timeindex'): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}
