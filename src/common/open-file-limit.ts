/**
 * The process's limit on open files (RLIMIT_NOFILE) and the default of `log.max.open.files` taken
 * from it: the broker's config reads the default, and storage's segment-file cache is bound by it.
 */
import * as fs from 'fs';

/** The share of the process's open-file limit segment files may take by default; sockets, checkpoints and ZooKeeper need the rest. */
const openFileLimitShare = 0.5;
/** The least bound a limit read from the process gives: a few partitions must always work. */
const maxOpenFilesFloor = 16;
/** What Linux's default soft limit is, assumed where /proc/self/limits cannot be read. */
const assumedOpenFileLimit = 1024;

/** The process's soft limit on open files (RLIMIT_NOFILE, as `ulimit -n` says), read from /proc/self/limits. */
export function processOpenFileLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return assumedOpenFileLimit;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!match) return assumedOpenFileLimit;
  return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/** The default of `log.max.open.files`: half the process's open-file limit, at least a handful. */
export function defaultMaxOpenFiles(openFileLimit = processOpenFileLimit()): number {
  return Math.max(maxOpenFilesFloor, Math.floor(openFileLimit * openFileLimitShare));
}
