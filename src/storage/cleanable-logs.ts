/**
 * Which compacted log the cleaner takes next and how far it may clean it, pure (Kafka's
 * LogCleanerManager.cleanableOffsets and grabFilthiestCompactedLog, with KIP-354's
 * max.compaction.lag.ms). A log is clean below its first dirty offset (the cleaner checkpoint) and
 * may be cleaned up to its first uncleanable offset: never the active segment, never at or past
 * the high watermark (records not yet replicated everywhere may still be truncated), never a
 * segment holding a record younger than min.compaction.lag.ms. Of the logs whose dirty share
 * passes their min.cleanable.dirty.ratio, or that hold a record older than max.compaction.lag.ms,
 * the dirtiest goes first.
 */

/** What the decision needs of one segment, oldest first; the last one is the active segment. */
export interface SegmentState {
  baseOffset: number;
  sizeBytes: number;
  /** The newest record's time (Kafka's largestTimestamp). */
  largestTimestampMs: number;
  /** The first batch's max timestamp, or -1 for an empty segment (Kafka's getFirstBatchTimestamp). */
  firstBatchTimestampMs: number;
}

export interface CompactedLogState {
  name: string;
  segments: readonly SegmentState[];
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  /** The cleaner checkpoint: everything below it is clean; undefined when the log has none. */
  checkpoint: number | undefined;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
}

/** Kafka's LogToClean: a log's clean and cleanable parts in bytes, and how far a cleaning may go. */
export interface LogToClean {
  name: string;
  firstDirtyOffset: number;
  /** The base offset of the first segment that may not be cleaned: the cleaning's upper bound. */
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  cleanableRatio: number;
  minCleanableDirtyRatio: number;
  /** A dirty record is older than max.compaction.lag.ms: clean whatever the ratio. */
  needCompactionNow: boolean;
  /** Why the checkpoint was not used (it lies outside the log), for the cleaner's log. */
  checkpointResetReason?: string;
}

/** The segments overlapping [from, to) (Kafka's logSegments(from, to)): the one holding `from`, and those after it starting below `to`. */
function segmentsOverlapping(segments: readonly SegmentState[], from: number, to: number): SegmentState[] {
  return segments.filter((s, i) => s.baseOffset < to && (segments[i + 1]?.baseOffset ?? Infinity) > from);
}

/** Kafka's cleanableOffsets: where the dirty part starts, where cleaning must stop, and whether a record waited past max.compaction.lag.ms. */
export function logToClean(log: CompactedLogState, nowMs: number): LogToClean {
  const active = log.segments[log.segments.length - 1];
  let firstDirtyOffset = log.checkpoint ?? log.logStartOffset;
  let checkpointResetReason: string | undefined;
  if (firstDirtyOffset < log.logStartOffset || firstDirtyOffset > log.logEndOffset) {
    if (log.checkpoint !== undefined) checkpointResetReason = `the cleaner checkpoint ${firstDirtyOffset} is outside [${log.logStartOffset}, ${log.logEndOffset}]`;
    firstDirtyOffset = log.logStartOffset;
  }
  const dirtyNonActive = segmentsOverlapping(log.segments, firstDirtyOffset, active.baseOffset);
  const bounds = [log.highWatermark, active.baseOffset];
  if (log.minCompactionLagMs > 0) {
    const young = dirtyNonActive.find((s) => s.largestTimestampMs > nowMs - log.minCompactionLagMs);
    if (young) bounds.push(young.baseOffset);
  }
  const uncleanableOffset = Math.min(...bounds);
  // Cleaning stops at a segment boundary: the base of the segment holding the uncleanable offset.
  const firstUncleanableOffset = segmentsOverlapping(log.segments, uncleanableOffset, active.baseOffset)[0]?.baseOffset ?? active.baseOffset;
  const sum = (segments: SegmentState[]): number => segments.reduce((total, s) => total + s.sizeBytes, 0);
  const cleanBytes = sum(segmentsOverlapping(log.segments, -1, firstDirtyOffset));
  const cleanableBytes = sum(segmentsOverlapping(log.segments, Math.min(firstDirtyOffset, firstUncleanableOffset), firstUncleanableOffset));
  const totalBytes = cleanBytes + cleanableBytes;
  return {
    name: log.name,
    firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    cleanableRatio: totalBytes === 0 ? 0 : cleanableBytes / totalBytes,
    minCleanableDirtyRatio: log.minCleanableDirtyRatio,
    needCompactionNow: maxCompactionDelayMs(dirtyNonActive, log.maxCompactionLagMs, nowMs) > 0,
    checkpointResetReason,
  };
}

/** Kafka's maxCompactionDelay: how long past max.compaction.lag.ms the oldest dirty segment's first batch is (0: not yet). */
function maxCompactionDelayMs(dirtyNonActive: readonly SegmentState[], maxCompactionLagMs: number, nowMs: number): number {
  const firstBatchTimes = dirtyNonActive.map((s) => s.firstBatchTimestampMs).filter((t) => t > 0);
  if (firstBatchTimes.length === 0) return 0;
  const cleanUntilMs = nowMs - maxCompactionLagMs;
  const earliestMs = Math.min(...firstBatchTimes);
  return earliestMs < cleanUntilMs ? cleanUntilMs - earliestMs : 0;
}

/**
 * Kafka's grabFilthiestCompactedLog: of the non-empty logs, those with something cleanable that
 * either waited past max.compaction.lag.ms or whose dirty ratio exceeds their minimum; the one
 * with the highest ratio wins (the first of equals). Undefined when none qualifies.
 */
export function filthiestLog(candidates: readonly LogToClean[]): LogToClean | undefined {
  let filthiest: LogToClean | undefined;
  for (const c of candidates) {
    if (c.cleanBytes + c.cleanableBytes === 0) continue;
    const cleanable = (c.needCompactionNow && c.cleanableBytes > 0) || c.cleanableRatio > c.minCleanableDirtyRatio;
    if (cleanable && (filthiest === undefined || c.cleanableRatio > filthiest.cleanableRatio)) filthiest = c;
  }
  return filthiest;
}
