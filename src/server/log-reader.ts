/**
 * How a Fetch reads its partitions (Kafka's ReplicaManager.readFromLocalLog): raw batches, never
 * decoded, within the request's maxBytes and each partition's partitionMaxBytes, except that the
 * first batch of the first partition with data is returned whole even when larger (KIP-74), so a
 * consumer can never be stuck behind one big batch. Record bytes are read into buffers lent by
 * fetchReadBuffers; the Fetch handler gives them back once its answer is written.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { FetchIsolation, Partition } from '../replication/partition';
import { partitionKey } from '../common/topic';
import { fetchReadBuffers } from './fetch-read-buffers';
import { partitionError } from './partition-error';

export interface FetchPartitionParams {
  topic: string;
  partition: number;
  fetchOffset: number;
  currentLeaderEpoch: number;
  partitionMaxBytes: number;
  /** A follower's log start offset (what DeleteRecords waits for); consumers send -1 or nothing. */
  logStartOffset?: number;
}

export interface FetchParams {
  /** -1 for consumers, the follower's broker id for replicas. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartitionParams[];
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
  records: Buffer | null;
}

export interface LogReaderSource {
  /** The hosted partition, or throws the error to answer (unknown, not hosted here). */
  getPartition(topic: string, partition: number): Partition;
  logger: Logger;
  /** For a follower's fetch: the partition's data is held back now (the leader's replication throttle, Kafka's shouldLeaderThrottle). */
  leaderThrottled?: (partition: Partition) => boolean;
}

export function readFromLocalLog(source: LogReaderSource, params: FetchParams, isolation: FetchIsolation): FetchPartitionResult[] {
  let bytesLeft = params.maxBytes;
  let minOneBatch = true;
  return params.partitions.map((entry) => {
    const result: FetchPartitionResult = {
      topic: entry.topic, partition: entry.partition, errorCode: ErrorCode.NONE.code, errorMessage: null,
      highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: null,
    };
    let into: Buffer | undefined;
    try {
      const partition = source.getPartition(entry.topic, entry.partition);
      if (isolation === 'logEnd' && partition.isLeader && partition.followerState(params.replicaId) === undefined) {
        throw new JosefError(ErrorCode.REPLICA_NOT_AVAILABLE, `broker ${params.replicaId} is not a follower of ${partition.key} (replicas ${JSON.stringify(partition.replicas)})`);
      }
      // A throttled partition answers with its offsets and no data, as Kafka's empty record set.
      const throttled = source.leaderThrottled?.(partition) ?? false;
      const budgetBytes = throttled ? 0 : Math.min(entry.partitionMaxBytes, bytesLeft);
      const maxBytes = minOneBatch && !throttled ? Math.max(budgetBytes, 1) : budgetBytes;
      // The bytes land in a reused buffer (see fetch-read-buffers.ts) when they fit in one.
      into = maxBytes > 0 ? fetchReadBuffers.lease(maxBytes) : undefined;
      const read = partition.read(entry.fetchOffset, maxBytes, isolation, entry.currentLeaderEpoch, into);
      // PartitionLog.read returns at least one whole batch; past the first partition with data that batch must fit.
      const records = (minOneBatch && !throttled) || read.records.length <= budgetBytes ? read.records : Buffer.alloc(0);
      Object.assign(result, { highWatermark: read.highWatermark, logStartOffset: read.logStartOffset, logEndOffset: read.logEndOffset });
      result.records = records.length > 0 ? records : null;
      if (records.length > 0) minOneBatch = false;
      bytesLeft -= records.length;
    } catch (err) {
      Object.assign(result, partitionError(err, `fetch of ${partitionKey(entry.topic, entry.partition)} at offset ${entry.fetchOffset}`, source.logger));
    }
    // A lent buffer the answer does not hold (nothing read, a larger first batch, an error) goes straight back.
    if (into !== undefined && result.records?.buffer !== into.buffer) fetchReadBuffers.release(into);
    return result;
  });
}

/**
 * For a waiting fetch: how many bytes it could read now, counted until `minBytes` is reached;
 * Infinity when a partition needs an answer at once (not led here any more, epoch changed, offset
 * out of range, deleted).
 */
export function readableBytes(
  lookup: (topic: string, partition: number) => Partition | undefined,
  params: FetchParams,
  isolation: FetchIsolation,
  minBytes: number,
  leaderThrottled?: (partition: Partition) => boolean,
): number {
  let total = 0;
  for (const entry of params.partitions) {
    const partition = lookup(entry.topic, entry.partition);
    if (!partition?.isLeader) return Infinity;
    if (entry.currentLeaderEpoch !== -1 && entry.currentLeaderEpoch !== partition.leaderEpoch) return Infinity;
    const { log } = partition;
    if (entry.fetchOffset < log.logStartOffset || entry.fetchOffset > log.logEndOffset) return Infinity;
    const limit = partition.readLimit(isolation);
    // As Kafka's DelayedFetch: bytes a throttle holds back do not complete the wait.
    if (entry.fetchOffset >= limit || leaderThrottled?.(partition)) continue;
    if (minBytes - total <= 1) return total + 1;
    try {
      const maxBytes = Math.max(1, Math.min(entry.partitionMaxBytes, minBytes - total));
      total += log.read(entry.fetchOffset, { maxBytes, maxOffsetExclusive: limit }).length;
    } catch {
      return Infinity;
    }
    if (total >= minBytes) return total;
  }
  return total;
}
