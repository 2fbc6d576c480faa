/**
 * `<data-dir>/cluster.lock`: which process runs a cluster in a data dir. Whatever starts one there
 * (`josef cluster up`, a demo starting its own cluster, a test) claims it first thing, by an
 * exclusive create that only one process can win, so a second command sees a cluster that is
 * still starting and not only one that is up (cluster.json is written once it is). The file holds
 * the owner's pid and that process's start time; a lock whose process is gone is stale, and the
 * next claim takes it over and says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { waitFor } from '../common/wait';
import {
  clusterUpCommandWords, isJosefProcess, isSameProcess, processStartTicks, readClusterState, readFileIfExists, type ClusterState,
} from './cluster-state';

export const LOCK_FILE_NAME = 'cluster.lock';

export interface ClusterLockHolder {
  pid: number;
  /** The process's start time (processStartTicks), so that a later process given the same pid is not taken for it. */
  startTicks: string | undefined;
  /** What it runs, for messages: `josef cluster up --brokers 3`. */
  command: string;
  /** When it claimed the lock (ISO 8601). */
  since: string;
}

export interface ClusterLock {
  readonly holder: ClusterLockHolder;
  /** Removes the lock, if it is still this one's. */
  release(): void;
}

/** A claim lost to a live holder. */
export class ClusterLockedError extends Error {
  constructor(readonly dataDir: string, readonly holder: ClusterLockHolder) {
    super(`a cluster is already starting or running in ${dataDir}: \`${holder.command}\` (pid ${holder.pid}, since ${holder.since}); `
      + `stop it first (Ctrl-C where it runs, or josef cluster down --data-dir ${dataDir}), or use another --data-dir`);
  }
}

/** Claims lost to takeovers racing this one before giving up; each round means another process took the lock. */
const claimRoundsMax = 5;

export function lockFilePath(dataDir: string): string {
  return path.resolve(dataDir, LOCK_FILE_NAME);
}

/** `josef cluster up --brokers 3` for this process (the script's name, then its arguments). */
function thisCommand(): string {
  const script = path.basename(process.argv[1] ?? 'node');
  return [script, ...process.argv.slice(2)].join(' ');
}

function readLockFile(file: string): ClusterLockHolder | undefined {
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  try {
    const holder = JSON.parse(text) as Partial<ClusterLockHolder>;
    if (typeof holder.pid === 'number' && typeof holder.command === 'string' && typeof holder.since === 'string') return holder as ClusterLockHolder;
  } catch {
    // Not written by claimClusterLock (which links a whole file in place): no holder to respect.
  }
  return { pid: 0, startTicks: undefined, command: '(unreadable lock file)', since: '?' };
}

export function isLiveHolder(holder: ClusterLockHolder): boolean {
  return holder.pid > 0 && isSameProcess(holder.pid, holder.startTicks);
}

/** The live holder of dataDir's lock, or undefined when there is none (no lock, or a stale one). */
export function liveLockHolder(dataDir: string): ClusterLockHolder | undefined {
  const holder = readLockFile(lockFilePath(dataDir));
  return holder && isLiveHolder(holder) ? holder : undefined;
}

function sameHolder(a: ClusterLockHolder | undefined, b: ClusterLockHolder): boolean {
  return a !== undefined && a.pid === b.pid && a.startTicks === b.startTicks && a.since === b.since;
}

/**
 * Moves the stale lock `stale` out of the way, unless another process replaced it meanwhile
 * (it took the lock over first): the lock is renamed aside and checked to be the one judged
 * stale; a live one found there instead is linked back (link fails rather than overwrite).
 */
function removeStale(file: string, stale: ClusterLockHolder): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (!sameHolder(readLockFile(aside), stale)) fs.linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Claims dataDir's lock for this process, taking over a stale one (told to `say`); throws
 * ClusterLockedError when a live process holds it.
 */
export function claimClusterLock(dataDir: string, say: (line: string) => void): ClusterLock {
  const file = lockFilePath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const holder: ClusterLockHolder = { pid: process.pid, startTicks: processStartTicks(process.pid), command: thisCommand(), since: new Date().toISOString() };
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(holder)}\n`);
  try {
    for (let round = 1; round <= claimRoundsMax; round++) {
      // The exclusive create: link(2) fails with EEXIST as open(O_CREAT | O_EXCL) does, and the lock appears whole, never half written.
      try {
        fs.linkSync(temp, file);
        return {
          holder,
          release: () => {
            if (sameHolder(readLockFile(file), holder)) fs.rmSync(file, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readLockFile(file);
      if (current === undefined) continue;
      if (isLiveHolder(current)) throw new ClusterLockedError(dataDir, current);
      say(`taking over the stale lock ${file}: \`${current.command}\` (pid ${current.pid}, since ${current.since}) is gone`);
      removeStale(file, current);
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  throw new Error(`could not claim ${file}: other processes kept claiming it (${claimRoundsMax} rounds)`);
}

/** Removes dataDir's lock when its holder is gone (after `josef cluster down` cleaned up for a killed `cluster up`). */
export function removeStaleLock(dataDir: string): void {
  const file = lockFilePath(dataDir);
  const holder = readLockFile(file);
  if (holder && !isLiveHolder(holder)) removeStale(file, holder);
}

/**
 * The `josef cluster up` running in dataDir, for a command that would use it and otherwise start
 * a cluster of its own (`josef demo failover`): its state at once when it is up; when it is still
 * starting, its state once it is up (told to `say` first, waiting at most `timeoutMs`); undefined
 * when no cluster holds the data dir. A cluster that another kind of command runs there (a demo
 * with a cluster of its own) is not one to share: ClusterLockedError.
 */
export async function awaitClusterUp(dataDir: string, say: (line: string) => void, timeoutMs: number): Promise<ClusterState | undefined> {
  const holder = liveLockHolder(dataDir);
  if (holder === undefined) return undefined;
  if (!isJosefProcess(holder.pid, clusterUpCommandWords)) throw new ClusterLockedError(dataDir, holder);
  const upState = (): ClusterState | undefined => {
    const state = readClusterState(dataDir);
    return state?.pid === holder.pid ? state : undefined;
  };
  const state = upState();
  if (state) return state;
  say(`a cluster is starting in ${dataDir} (\`${holder.command}\`, pid ${holder.pid}): waiting until it is up`);
  return waitFor(() => {
    if (!isLiveHolder(holder)) {
      throw new Error(`\`${holder.command}\` (pid ${holder.pid}) stopped before its cluster in ${dataDir} was up; see its output and ${path.join(dataDir, 'logs')}`);
    }
    return upState();
  }, { timeoutMs, intervalMs: 200, message: `the cluster \`${holder.command}\` (pid ${holder.pid}) is starting in ${dataDir} to be up` });
}
