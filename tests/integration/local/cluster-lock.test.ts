/**
 * The data dir's lock on real files and processes: one claim wins and the next names its holder;
 * a lock whose process is gone, or whose pid now belongs to a later process, is taken over with a
 * word; release leaves alone a lock that is no longer its own; and a command that would use a
 * `cluster up` waits for one that is starting, or hears that it stopped.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  awaitClusterUp, claimClusterLock, ClusterLockedError, liveLockHolder, lockFilePath, removeStaleLock, type ClusterLockHolder,
} from '../../../src/local/cluster-lock';
import { newClusterState, processStartTicks, writeClusterState } from '../../../src/local/cluster-state';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

/** A process whose command line reads like `josef cluster up` (what awaitClusterUp checks), idle until killed. */
function fakeClusterUp(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'cluster', 'up'], { stdio: 'ignore' });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

function writeLock(dataDir: string, holder: ClusterLockHolder): void {
  fs.writeFileSync(lockFilePath(dataDir), JSON.stringify(holder));
}

describe('the data dir lock', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dataDir = tmpDir('cluster-lock');
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmDir(dataDir);
  });

  it('is won by one claim; the next names the holder, until it is released', () => {
    const lines: string[] = [];
    const lock = claimClusterLock(dataDir, (line) => lines.push(line));
    expect(lock.holder.pid).toBe(process.pid);
    expect(liveLockHolder(dataDir)).toEqual(lock.holder);
    let lost: unknown;
    try {
      claimClusterLock(dataDir, (line) => lines.push(line));
    } catch (err) {
      lost = err;
    }
    expect(lost).toBeInstanceOf(ClusterLockedError);
    expect((lost as Error).message).toContain(`a cluster is already starting or running in ${dataDir}: \``);
    expect((lost as Error).message).toContain(`(pid ${process.pid}, since ${lock.holder.since})`);
    lock.release();
    expect(fs.existsSync(lockFilePath(dataDir))).toBe(false);
    claimClusterLock(dataDir, (line) => lines.push(line)).release();
    expect(lines).toEqual([]);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('is taken over, with a word, when its process is gone or its pid is another process now', async () => {
    const gone = await deadPid();
    writeLock(dataDir, { pid: gone, startTicks: '1', command: 'josef cluster up --brokers 3', since: '2026-01-01T00:00:00.000Z' });
    expect(liveLockHolder(dataDir)).toBeUndefined();
    const lines: string[] = [];
    claimClusterLock(dataDir, (line) => lines.push(line)).release();
    expect(lines).toEqual([`taking over the stale lock ${lockFilePath(dataDir)}: \`josef cluster up --brokers 3\` (pid ${gone}, since 2026-01-01T00:00:00.000Z) is gone`]);

    // This very pid, but started at another time: a later process that was given the pid.
    writeLock(dataDir, { pid: process.pid, startTicks: `${processStartTicks(process.pid)}0`, command: 'josef demo failover', since: 'then' });
    const lock = claimClusterLock(dataDir, (line) => lines.push(line));
    expect(lines[1]).toContain('`josef demo failover`');
    expect(lock.holder.startTicks).toBe(processStartTicks(process.pid));
    lock.release();
  });

  it('is not removed by a release or a clean-up once it belongs to another', () => {
    const lock = claimClusterLock(dataDir, () => undefined);
    const other = fakeClusterUp();
    children.push(other);
    const theirs: ClusterLockHolder = { pid: other.pid as number, startTicks: undefined, command: 'josef cluster up', since: 'now' };
    writeLock(dataDir, theirs);
    lock.release();
    removeStaleLock(dataDir);
    expect(liveLockHolder(dataDir)).toEqual(theirs);
  });

  it('makes a command that would use a cluster up wait while one is starting, and tells it when that one stops', async () => {
    expect(await awaitClusterUp(dataDir, () => undefined, 1_000)).toBeUndefined();
    const own = claimClusterLock(dataDir, () => undefined);
    await expect(awaitClusterUp(dataDir, () => undefined, 1_000)).rejects.toBeInstanceOf(ClusterLockedError);
    own.release();

    const starting = fakeClusterUp();
    children.push(starting);
    const pid = starting.pid as number;
    await waitFor(() => processStartTicks(pid) !== undefined, { timeoutMs: 5_000, message: 'the fake cluster up to run' });
    writeLock(dataDir, { pid, startTicks: processStartTicks(pid), command: 'josef cluster up', since: 'now' });
    const said: string[] = [];
    const waiting = awaitClusterUp(dataDir, (line) => said.push(line), 30_000);
    await waitFor(() => said.length > 0, { timeoutMs: 5_000, message: 'the wait to be announced' });
    expect(said).toEqual([`a cluster is starting in ${dataDir} (\`josef cluster up\`, pid ${pid}): waiting until it is up`]);
    const state = { ...newClusterState({ dataDir, zookeeper: { connect: 'h:1/josef', localDir: undefined, ensemble: 1 }, brokers: [] }), pid };
    writeClusterState(dataDir, state);
    expect(await waiting).toEqual(state);

    fs.rmSync(path.join(dataDir, 'cluster.json'));
    const stopped = awaitClusterUp(dataDir, () => undefined, 30_000);
    starting.kill('SIGKILL');
    await expect(stopped).rejects.toThrow(`\`josef cluster up\` (pid ${pid}) stopped before its cluster in ${dataDir} was up`);
  });
});
