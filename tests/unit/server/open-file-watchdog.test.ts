/**
 * The open-file watchdog's decision, driven by a probe that fails on cue: out of descriptors it
 * closes idle segment files first, gives up only after OPEN_FILE_FAILURES_MAX failed checks in a
 * row, and a check that succeeds in between starts the count again.
 */
import { FileHandleCache } from '../../../src/storage/file-handle-cache';
import { OPEN_FILE_FAILURES_MAX, OpenFileWatchdog } from '../../../src/server/open-file-watchdog';
import { quietLogger } from '../../helpers/log';

function emfile(): never {
  throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
}

function watchdogWith(outcomes: boolean[]): { watchdog: OpenFileWatchdog; exhausted: string[]; shrunk: number[] } {
  const exhausted: string[] = [];
  const shrunk: number[] = [];
  const fileHandles = new FileHandleCache(8);
  fileHandles.shrinkBy = (count) => void shrunk.push(count);
  const watchdog = new OpenFileWatchdog({
    fileHandles, logger: quietLogger, onExhausted: (reason) => exhausted.push(reason),
    probe: () => (outcomes.shift() === false ? emfile() : undefined),
  });
  return { watchdog, exhausted, shrunk };
}

describe('OpenFileWatchdog', () => {
  it(`reports exhaustion once, after ${OPEN_FILE_FAILURES_MAX} failed checks in a row`, () => {
    const { watchdog, exhausted, shrunk } = watchdogWith([false, false, false, false]);
    expect([watchdog.check(), watchdog.check()]).toEqual([false, false]);
    expect(exhausted).toEqual([]);
    expect(watchdog.check()).toBe(false);
    expect(exhausted).toHaveLength(1);
    expect(exhausted[0]).toMatch(/out of file descriptors \(EMFILE\) in 3 checks in a row.*accept no connection/);
    expect(shrunk).toHaveLength(3);
    watchdog.check();
    expect(exhausted).toHaveLength(1);
  });

  it('starts counting again after a check that opened a descriptor', () => {
    const { watchdog, exhausted } = watchdogWith([false, false, true, false, false, true]);
    for (let i = 0; i < 6; i++) watchdog.check();
    expect(exhausted).toEqual([]);
  });

  it('lets other errors through: they are not a shortage', () => {
    const watchdog = new OpenFileWatchdog({
      fileHandles: new FileHandleCache(1), logger: quietLogger, onExhausted: () => undefined,
      probe: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    });
    expect(() => watchdog.check()).toThrow('EACCES');
  });
});
