/**
 * The `.timeindex` of a segment, byte for byte Kafka's: 12-byte entries (timestamp i64, offset
 * relative to the segment's base u32). An entry (T, o) says the largest timestamp among the records
 * up to offset o is T, first reached in the batch ending at o; timestamps strictly increase. It
 * answers "from where on can records be at least this new?" for ListOffsets by time.
 */
import { assert } from '../common/assert';
import { writeInt64 } from '../protocol/varint';
import { RELATIVE_OFFSET_MAX } from './offset-index';
import { SegmentIndex } from './segment-index';

export const TIME_INDEX_ENTRY_BYTES = 12;
const timestampField = 0;
const relativeOffsetField = 8;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex extends SegmentIndex {
  /** `lazily`: the index of a log created now, made on disk at its first use. */
  static open(path: string, baseOffset: number, maxIndexBytes: number, lazily = false): TimeIndex {
    return new TimeIndex(path, baseOffset, maxIndexBytes, lazily);
  }

  private constructor(path: string, baseOffset: number, maxIndexBytes: number, lazily: boolean) {
    super(path, baseOffset, TIME_INDEX_ENTRY_BYTES, maxIndexBytes, lazily);
  }

  /** Methods, not arrow-function fields: 10,000 idle partitions' indexes would each carry the closures. */
  private timestampAt(i: number): number {
    return this.int64At(i, timestampField);
  }

  private offsetAt(i: number): number {
    return this.baseOffset + this.uint32At(i, relativeOffsetField);
  }

  entry(i: number): TimestampOffset {
    return { timestamp: this.timestampAt(i), offset: this.offsetAt(i) };
  }

  lastEntry(): TimestampOffset | undefined {
    return this.entryCount === 0 ? undefined : this.entry(this.entryCount - 1);
  }

  /**
   * The greatest entry whose timestamp is at or below `timestamp`, or (-1, the segment's base):
   * a record at or after `timestamp` sits in the batch ending at the returned offset or later.
   */
  lookup(timestamp: number): TimestampOffset {
    const i = this.floorEntry(timestamp, this.timestampAt);
    return i < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(i);
  }

  /**
   * Appends only when `timestamp` is newer than the last entry (Kafka's maybeAppend). A full index
   * takes no more entries, except the last one written when its segment rolls (`skipFullCheck`).
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    const last = this.lastEntry();
    // An empty index compares against (-1, base) as Kafka's does: "no timestamp" is never indexed.
    if (timestamp <= (last?.timestamp ?? -1)) return;
    if (this.isFull && !skipFullCheck) return;
    assert(last === undefined || offset >= last.offset, () => `time index ${this.path}: offset ${offset} below the last entry's ${last?.offset}`);
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= RELATIVE_OFFSET_MAX, () => `time index ${this.path}: offset ${offset} out of range of base ${this.baseOffset}`);
    const [buf, at] = this.appendSlot(skipFullCheck);
    writeInt64(buf, at + timestampField, timestamp);
    buf.writeUInt32BE(relative, at + relativeOffsetField);
  }

  /** Drops the entries whose offset is at or above `offset`. */
  truncateTo(offset: number): void {
    this.truncateToEntries(this.floorEntry(offset - 1, this.offsetAt) + 1);
  }

  /** Why the index cannot be trusted, or undefined: a torn entry, or entries out of order. */
  sanityProblem(): string | undefined {
    if (this.hadPartialEntry) return 'partial trailing entry';
    for (let i = 1; i < this.entryCount; i++) {
      const a = this.entry(i - 1);
      const b = this.entry(i);
      if (b.timestamp <= a.timestamp || b.offset < a.offset) return `entry ${i} (${b.timestamp}, ${b.offset}) does not follow (${a.timestamp}, ${a.offset})`;
    }
    return undefined;
  }
}
