/**
 * The `.timeindex` of a segment: 12-byte entries (timestamp i64, offset relative to the segment's
 * base u32), timestamps strictly increasing. It answers "from which offset on can records be at
 * least this new?" for ListOffsets by timestamp and drives time-based retention.
 */
import * as fs from 'fs';
import { readInt64, writeInt64 } from '../protocol/varint';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  private entries: Buffer;
  private count: number;
  /** Entries already written to the file; the rest are written by persist() (flush, roll, close). */
  private persistedCount: number;

  private constructor(readonly path: string, readonly baseOffset: number, private fd: number, initial: Buffer) {
    this.entries = Buffer.alloc(Math.max(4096, initial.length * 2));
    initial.copy(this.entries);
    this.count = Math.floor(initial.length / TIME_INDEX_ENTRY_BYTES);
    this.persistedCount = this.count;
  }

  static open(path: string, baseOffset: number): TimeIndex {
    const fd = fs.openSync(path, fs.existsSync(path) ? 'r+' : 'w+');
    const bytes = fs.readFileSync(path);
    return new TimeIndex(path, baseOffset, fd, bytes.subarray(0, bytes.length - (bytes.length % TIME_INDEX_ENTRY_BYTES)));
  }

  get entryCount(): number {
    return this.count;
  }

  entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_BYTES;
    return { timestamp: readInt64(this.entries, at), offset: this.baseOffset + this.entries.readUInt32BE(at + 8) };
  }

  lastEntry(): TimestampOffset | undefined {
    return this.count === 0 ? undefined : this.entry(this.count - 1);
  }

  /** The greatest entry whose timestamp is at or below `timestamp`, or the segment's start. */
  lookup(timestamp: number): TimestampOffset {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.entry(mid).timestamp <= timestamp) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(found);
  }

  /** Appends only when `timestamp` is newer than the last entry (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry();
    if (last && (timestamp <= last.timestamp || offset < last.offset)) return;
    if ((this.count + 1) * TIME_INDEX_ENTRY_BYTES > this.entries.length) {
      const grown = Buffer.alloc(this.entries.length * 2);
      this.entries.copy(grown);
      this.entries = grown;
    }
    const at = this.count * TIME_INDEX_ENTRY_BYTES;
    writeInt64(this.entries, at, timestamp);
    this.entries.writeUInt32BE(offset - this.baseOffset, at + 8);
    this.count++;
  }

  isSane(): boolean {
    for (let i = 1; i < this.count; i++) {
      const a = this.entry(i - 1);
      const b = this.entry(i);
      if (b.timestamp <= a.timestamp || b.offset < a.offset) return false;
    }
    return true;
  }

  truncateTo(offset: number): void {
    while (this.count > 0 && this.entry(this.count - 1).offset >= offset) this.count--;
    this.persistedCount = Math.min(this.persistedCount, this.count);
    fs.ftruncateSync(this.fd, this.persistedCount * TIME_INDEX_ENTRY_BYTES);
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
    const from = this.persistedCount * TIME_INDEX_ENTRY_BYTES;
    fs.writeSync(this.fd, this.entries, from, this.count * TIME_INDEX_ENTRY_BYTES - from, from);
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
