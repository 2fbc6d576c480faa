/**
 * The file and memory behind a segment index (`.index`, `.timeindex`): fixed-size entries, entry i
 * at byte i * entryBytes. While its segment is active the entries live in a Buffer (grown
 * geometrically, never past the index's byte bound) and reach the file in one write per persist();
 * once the segment is inactive the memory is released and lookups read entries from the file, so a
 * broker's heap does not grow with the data it stores (Kafka memory-maps its indexes for the same
 * reason). Entries below `persistedCount` are in the file; all `count` entries are readable. The
 * file's descriptor comes from the process's file-handle cache, so an idle index holds none, and an
 * empty index holds no memory either (10,000 idle partitions would otherwise keep 80 MB).
 */
import * as fs from 'fs';
import { assert } from '../common/assert';
import { readInt64 } from '../protocol/varint';
import { type CachedFile, segmentFileHandles } from './file-handle-cache';

/** The first in-memory buffer of an index: enough for small segments without a regrow. */
const initialMemoryBytes = 4096;

export abstract class SegmentIndex {
  /** Entries of an active index; undefined while empty or once released (then entries are read from the file). */
  private memory: Buffer | undefined;
  private count: number;
  private persistedCount: number;
  /** The file did not exist when opened: its entries must be rebuilt from the log. */
  readonly newlyCreated: boolean;
  /** The file held a partial trailing entry when opened (a torn write): the index needs a rebuild. */
  protected readonly hadPartialEntry: boolean;
  /** One entry read from the file, reused by lookups of a released index. */
  private scratch: Buffer | undefined;
  private scratchEntry = -1;
  private readonly file: CachedFile;
  /** The most entries the index may hold (segment.index.bytes / entryBytes). */
  readonly maxEntries: number;

  /** `lazily`: the index of a log created now, its file made on disk at its first use. */
  protected constructor(filePath: string, readonly baseOffset: number, private readonly entryBytes: number, maxIndexBytes: number, lazily: boolean) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entryBytes));
    if (lazily) {
      this.file = segmentFileHandles.fileToCreate(filePath);
      this.newlyCreated = true;
      this.hadPartialEntry = false;
      this.count = 0;
    } else {
      const { file, created } = segmentFileHandles.openFile(filePath);
      this.file = file;
      this.newlyCreated = created;
      const bytes = fs.readFileSync(filePath);
      const wholeBytes = bytes.length - (bytes.length % entryBytes);
      this.hadPartialEntry = wholeBytes !== bytes.length;
      this.count = wholeBytes / entryBytes;
      if (this.count > 0) {
        this.memory = Buffer.alloc(wholeBytes + initialMemoryBytes);
        bytes.copy(this.memory, 0, 0, wholeBytes);
      }
    }
    this.persistedCount = this.count;
  }

  /** Makes the file on disk if it still awaits its first use. */
  create(): void {
    this.file.create();
  }

  get path(): string {
    return this.file.path;
  }

  /** Renames the file (its descriptor follows it): the log cleaner's suffix changes. */
  renameTo(newPath: string): void {
    this.file.renameTo(newPath);
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get sizeBytes(): number {
    return this.count * this.entryBytes;
  }

  /** The buffer holding entry i and the byte where it starts (memory, or the scratch entry read from the file). */
  private locateEntry(i: number): [Buffer, number] {
    assert(i >= 0 && i < this.count, () => `${this.path}: entry ${i} of ${this.count}`);
    if (this.memory !== undefined) return [this.memory, i * this.entryBytes];
    this.scratch ??= Buffer.alloc(this.entryBytes);
    if (this.scratchEntry !== i) {
      const read = fs.readSync(this.file.fd, this.scratch, 0, this.entryBytes, i * this.entryBytes);
      assert(read === this.entryBytes, () => `${this.path}: entry ${i} is not in the file (read ${read} bytes)`);
      this.scratchEntry = i;
    }
    return [this.scratch, 0];
  }

  protected uint32At(i: number, field: number): number {
    const [buf, at] = this.locateEntry(i);
    return buf.readUInt32BE(at + field);
  }

  protected int64At(i: number, field: number): number {
    const [buf, at] = this.locateEntry(i);
    return readInt64(buf, at + field);
  }

  /** The last entry whose key is at or below `target` (keys non-decreasing), or -1 when none is. */
  protected floorEntry(target: number, keyAt: (this: this, i: number) => number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (keyAt.call(this, mid) <= target) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  /**
   * Makes room for one more entry and returns the buffer and byte to write it at. A released index
   * (its segment became active again after a truncation) is read back into memory first. A full
   * index takes one entry more only when `pastFull` says so (the time index's entry at a roll).
   */
  protected appendSlot(pastFull = false): [Buffer, number] {
    assert(this.count < this.maxEntries + (pastFull ? 1 : 0), () => `${this.path}: append to a full index (${this.count} entries)`);
    let memory = this.memory ?? this.loadIntoMemory();
    const at = this.count * this.entryBytes;
    if (at + this.entryBytes > memory.length) {
      const grown = Buffer.alloc(Math.min(memory.length * 2, this.maxEntries * this.entryBytes + this.entryBytes));
      memory.copy(grown, 0, 0, at);
      memory = this.memory = grown;
    }
    this.count++;
    return [memory, at];
  }

  private loadIntoMemory(): Buffer {
    const bytes = this.count * this.entryBytes;
    const memory = Buffer.alloc(Math.max(initialMemoryBytes, bytes * 2));
    const read = bytes === 0 ? 0 : fs.readSync(this.file.fd, memory, 0, bytes, 0);
    assert(read === bytes, () => `${this.path}: read ${read} of ${bytes} index bytes`);
    this.memory = memory;
    return memory;
  }

  /** Keeps the first `entries` entries. */
  protected truncateToEntries(entries: number): void {
    if (entries >= this.count) return;
    this.count = entries;
    this.scratchEntry = -1;
    if (this.persistedCount > entries) {
      this.persistedCount = entries;
      fs.ftruncateSync(this.file.fd, entries * this.entryBytes);
    }
  }

  /** Drops every entry (before a rebuild). */
  reset(): void {
    this.count = 0;
    this.persistedCount = 0;
    this.scratchEntry = -1;
    this.memory ??= Buffer.alloc(initialMemoryBytes);
    fs.ftruncateSync(this.file.fd, 0);
  }

  /** Writes the entries appended since the last call in one system call. */
  persist(): void {
    if (this.persistedCount >= this.count) return;
    assert(this.memory !== undefined, () => `${this.path}: unpersisted entries without memory`);
    const from = this.persistedCount * this.entryBytes;
    const length = this.count * this.entryBytes - from;
    let written = 0;
    while (written < length) written += fs.writeSync(this.file.fd, this.memory, from + written, length - written, from + written);
    this.persistedCount = this.count;
  }

  /** Persists, then frees the memory: lookups read the file from now on. */
  release(): void {
    this.persist();
    this.memory = undefined;
    this.scratchEntry = -1;
  }

  flush(): void {
    this.persist();
    fs.fsyncSync(this.file.fd);
  }

  close(): void {
    this.persist();
    this.closeHandlers();
  }

  /** Closes the file without writing what is only in memory (its log dir went offline; recovery rebuilds the index). */
  closeHandlers(): void {
    this.file.close();
    this.memory = undefined;
  }
}
