/**
 * The groups and committed offsets this broker holds as coordinator (Kafka's
 * GroupMetadataManager): which __consumer_offsets partitions it leads, loading a partition's
 * groups from its log when it becomes leader (COORDINATOR_LOAD_IN_PROGRESS meanwhile), dropping
 * them when it stops, and writing group metadata and offset commits there with acks=all. The
 * in-memory state only changes after the log write succeeded, so it never runs ahead of the log.
 */
import { ErrorCode } from '../common/errors';
import type { Logger } from '../common/logger';
import { batchLastOffset, batchLocations, decodeRecords, encodeRecordBatch, type RecordInput } from '../protocol/record-batch';
import { partitionForGroup } from './coordinator-partition';
import { GroupMetadata } from './group-metadata';
import {
  decodeGroupMetadataValue, decodeOffsetCommitValue, decodeOffsetsRecordKey, encodeGroupMetadataKey,
  encodeGroupMetadataValue, encodeOffsetCommitKey, encodeOffsetCommitValue, type GroupMetadataValue, type OffsetCommitValue,
} from './offsets-records';
import { partitionKey } from '../common/topic';

/** What the manager needs of the broker's __consumer_offsets partitions (broker.ts plugs in the ReplicaManager). */
export interface OffsetsTopicPort {
  /** Appends one batch as leader with acks=all; resolves with the wire error code. */
  append(partition: number, batch: Buffer): Promise<number>;
  /** Whole batches from `offset` (empty at the end), or undefined when the partition is not hosted here. */
  read(partition: number, offset: number, maxBytes: number): Buffer | undefined;
  /** [logStartOffset, logEndOffset) of the hosted partition. */
  bounds(partition: number): { start: number; end: number } | undefined;
}

export interface CommittedOffset extends OffsetCommitValue {
  topic: string;
  partition: number;
}

/** How much of the log one load step reads before letting requests run (Kafka's offsets.load.buffer.size: 5 MiB). */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

/** Kafka's mapping of append errors to what a group client understands (GroupMetadataManager.storeGroup / storeOffsets). */
export function coordinatorAppendError(code: number, forOffsets: boolean): number {
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code:
    case ErrorCode.NOT_ENOUGH_REPLICAS.code:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code:
    case ErrorCode.REQUEST_TIMED_OUT.code:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE.code;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER.code:
    case ErrorCode.KAFKA_STORAGE_ERROR.code:
      return ErrorCode.NOT_COORDINATOR.code;
    case ErrorCode.MESSAGE_TOO_LARGE.code:
    case ErrorCode.RECORD_LIST_TOO_LARGE.code:
    case ErrorCode.INVALID_FETCH_SIZE.code:
      return forOffsets ? ErrorCode.INVALID_COMMIT_OFFSET_SIZE.code : ErrorCode.UNKNOWN_SERVER_ERROR.code;
    default:
      return code;
  }
}

export class GroupMetadataManager {
  readonly groups = new Map<string, GroupMetadata>();
  private readonly owned = new Set<number>();
  private readonly loading = new Set<number>();
  /** Raised on every leadership change of a partition, so a load that lost the partition meanwhile stops. */
  private readonly epochs = new Map<number, number>();

  constructor(
    readonly partitionCount: number,
    private readonly log: OffsetsTopicPort,
    private readonly logger: Logger,
    private readonly nowMs: () => number,
  ) {}

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  isCoordinatorFor(groupId: string): boolean {
    return this.owned.has(this.partitionFor(groupId));
  }

  isLoading(groupId: string): boolean {
    return this.loading.has(this.partitionFor(groupId));
  }

  isLoadingPartition(partition: number): boolean {
    return this.loading.has(partition);
  }

  ownedPartitions(): number[] {
    return [...this.owned];
  }

  /**
   * Becomes coordinator of `partition`: replays its log (latest record per key wins, tombstones
   * delete) and hands each loaded group to `onLoaded`. Requests meanwhile are answered
   * COORDINATOR_LOAD_IN_PROGRESS.
   */
  async loadPartition(partition: number, onLoaded: (group: GroupMetadata) => void): Promise<void> {
    const epoch = this.bumpEpoch(partition);
    this.owned.add(partition);
    this.loading.add(partition);
    const started = this.nowMs();
    const offsets = new Map<string, Map<string, CommittedOffset>>();
    const metadata = new Map<string, GroupMetadataValue | null>();
    try {
      let position = this.log.bounds(partition)?.start ?? 0;
      for (;;) {
        // Let requests and the replica manager run between chunks: loading must not stall the broker.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.epochs.get(partition) !== epoch) return;
        const bytes = this.log.read(partition, position, LOAD_BUFFER_BYTES);
        if (bytes === undefined || bytes.length === 0) break;
        let lastOffset = position - 1;
        for (const batch of batchLocations(bytes)) {
          for (const record of decodeRecords(bytes, batch.position)) {
            replay(record.key, record.value, offsets, metadata);
            lastOffset = record.offset;
          }
          lastOffset = Math.max(lastOffset, batchLastOffset(bytes, batch.position));
        }
        position = lastOffset + 1;
      }
      let count = 0;
      for (const groupId of new Set([...offsets.keys(), ...metadata.keys()])) {
        const value = metadata.get(groupId);
        const group = value ? GroupMetadata.fromValue(groupId, value) : new GroupMetadata(groupId);
        for (const [key, committed] of offsets.get(groupId) ?? []) group.offsets.set(key, committed);
        if (!value && group.offsets.size === 0) continue;
        this.groups.set(groupId, group);
        onLoaded(group);
        count++;
      }
      this.logger.info(`__consumer_offsets-${partition}: loaded ${count} group(s) in ${this.nowMs() - started} ms`);
    } catch (err) {
      this.logger.error(`__consumer_offsets-${partition}: loading groups failed: ${(err as Error).message}`);
    } finally {
      if (this.epochs.get(partition) === epoch) this.loading.delete(partition);
    }
  }

  /** Stops coordinating `partition`: its groups leave memory, each handed to `onUnloaded` first. */
  removePartition(partition: number, onUnloaded: (group: GroupMetadata) => void): void {
    this.bumpEpoch(partition);
    this.owned.delete(partition);
    this.loading.delete(partition);
    let count = 0;
    for (const [groupId, group] of this.groups) {
      if (this.partitionFor(groupId) !== partition) continue;
      onUnloaded(group);
      this.groups.delete(groupId);
      count++;
    }
    if (count > 0) this.logger.info(`__consumer_offsets-${partition}: unloaded ${count} group(s)`);
  }

  private bumpEpoch(partition: number): number {
    const epoch = (this.epochs.get(partition) ?? 0) + 1;
    this.epochs.set(partition, epoch);
    return epoch;
  }

  /** Writes the group's metadata record (members, generation, assignments); resolves with an error code. */
  async storeGroup(group: GroupMetadata): Promise<number> {
    const record = { key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(group.toValue()) };
    return coordinatorAppendError(await this.append(group.groupId, [record]), false);
  }

  /** Writes the commits as one batch; the group's offsets change only once the batch is committed. */
  async storeOffsets(group: GroupMetadata, commits: CommittedOffset[]): Promise<number> {
    if (commits.length === 0) return ErrorCode.NONE.code;
    const records = commits.map((c) => ({
      key: encodeOffsetCommitKey(group.groupId, c.topic, c.partition),
      value: encodeOffsetCommitValue(c),
    }));
    const code = coordinatorAppendError(await this.append(group.groupId, records), true);
    if (code === ErrorCode.NONE.code) for (const c of commits) group.offsets.set(partitionKey(c.topic, c.partition), c);
    return code;
  }

  /**
   * Kafka's cleanupGroupMetadata for a deleted group: a tombstone for each committed offset and one
   * for the group's metadata, in one batch, so a reload finds none of it; once they are written
   * the group leaves memory. Resolves with an error code.
   */
  async deleteGroup(group: GroupMetadata): Promise<number> {
    const records: RecordInput[] = [...group.offsets.values()].map((o) => ({ key: encodeOffsetCommitKey(group.groupId, o.topic, o.partition), value: null }));
    records.push({ key: encodeGroupMetadataKey(group.groupId), value: null });
    const code = coordinatorAppendError(await this.append(group.groupId, records), false);
    if (code === ErrorCode.NONE.code && this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
    return code;
  }

  /** Deletes the offsets of `topics` (tombstones), as reset/delete tools need. */
  async deleteOffsets(group: GroupMetadata, keys: { topic: string; partition: number }[]): Promise<number> {
    if (keys.length === 0) return ErrorCode.NONE.code;
    const records = keys.map((k) => ({ key: encodeOffsetCommitKey(group.groupId, k.topic, k.partition), value: null }));
    const code = coordinatorAppendError(await this.append(group.groupId, records), true);
    if (code === ErrorCode.NONE.code) for (const k of keys) group.offsets.delete(partitionKey(k.topic, k.partition));
    return code;
  }

  private append(groupId: string, records: RecordInput[]): Promise<number> {
    const partition = this.partitionFor(groupId);
    if (!this.owned.has(partition)) return Promise.resolve(ErrorCode.NOT_COORDINATOR.code);
    return this.log.append(partition, encodeRecordBatch(records, { baseTimestamp: this.nowMs() }));
  }
}

function replay(
  keyBytes: Buffer | null,
  value: Buffer | null,
  offsets: Map<string, Map<string, CommittedOffset>>,
  metadata: Map<string, GroupMetadataValue | null>,
): void {
  if (keyBytes === null) return;
  const key = decodeOffsetsRecordKey(keyBytes);
  if (key.kind === 'group') {
    metadata.set(key.group, value === null ? null : decodeGroupMetadataValue(value));
    return;
  }
  let byPartition = offsets.get(key.group);
  if (!byPartition) {
    byPartition = new Map();
    offsets.set(key.group, byPartition);
  }
  const k = partitionKey(key.topic, key.partition);
  if (value === null) byPartition.delete(k);
  else byPartition.set(k, { topic: key.topic, partition: key.partition, ...decodeOffsetCommitValue(value) });
}
