/**
 * A consumer group's lag, as Kafka's kafka-consumer-groups.sh and the community's exporters give
 * it: per partition, the log end offset a consumer can read to (the high watermark) minus the
 * group's committed offset, never below zero; unknown where either offset is.
 */
import { partitionKey } from '../common/topic';

export interface CommittedPartitionOffset {
  groupId: string;
  topic: string;
  partition: number;
  /** The committed offset; negative when the group has none for the partition. */
  offset: number;
}

export interface PartitionLag extends CommittedPartitionOffset {
  logEndOffset: number;
  lag: number;
}

/** The lag of one partition, or null when the committed offset or the log end offset is unknown. */
export function consumerLag(committedOffset: number | null, logEndOffset: number | null): number | null {
  if (committedOffset === null || logEndOffset === null || committedOffset < 0) return null;
  return Math.max(0, logEndOffset - committedOffset);
}

/** Every committed offset whose partition's log end offset is known (`topic-partition` keys), with its lag. */
export function groupLags(committed: readonly CommittedPartitionOffset[], logEndOffsets: ReadonlyMap<string, number>): PartitionLag[] {
  const lags: PartitionLag[] = [];
  for (const c of committed) {
    const logEndOffset = logEndOffsets.get(partitionKey(c.topic, c.partition));
    const lag = consumerLag(c.offset, logEndOffset ?? null);
    if (logEndOffset !== undefined && lag !== null) lags.push({ ...c, logEndOffset, lag });
  }
  return lags;
}
