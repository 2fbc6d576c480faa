/**
 * The sparse `.index` of a segment: 8-byte entries (offset relative to the segment's base, u32;
 * byte position in the `.log`, u32), both strictly increasing. Lookups take and return absolute
 * offsets; the byte format stays in here. Entries are kept in memory and appended to the file.
 */
import * as fs from 'fs';
import { assert } from '../common/assert';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

/** Where to start scanning the log for an offset: a batch at `offset` begins at `position`. */
export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex {
  private entries: Buffer;
  private count = 0;
  /** Entries already written to the file; the rest are written by persist() (flush, roll, close). */
  private persistedCount: number;

  private constructor(readonly path: string, readonly baseOffset: number, private fd: number, initial: Buffer) {
    this.entries = Buffer.alloc(Math.max(4096, initial.length * 2));
    initial.copy(this.entries);
    this.count = Math.floor(initial.length / OFFSET_INDEX_ENTRY_BYTES);
    this.persistedCount = this.count;
  }

  /** Opens (or creates) the index file and loads its entries; a partial trailing entry is dropped. */
  static open(path: string, baseOffset: number): OffsetIndex {
    const fd = fs.openSync(path, fs.existsSync(path) ? 'r+' : 'w+');
    const bytes = fs.readFileSync(path);
    const whole = bytes.subarray(0, bytes.length - (bytes.length % OFFSET_INDEX_ENTRY_BYTES));
    return new OffsetIndex(path, baseOffset, fd, whole);
  }

  get entryCount(): number {
    return this.count;
  }

  entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_BYTES;
    return { offset: this.baseOffset + this.entries.readUInt32BE(at), position: this.entries.readUInt32BE(at + 4) };
  }

  lastEntry(): OffsetPosition {
    return this.count === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.count - 1);
  }

  /** The greatest entry at or below `offset`, or the segment's start. */
  lookup(offset: number): OffsetPosition {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.entry(mid).offset <= offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(found);
  }

  append(offset: number, position: number): void {
    const last = this.lastEntry();
    assert(this.count === 0 || (offset > last.offset && position > last.position), () =>
      `index ${this.path}: entry (${offset}, ${position}) does not follow (${last.offset}, ${last.position})`);
    const relative = offset - this.baseOffset;
    assert(relative >= 0 && relative <= 0xffffffff, () => `index ${this.path}: offset ${offset} out of range of base ${this.baseOffset}`);
    if ((this.count + 1) * OFFSET_INDEX_ENTRY_BYTES > this.entries.length) {
      const grown = Buffer.alloc(this.entries.length * 2);
      this.entries.copy(grown);
      this.entries = grown;
    }
    const at = this.count * OFFSET_INDEX_ENTRY_BYTES;
    this.entries.writeUInt32BE(relative, at);
    this.entries.writeUInt32BE(position, at + 4);
    this.count++;
  }

  /** Checks entries increase and point inside a log of `logSizeBytes`; a failure means rebuild. */
  isSane(logSizeBytes: number): boolean {
    let previous: OffsetPosition | undefined;
    for (let i = 0; i < this.count; i++) {
      const e = this.entry(i);
      if (e.position >= logSizeBytes) return false;
      if (previous && (e.offset <= previous.offset || e.position <= previous.position)) return false;
      previous = e;
    }
    return true;
  }

  /** Drops entries at or above `offset`. */
  truncateTo(offset: number): void {
    while (this.count > 0 && this.entry(this.count - 1).offset >= offset) this.count--;
    this.persistedCount = Math.min(this.persistedCount, this.count);
    fs.ftruncateSync(this.fd, this.persistedCount * OFFSET_INDEX_ENTRY_BYTES);
  }

  reset(): void {
    this.count = 0;
    this.persistedCount = 0;
    fs.ftruncateSync(this.fd, 0);
  }

  /**
   * Writes the entries appended since the last call in one system call. Appends stay in memory
   * until then (Kafka's indexes are memory-mapped for the same reason): after a crash, indexes of
   * segments past the recovery point are rebuilt anyway.
   */
  persist(): void {
    if (this.persistedCount >= this.count) return;
    const from = this.persistedCount * OFFSET_INDEX_ENTRY_BYTES;
    fs.writeSync(this.fd, this.entries, from, this.count * OFFSET_INDEX_ENTRY_BYTES - from, from);
    this.persistedCount = this.count;
  }

  flush(): void {
    this.persist();
    fs.fsyncSync(this.fd);
  }

  close(): void {
    this.persist();
    fs.closeSync(this.fd);
  }
}
