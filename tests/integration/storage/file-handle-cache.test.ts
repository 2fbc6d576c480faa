/**
 * The file-handle cache over real files: it never holds more descriptors than its bound, an
 * evicted file reads and writes as before once reopened, the clock keeps a file in use open, and
 * a log manager with more partitions than the bound allows files serves every one of them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { systemClock } from '../../../src/common/clock';
import { FileHandleCache, segmentFileHandles } from '../../../src/storage/file-handle-cache';
import { logConfig } from '../../../src/storage/log-config';
import { LogManager } from '../../../src/storage/log-manager';
import { checkedOffsets, numberedBatch, quietLogger, readAll } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('file-handles');
});
afterEach(() => rmDir(dir));

/** The descriptors this process holds on files under `folder` (Linux: /proc/self/fd). */
function descriptorsUnder(folder: string): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(folder)) count++;
    } catch {
      // The descriptor readdir itself used is gone by now.
    }
  }
  return count;
}

describe('FileHandleCache', () => {
  it('keeps at most its bound open, and an evicted file is reopened where it was', () => {
    const cache = new FileHandleCache(3);
    const files = Array.from({ length: 10 }, (_, i) => cache.openFile(path.join(dir, `f${i}`)));
    expect(files.every((f) => f.created)).toBe(true);
    files.forEach(({ file }, i) => fs.writeSync(file.fd, `file ${i}`, 0));
    expect(cache.openCount).toBe(3);
    expect(descriptorsUnder(dir)).toBe(3);
    files.forEach(({ file }, i) => {
      const buf = Buffer.alloc(16);
      const read = fs.readSync(file.fd, buf, 0, 16, 0);
      expect(buf.subarray(0, read).toString()).toBe(`file ${i}`);
    });
    expect(cache.stats.evicted).toBeGreaterThanOrEqual(14);
    expect(cache.openFile(path.join(dir, 'f0')).created).toBe(false);
    for (const { file } of files) file.close();
    expect(cache.openCount).toBe(1);
    // As a closed descriptor did: a late read of a log closed for good is a storage error.
    expect(() => files[0].file.fd).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('closes a file not used since the clock hand last passed, before one in use', () => {
    const cache = new FileHandleCache(2);
    const a = cache.openFile(path.join(dir, 'a')).file;
    const b = cache.openFile(path.join(dir, 'b')).file;
    // The hand clears both bits and closes a; then only c (new, used) and b (cleared) are open.
    const c = cache.openFile(path.join(dir, 'c')).file;
    expect([a.openFd < 0, b.openFd >= 0, c.openFd >= 0]).toEqual([true, true, true]);
    void c.fd; // c in use again; b not: b goes next.
    void a.fd;
    expect([a.openFd >= 0, b.openFd < 0, c.openFd >= 0]).toEqual([true, true, true]);
  });

  it('shrinks to a smaller bound at once', () => {
    const cache = new FileHandleCache(8);
    for (let i = 0; i < 8; i++) cache.openFile(path.join(dir, `f${i}`));
    cache.resize(2);
    expect(cache.openCount).toBe(2);
    expect(descriptorsUnder(dir)).toBe(2);
    cache.resize(1);
    expect(cache.openCount).toBe(1);
  });
});

describe('LogManager under a small open-file bound', () => {
  const bound = segmentFileHandles.maxOpenFiles;
  afterEach(() => segmentFileHandles.resize(bound));

  it('serves 40 partitions (120 segment files) through 12 descriptors, across a restart', () => {
    segmentFileHandles.resize(12);
    const manager = LogManager.open([dir], logConfig({ segmentBytes: 400 }), { clock: systemClock, logger: quietLogger });
    for (let p = 0; p < 40; p++) {
      const log = manager.getOrCreateLog('many', p);
      for (let i = 0; i < 4; i++) log.appendAsLeader(numberedBatch(0, 3, 1, 40), 0);
    }
    expect(descriptorsUnder(dir)).toBeLessThanOrEqual(12);
    for (let p = 0; p < 40; p++) {
      const log = manager.getLog('many', p)!;
      expect(log.logEndOffset).toBe(12);
      expect(checkedOffsets(readAll(log), 0)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    }
    manager.close();
    expect(descriptorsUnder(dir)).toBe(0);
    const again = LogManager.open([dir], logConfig({ segmentBytes: 400 }), { clock: systemClock, logger: quietLogger });
    expect(descriptorsUnder(dir)).toBeLessThanOrEqual(12);
    for (let p = 0; p < 40; p++) expect(checkedOffsets(readAll(again.getLog('many', p)!), 0)).toHaveLength(12);
    again.close();
  });
});
