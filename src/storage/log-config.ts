/**
 * Settings of one partition log, with Kafka's names in camelCase and units at the end, and the
 * names of the files a partition folder holds. Defaults are Kafka's; the broker maps
 * server.properties (log.segment.bytes, ...) and topic overrides (segment.bytes, ...) onto these.
 */
import * as path from 'path';
import type { CleanupPolicy } from '../common/cleanup-policy';

export interface LogConfig {
  /** segment.bytes (log.segment.bytes): roll before an append would grow the active segment past this. */
  segmentBytes: number;
  /** segment.ms (log.segment.ms, Kafka's log.roll.ms): roll a non-empty segment older than this. */
  segmentMs: number;
  /** retention.ms (log.retention.ms): delete segments whose newest record is older; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes (log.retention.bytes): delete oldest segments while the log is larger; -1: no limit. */
  retentionBytes: number;
  /** index.interval.bytes: one sparse index entry per this many log bytes. */
  indexIntervalBytes: number;
  /** max.message.bytes (message.max.bytes): the largest record batch accepted. */
  maxMessageBytes: number;
  /** flush.messages (log.flush.interval.messages): fsync after this many unflushed records (Kafka: never by count). */
  flushIntervalMessages: number;
  /** flush.ms (log.flush.interval.ms): fsync data older than this (Kafka: never by time; the OS flushes). */
  flushIntervalMs: number;
  /**
   * segment.index.bytes (log.index.size.max.bytes): the largest `.index` (and `.timeindex`) of a
   * segment; a full index rolls the segment. Optional so that configs built field by field keep
   * compiling; absent means the default.
   */
  segmentIndexBytes?: number;
  /**
   * cleanup.policy (log.cleanup.policy): `delete` drops old segments (retention), `compact` keeps
   * the latest record per key (the log cleaner), `compact,delete` both. The fields below it matter
   * to compacted logs only; like segmentIndexBytes they are optional, absent meaning the default.
   */
  cleanupPolicy?: CleanupPolicy;
  /** min.cleanable.dirty.ratio (log.cleaner.min.cleanable.ratio): the dirty share of a log above which the cleaner takes it. */
  minCleanableDirtyRatio?: number;
  /** min.compaction.lag.ms (log.cleaner.min.compaction.lag.ms): a record stays uncompacted at least this long. */
  minCompactionLagMs?: number;
  /** max.compaction.lag.ms (log.cleaner.max.compaction.lag.ms): a dirty record becomes cleanable after this long whatever the ratio. */
  maxCompactionLagMs?: number;
  /** delete.retention.ms (log.cleaner.delete.retention.ms): how long a tombstone outlives the cleaning that first saw it. */
  deleteRetentionMs?: number;
}

/** Kafka's log.index.size.max.bytes: 10 MiB. */
export const SEGMENT_INDEX_BYTES_DEFAULT = 10 * 1024 * 1024;

export const defaultLogConfig: Readonly<Required<LogConfig>> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 168 * 60 * 60 * 1000,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  maxMessageBytes: 1048588,
  flushIntervalMessages: Number.MAX_SAFE_INTEGER,
  flushIntervalMs: Number.MAX_SAFE_INTEGER,
  segmentIndexBytes: SEGMENT_INDEX_BYTES_DEFAULT,
  cleanupPolicy: 'delete',
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  // Kafka's Long.MAX_VALUE; the largest integer a JavaScript number holds exactly means the same: never.
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
});

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, ...overrides };
}

export function segmentIndexBytesOf(config: LogConfig): number {
  return config.segmentIndexBytes ?? SEGMENT_INDEX_BYTES_DEFAULT;
}

/** Every setting of `config`, its absent optional ones at their defaults. */
export function fullLogConfig(config: LogConfig): Readonly<Required<LogConfig>> {
  return { ...defaultLogConfig, ...config };
}

/** The log cleaner keeps this log (cleanup.policy compact or compact,delete). */
export function isCompacted(config: LogConfig): boolean {
  return (config.cleanupPolicy ?? 'delete') !== 'delete';
}

/** Retention deletes this log's old segments (cleanup.policy delete or compact,delete). */
export function deletesOldSegments(config: LogConfig): boolean {
  return (config.cleanupPolicy ?? 'delete') !== 'compact';
}

export type SegmentFileSuffix = '.log' | '.index' | '.timeindex';
export const SEGMENT_FILE_SUFFIXES: readonly SegmentFileSuffix[] = ['.log', '.index', '.timeindex'];

/** A segment file's name: its base offset in 20 digits, as Kafka names them. */
export function segmentFileName(baseOffset: number, suffix: SegmentFileSuffix): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

/**
 * The path of file `name` in a partition's folder `dir` as partitionDir made it (path.join's
 * output: normalized, no trailing separator), without path.join's normalizing pass: a new log's
 * four file paths cost 50 ms of a LeaderAndIsr creating 10,000 logs that way.
 */
export function fileInPartitionDir(dir: string, name: string): string {
  return dir + path.sep + name;
}

const segmentFilePattern = /^(\d{20})(\.log|\.index|\.timeindex)$/;

/** The base offset and kind of a segment file name, or undefined for any other name. */
export function parseSegmentFileName(name: string): { baseOffset: number; suffix: SegmentFileSuffix } | undefined {
  const match = segmentFilePattern.exec(name);
  if (!match) return undefined;
  return { baseOffset: Number(match[1]), suffix: match[2] as SegmentFileSuffix };
}

/**
 * Suffixes a segment's files carry while the log cleaner replaces it (Kafka's names): the new
 * segment is written as `.cleaned`, renamed `.swap` once whole, and the segments it replaces are
 * renamed `.deleted` before the `.swap` files lose their suffix (see log-loader.ts for recovery).
 */
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';
export const DELETED_FILE_SUFFIX = '.deleted';

/** The partition's leader-epoch cache file (Kafka's name). */
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
