/**
 * The sparse `.index` of a segment, byte for byte Kafka's: 8-byte entries (offset relative to the
 * segment's base, u32; byte position of a batch in the `.log`, u32). As in Kafka, an entry names
 * a batch's last offset and the position where that batch starts; both columns strictly increase.
 * Lookups take and return absolute offsets; the byte format stays in here.
 */
import { assert } from '../common/assert';
import { SegmentIndex } from './segment-index';

export const OFFSET_INDEX_ENTRY_BYTES = 8;
const relativeOffsetField = 0;
const positionField = 4;
/** Relative offsets are ints in Kafka's index; a segment never spans more (it rolls first). */
export const RELATIVE_OFFSET_MAX = 2 ** 31 - 1;

/** Where to start scanning the log for an offset: the batch ending at `offset` starts at `position`. */
export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends SegmentIndex {
  /** `lazily`: the index of a log created now, made on disk at its first use. */
  static open(path: string, baseOffset: number, maxIndexBytes: number, lazily = false): OffsetIndex {
    return new OffsetIndex(path, baseOffset, maxIndexBytes, lazily);
  }

  private constructor(path: string, baseOffset: number, maxIndexBytes: number, lazily: boolean) {
    super(path, baseOffset, OFFSET_INDEX_ENTRY_BYTES, maxIndexBytes, lazily);
  }

  /** A method, not an arrow-function field: 10,000 idle partitions' indexes would each carry the closure. */
  private offsetAt(i: number): number {
    return this.baseOffset + this.uint32At(i, relativeOffsetField);
  }

  entry(i: number): OffsetPosition {
    return { offset: this.offsetAt(i), position: this.uint32At(i, positionField) };
  }

  /** The last entry, or the segment's start when there is none. */
  lastEntry(): OffsetPosition {
    return this.entryCount === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.entryCount - 1);
  }

  /**
   * The greatest entry whose offset is at or below `offset`, or the segment's start: the batch
   * holding `offset` starts at or after the returned position.
   */
  lookup(offset: number): OffsetPosition {
    const i = this.floorEntry(offset, this.offsetAt);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }

  /** Adds (last offset of a batch, its position); both must exceed the last entry's. */
  append(offset: number, position: number): void {
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= RELATIVE_OFFSET_MAX, () => `index ${this.path}: offset ${offset} out of range of base ${this.baseOffset}`);
    assert(position >= 0 && position <= 0xffffffff, () => `index ${this.path}: position ${position} does not fit 32 bits`);
    if (this.entryCount > 0) {
      const last = this.lastEntry();
      assert(offset > last.offset && position > last.position, () =>
        `index ${this.path}: entry (${offset}, ${position}) does not follow (${last.offset}, ${last.position})`);
    }
    const [buf, at] = this.appendSlot();
    buf.writeUInt32BE(relative, at + relativeOffsetField);
    buf.writeUInt32BE(position, at + positionField);
  }

  /** Drops the entries at or above `offset` (the log was cut at the batch holding it). */
  truncateTo(offset: number): void {
    this.truncateToEntries(this.floorEntry(offset - 1, this.offsetAt) + 1);
  }

  /**
   * Why the index cannot be trusted for a log of `logSizeBytes`, or undefined: a torn entry,
   * offsets or positions not strictly increasing, or a position past the log's end.
   */
  sanityProblem(logSizeBytes: number): string | undefined {
    if (this.hadPartialEntry) return 'partial trailing entry';
    let previous: OffsetPosition | undefined;
    for (let i = 0; i < this.entryCount; i++) {
      const e = this.entry(i);
      if (e.position >= logSizeBytes) return `entry ${i} points at position ${e.position}, past the log's ${logSizeBytes} bytes`;
      if (previous && (e.offset <= previous.offset || e.position <= previous.position)) {
        return `entry ${i} (${e.offset}, ${e.position}) does not follow (${previous.offset}, ${previous.position})`;
      }
      previous = e;
    }
    return undefined;
  }
}
