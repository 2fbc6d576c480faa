/**
 * The log cleaner's decisions about one log, pure (Kafka's Cleaner): which records of a batch stay,
 * when a batch's tombstones may go (KIP-534's delete horizon), and how the segments to clean are
 * grouped into the fewer, larger segments that replace them. The cleaner (cleaner.ts) does the
 * reading and writing around them.
 */

/** What the cleaner knows of one record when it decides whether it stays. Reused from record to record. */
export interface RecordToClean {
  offset: number;
  hasKey: boolean;
  /** A null value: the key is deleted. */
  isTombstone: boolean;
  /** The offset the offset map holds for the record's key: its latest in the dirty section; -1 when the key is not there. */
  latestOffsetOfKey: number;
}

/**
 * Kafka's shouldRetainRecord. Records at or past the last offset the map covers stay (the next
 * cleaning maps them). Before it, a record stays when it is the latest of its key, and, if a
 * tombstone, while its batch's delete horizon has not passed (a batch without one was never
 * cleaned: its tombstones get one now). A record without a key cannot be compacted and goes, as
 * Kafka drops it (a compacted topic refuses them; they come from before the policy changed).
 */
export function shouldRetainRecord(record: RecordToClean, mapLatestOffset: number, batchDeleteHorizonMs: number | undefined, nowMs: number): boolean {
  if (record.offset >= mapLatestOffset) return true;
  if (!record.hasKey) return false;
  const isLatest = record.offset >= record.latestOffsetOfKey;
  const retainedAsDeletion = batchDeleteHorizonMs === undefined || nowMs < batchDeleteHorizonMs;
  return isLatest && (!record.isTombstone || retainedAsDeletion);
}

/**
 * The delete horizon a batch carries once cleaned: one it already has stays; a batch that keeps a
 * tombstone and has none gets now + delete.retention.ms, so its tombstones outlive this cleaning
 * by delete.retention.ms (readers that started from the beginning see them).
 */
export function deleteHorizonFor(batchDeleteHorizonMs: number | undefined, keepsTombstone: boolean, nowMs: number, deleteRetentionMs: number): number | undefined {
  if (batchDeleteHorizonMs !== undefined || !keepsTombstone) return batchDeleteHorizonMs;
  return nowMs + deleteRetentionMs;
}

/** What grouping needs of a segment. */
export interface SegmentToGroup {
  baseOffset: number;
  sizeBytes: number;
  indexBytes: number;
  timeIndexBytes: number;
}

/** Relative offsets in a segment's index are 32-bit ints. */
const relativeOffsetMax = 2 ** 31 - 1;

/**
 * Kafka's groupSegmentsBySize: consecutive segments in groups whose logs together stay within
 * `maxSegmentBytes` and whose indexes within `maxIndexBytes`, and whose offsets fit one segment's
 * 32-bit relative range (the next segment's base, or `firstUncleanableOffset` after the last, bounds
 * a segment's offsets). Each group becomes one cleaned segment. Returns the groups as index ranges.
 */
export function groupSegmentsBySize(segments: readonly SegmentToGroup[], maxSegmentBytes: number, maxIndexBytes: number, firstUncleanableOffset: number): number[][] {
  const groups: number[][] = [];
  let i = 0;
  while (i < segments.length) {
    const group = [i];
    const first = segments[i];
    let logBytes = first.sizeBytes;
    let indexBytes = first.indexBytes;
    let timeIndexBytes = first.timeIndexBytes;
    i++;
    while (i < segments.length) {
      const next = segments[i];
      const lastOffset = (segments[i + 1]?.baseOffset ?? firstUncleanableOffset) - 1;
      const fits = logBytes + next.sizeBytes <= maxSegmentBytes
        && indexBytes + next.indexBytes <= maxIndexBytes
        && timeIndexBytes + next.timeIndexBytes <= maxIndexBytes
        // Kafka skips the range check for an empty segment, so no empty one is left behind every 2^31 offsets.
        && (next.sizeBytes === 0 || lastOffset - first.baseOffset <= relativeOffsetMax);
      if (!fits) break;
      group.push(i);
      logBytes += next.sizeBytes;
      indexBytes += next.indexBytes;
      timeIndexBytes += next.timeIndexBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
