/**
 * Writes a v2 record batch record by record into a buffer given up front (Kafka's
 * MemoryRecordsBuilder): a producer appends as records arrive, so they never wait as objects,
 * and seals the batch (header and CRC) once, when it is sent. Appends stop at the buffer's end.
 */
import { assert } from '../common/assert';
import { BATCH_HEADER_BYTES, recordBodySize, writeBatchHeader, writeRecord, type RecordInput } from './record-batch';
import { varintSize } from './varint';

export class RecordBatchBuilder {
  private position = BATCH_HEADER_BYTES;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private built: Buffer | undefined;

  constructor(private readonly buffer: Buffer) {
    assert(buffer.length > BATCH_HEADER_BYTES, () => `a batch buffer of ${buffer.length} bytes has no room past the header`);
  }

  /** Bytes a lone record takes in a batch of its own (what a buffer for it must hold). */
  static sizeOfSingle(record: RecordInput): number {
    const body = recordBodySize(record, 0, 0);
    return BATCH_HEADER_BYTES + varintSize(body) + body;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes the batch takes so far, header included. */
  get sizeBytes(): number {
    return this.position;
  }

  get capacityBytes(): number {
    return this.buffer.length;
  }

  /** Appends the record with `timestamp` if it fits in the buffer; returns false (nothing written) if not. */
  tryAppend(record: RecordInput, timestamp: number): boolean {
    assert(this.built === undefined, 'append to a sealed batch');
    const offsetDelta = this.count;
    if (offsetDelta === 0) this.baseTimestamp = this.maxTimestamp = timestamp;
    const body = recordBodySize(record, offsetDelta, timestamp - this.baseTimestamp);
    const end = this.position + varintSize(body) + body;
    if (end > this.buffer.length) return false;
    const written = writeRecord(this.buffer, this.position, record, body, offsetDelta, timestamp - this.baseTimestamp);
    assert(written === end, () => `record ${offsetDelta} took ${written - this.position} bytes, ${end - this.position} were counted`);
    this.position = end;
    this.count = offsetDelta + 1;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return true;
  }

  /** Seals the batch (header, CRC) on the first call and returns its bytes, a view of the buffer. */
  build(): Buffer {
    if (this.built === undefined) {
      assert(this.count > 0, 'an empty batch cannot be built');
      writeBatchHeader(this.buffer, 0, { sizeBytes: this.position, recordCount: this.count, baseTimestamp: this.baseTimestamp, maxTimestamp: this.maxTimestamp });
      this.built = this.buffer.subarray(0, this.position);
    }
    return this.built;
  }
}
