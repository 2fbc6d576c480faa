/**
 * One partition's part of a Fetch answer on its way to the application (Kafka's CompletedFetch):
 * its batches are checked and decoded one at a time, as records are handed out, so that only a
 * batch's worth of record objects exists at once (they die young, which keeps garbage collection
 * cheap). Records below the fetch offset inside a batch are skipped, as Kafka does.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { batchLastOffset, batchLocations, checkBatch, decodeRecords, type BatchLocation } from '../protocol/record-batch';
import type { ConsumerRecord } from './records';
import type { TopicPartitionState } from './subscription-state';

export class CompletedFetch {
  /** The offset of the next record to hand out: the partition's position while this answer is current. */
  nextOffset: number;
  private readonly locations: BatchLocation[];
  private batchIndex = 0;
  private records: ConsumerRecord[] = [];
  private recordIndex = 0;
  private readonly oversized: JosefError | undefined;

  constructor(
    readonly state: TopicPartitionState,
    readonly fetchOffset: number,
    readonly errorCode: number,
    readonly highWatermark: number,
    private readonly buffer: Buffer | null,
    private readonly checkCrcs: boolean,
    maxPartitionFetchBytes: number,
  ) {
    this.nextOffset = fetchOffset;
    this.locations = buffer === null || errorCode !== ErrorCode.NONE.code ? [] : [...batchLocations(buffer)];
    // Kafka's brokers return at least one whole batch; a partial one alone can never grow.
    if (buffer !== null && buffer.length > 0 && this.locations.length === 0 && errorCode === ErrorCode.NONE.code) {
      this.oversized = new JosefError(ErrorCode.RECORD_LIST_TOO_LARGE, `the batch at offset ${fetchOffset} of ${state.name} is larger than maxPartitionFetchBytes ${maxPartitionFetchBytes}`);
    }
  }

  /** True once every whole batch has been handed out. */
  get exhausted(): boolean {
    return this.oversized === undefined && this.recordIndex >= this.records.length && this.batchIndex >= this.locations.length;
  }

  /** Appends records to `out` until it holds `max` or this answer has no more. */
  take(out: ConsumerRecord[], max: number): void {
    if (this.oversized) throw this.oversized;
    while (out.length < max) {
      if (this.recordIndex >= this.records.length && !this.decodeNextBatch()) return;
      const record = this.records[this.recordIndex++];
      out.push(record);
      this.nextOffset = record.offset + 1;
    }
  }

  /** Decodes the next batch holding records at or past nextOffset; false when none is left. */
  private decodeNextBatch(): boolean {
    const buf = this.buffer!;
    const { topic, partition } = this.state;
    while (this.batchIndex < this.locations.length) {
      const { position, size } = this.locations[this.batchIndex++];
      const lastOffset = batchLastOffset(buf, position);
      if (lastOffset < this.nextOffset) continue;
      if (this.checkCrcs) {
        const check = checkBatch(buf, position, position + size);
        if (!check.ok) {
          this.batchIndex--; // the error stays until the application seeks past it, as in Kafka
          throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `fetched batch of ${topic}-${partition} at offset ${this.nextOffset} is corrupt: ${check.reason}`);
        }
      }
      const records: ConsumerRecord[] = [];
      for (const r of decodeRecords(buf, position)) {
        if (r.offset < this.nextOffset) continue;
        records.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
      }
      // Past this batch whatever it held (a compacted batch may end in a gap): Kafka's nextOffset().
      this.nextOffset = lastOffset + 1;
      if (records.length === 0) continue;
      this.nextOffset = records[0].offset;
      this.records = records;
      this.recordIndex = 0;
      return true;
    }
    this.records = [];
    this.recordIndex = 0;
    return false;
  }
}
