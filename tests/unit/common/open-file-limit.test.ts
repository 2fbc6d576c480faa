/** The default bound of log.max.open.files, from the process's limit as /proc/self/limits states it. */
import { defaultMaxOpenFiles, processOpenFileLimit } from '../../../src/common/open-file-limit';

const limits = (soft: string, hard: string): string =>
  'Limit                     Soft Limit           Hard Limit           Units     \n' +
  'Max processes             95541                95541                processes \n' +
  `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \n`;

describe('open-file limit', () => {
  it('reads the soft limit of open files', () => {
    expect(processOpenFileLimit(limits('20000', '1048576'))).toBe(20000);
    expect(processOpenFileLimit(limits('unlimited', 'unlimited'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(processOpenFileLimit('Max processes 1 1 processes\n')).toBe(1024);
  });

  it('gives segment files half the limit, never fewer than 16', () => {
    expect(defaultMaxOpenFiles(20000)).toBe(10000);
    expect(defaultMaxOpenFiles(1024)).toBe(512);
    expect(defaultMaxOpenFiles(20)).toBe(16);
  });
});
