/**
 * The bounded set of open segment files (`.log`, `.index`, `.timeindex`) of a process. A segment
 * file holds a descriptor only while it is in use: at most `maxOpenFiles` are open at once, and
 * opening one more closes one not used lately (the clock algorithm: one "used" bit per file, set
 * on every use, so a use costs a field write and the hot append path no list reshuffling). The
 * bound is per process because the file-descriptor limit it protects is (RLIMIT_NOFILE): with
 * 10,000 partitions an idle broker holds no more than the bound, instead of three per segment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../common/assert';
import { defaultMaxOpenFiles } from '../common/open-file-limit';

/** errno codes of a process (EMFILE) or system (ENFILE) out of file descriptors. */
export function isOutOfFileDescriptors(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

/**
 * One segment file opened on demand. Every system call on it takes `fd` afresh, right before
 * the call: a descriptor kept across another file's open could have been closed (and reused).
 * A file of a log created lazily is not on disk until its first use (or create()), which makes
 * it and its folder.
 */
export class CachedFile {
  /** The descriptor while open, else -1. */
  openFd = -1;
  /** Set by every use; the clock hand clears it once before closing the file. */
  used = false;
  /** Where this file sits in the cache's ring while open. */
  ringSlot = -1;
  private closed = false;

  constructor(private filePath: string, private readonly cache: FileHandleCache, private awaitingCreation = false) {}

  get path(): string {
    return this.filePath;
  }

  /** Renames the file (the log cleaner's suffixes): an open descriptor follows it, a later reopen uses the new name. */
  renameTo(newPath: string): void {
    if (!this.awaitingCreation) fs.renameSync(this.filePath, newPath);
    this.filePath = newPath;
  }

  /**
   * The file's descriptor, opening it (and maybe closing another file) when it is not open. A file
   * closed for good answers EBADF, as its closed descriptor did before the cache: a log whose dir
   * just went offline fails a late read with a storage error, not a crash.
   */
  get fd(): number {
    if (this.closed) throw Object.assign(new Error(`EBADF: ${this.path} is closed`), { code: 'EBADF' });
    this.used = true;
    if (this.openFd < 0) this.openNow();
    return this.openFd;
  }

  /** Whether the file waits for its first use to be created. */
  get isAwaitingCreation(): boolean {
    return this.awaitingCreation;
  }

  /** Makes a file that awaits creation (and its folder) now; a file on disk or closed is left as it is. */
  create(): void {
    if (this.awaitingCreation && !this.closed) this.openNow();
  }

  private openNow(): void {
    if (!this.awaitingCreation) {
      this.cache.open(this, 'r+');
      return;
    }
    fs.mkdirSync(path.dirname(this.filePath), { recursive: true });
    this.cache.open(this, 'w+');
    this.awaitingCreation = false;
  }

  /** Closes the descriptor for good; the file is not opened again. */
  close(): void {
    this.closed = true;
    this.cache.release(this);
  }
}

export class FileHandleCache {
  /** The open files; the clock hand walks it. */
  private readonly ring: CachedFile[] = [];
  private hand = 0;
  private opened = 0;
  private evicted = 0;

  constructor(private bound: number) {
    assert(bound >= 1, () => `open-file bound ${bound} is below 1`);
  }

  get maxOpenFiles(): number {
    return this.bound;
  }

  get openCount(): number {
    return this.ring.length;
  }

  /** Descriptors opened and closed for room since the process started (for stats and tests). */
  get stats(): { opened: number; evicted: number } {
    return { opened: this.opened, evicted: this.evicted };
  }

  /** A new bound (log.max.open.files at broker start); files over it close now. */
  resize(bound: number): void {
    assert(bound >= 1, () => `open-file bound ${bound} is below 1`);
    this.bound = bound;
    while (this.ring.length > this.bound) this.evictOne();
  }

  /** Opens (or creates, when absent) `path`: the returned file is open, so a missing file is created now. */
  openFile(path: string): { file: CachedFile; created: boolean } {
    const file = new CachedFile(path, this);
    const created = !fs.existsSync(path);
    this.open(file, created ? 'w+' : 'r+');
    file.used = true;
    return { file, created };
  }

  /** A file of a log created now: no system call until its first use creates it (CachedFile.create). */
  fileToCreate(path: string): CachedFile {
    return new CachedFile(path, this, true);
  }

  /**
   * Gives `file` a descriptor, first closing files not used lately while the bound is reached.
   * Out of descriptors anyway (sockets took them), it closes half of its own files and tries once
   * more; a second EMFILE is thrown for the caller's log dir failure handling.
   */
  open(file: CachedFile, flags: 'r+' | 'w+'): void {
    while (this.ring.length >= this.bound) this.evictOne();
    let fd: number;
    try {
      fd = fs.openSync(file.path, flags);
    } catch (err) {
      if (!isOutOfFileDescriptors(err) || this.ring.length === 0) throw err;
      this.shrinkBy(Math.ceil(this.ring.length / 2));
      fd = fs.openSync(file.path, flags);
    }
    file.openFd = fd;
    file.ringSlot = this.ring.length;
    this.ring.push(file);
    this.opened++;
  }

  /** Closes `count` files not used lately (the process ran out of descriptors elsewhere). */
  shrinkBy(count: number): void {
    for (let i = 0; i < count && this.ring.length > 0; i++) this.evictOne();
  }

  /** Closes `file`'s descriptor if it has one. */
  release(file: CachedFile): void {
    if (file.openFd < 0) return;
    this.removeFromRing(file);
    fs.closeSync(file.openFd);
    file.openFd = -1;
  }

  /** The clock: skips (and clears) files used since the hand last passed, closes the first one not used. */
  private evictOne(): void {
    for (;;) {
      if (this.hand >= this.ring.length) this.hand = 0;
      const candidate = this.ring[this.hand];
      if (candidate.used) {
        candidate.used = false;
        this.hand++;
        continue;
      }
      this.release(candidate);
      this.evicted++;
      return;
    }
  }

  /** Takes `file` out of the ring in O(1): the last file moves into its slot. */
  private removeFromRing(file: CachedFile): void {
    const slot = file.ringSlot;
    const last = this.ring.pop() as CachedFile;
    if (last !== file) {
      this.ring[slot] = last;
      last.ringSlot = slot;
    }
    file.ringSlot = -1;
  }
}

/**
 * The process's segment files: the bound is the process's, so every log of every broker in it
 * shares this one (a broker sets it from log.max.open.files when it starts).
 */
export const segmentFileHandles = new FileHandleCache(defaultMaxOpenFiles());
