/** Builders and readers for compaction tests: batches of keyed records, and a log read the way a consumer reads one with gaps. */
import { batchLastOffset, batchLocations, decodeRecords, encodeRecordBatch } from '../../src/protocol/record-batch';
import type { LogCleanerConfig } from '../../src/storage/log-cleaner';
import type { PartitionLog } from '../../src/storage/partition-log';

/** One batch of `key=value` records (a null value is a tombstone; a null key has none). */
export function keyedBatch(entries: readonly [key: string | null, value: string | null][], timestampMs: number): Buffer {
  return encodeRecordBatch(entries.map(([key, value]) => ({ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp: timestampMs })));
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

/** Every record from the log start, as a consumer reads: each read resumes past the last batch's last offset, gaps or not. */
export function readRecords(log: PartitionLog, maxOffsetExclusive = log.logEndOffset): ReadRecord[] {
  const out: ReadRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < maxOffsetExclusive) {
    const bytes = log.read(offset, { maxBytes: 64 * 1024, maxOffsetExclusive });
    if (bytes.length === 0) break;
    for (const { position } of batchLocations(bytes)) {
      for (const r of decodeRecords(bytes, position)) {
        if (r.offset >= offset) out.push({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null });
      }
      offset = batchLastOffset(bytes, position) + 1;
    }
  }
  return out;
}

/** The latest value of each key in `records` (null: deleted), in key order. */
export function latestValues(records: readonly ReadRecord[]): Record<string, string | null> {
  const latest: Record<string, string | null> = {};
  for (const r of records) if (r.key !== null) latest[r.key] = r.value;
  return Object.fromEntries(Object.entries(latest).sort(([a], [b]) => a.localeCompare(b)));
}

/** What a compacted log holds for a reader that applies it from the start: deleted keys left out. */
export function liveValues(records: readonly ReadRecord[]): Record<string, string> {
  return Object.fromEntries(Object.entries(latestValues(records)).filter((e): e is [string, string] => e[1] !== null));
}

/** A cleaner for tests: one thread, small buffers, no throttle, and a backoff long enough never to run by itself. */
export const testCleanerConfig: LogCleanerConfig = {
  threads: 1, dedupeBufferBytes: 1024 * 1024, ioBufferBytes: 16 * 1024, loadFactor: 0.9, maxIoBytesPerSecond: Number.MAX_VALUE, backoffMs: 3_600_000,
};
