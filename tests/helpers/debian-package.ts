/**
 * Tools the tests drive for real (Prometheus, Chromium) come from Debian's packages: installed on
 * first use by the same script .ci/run runs, so `npm test` works on a fresh machine too.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import path from 'path';

/** How long an install may take (apt-get update and the download, on a slow mirror). */
export const installTimeoutMs = 10 * 60_000;

/** Installs `pkg` unless `file` exists (as root; otherwise throws saying what to install). */
export function ensureDebianPackage(pkg: string, file: string): void {
  if (existsSync(file)) return;
  const script = path.join(__dirname, '..', '..', 'scripts', 'ensure-debian-package.sh');
  const result = spawnSync('bash', [script, pkg, file], { stdio: ['ignore', 'inherit', 'inherit'], timeout: installTimeoutMs });
  if (result.status !== 0) throw new Error(`${file} is missing and ${script} ${pkg} failed (see above)`);
}
