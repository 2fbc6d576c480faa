/** Fresh temporary folders for tests that use real files; removed by the caller's afterEach. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `josef-${prefix}-`));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
