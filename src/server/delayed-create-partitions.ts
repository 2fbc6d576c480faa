/**
 * Kafka's DelayedCreatePartitions, for CreateTopics and CreatePartitions: the answer waits (up to
 * the request's timeout) until the controller's UpdateMetadata has brought a live leader for every
 * partition of each topic written into this broker's metadata cache, so that the client can use
 * them at once. A topic whose leaders do not show in time answers REQUEST_TIMED_OUT (it is written
 * all the same); a timeout of 0 or less does not wait and so answers REQUEST_TIMED_OUT at once,
 * as Kafka's AdminManager does.
 */
import { ErrorCode } from '../common/errors';
import type { MetadataCache } from './metadata-cache';

/** A topic whose partitions were written, and the result its answer carries. */
export interface WrittenTopic {
  result: { name: string; errorCode: number; errorMessage: string | null };
  /** How many partitions it has now (undefined: however many the cache learns of, at least one). */
  partitionCount?: number;
  /** What was done, for the message: "topic t was created". */
  done: string;
}

export async function awaitLeaders(written: readonly WrittenTopic[], timeoutMs: number, cache: MetadataCache): Promise<void> {
  if (written.length === 0) return;
  const ready = (w: WrittenTopic): boolean => cache.hasLeaders(w.result.name, w.partitionCount);
  if (timeoutMs > 0) await cache.waitUntil(() => written.every(ready), timeoutMs);
  for (const w of written) {
    if (timeoutMs > 0 && ready(w)) continue;
    w.result.errorCode = ErrorCode.REQUEST_TIMED_OUT.code;
    w.result.errorMessage = `${w.done}, but its partitions had no leaders within ${timeoutMs} ms`;
  }
}
