/**
 * The state file of a local cluster, `<data-dir>/cluster.json`: what `josef cluster up` started
 * (its own pid, every broker's pid and address, the ZooKeeper connect string and, for a local
 * ZooKeeper, its folder), so that `cluster status`, `cluster down` and `broker kill` work from
 * another terminal. It is rewritten whole (temp file, rename) on every change, so a reader never
 * sees half of it; a pid in it is only trusted after the process's command line confirms it.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { josefRoot } from './zk-install';
import { brokerNodeOptions } from './broker-node-options';

export const STATE_FILE_NAME = 'cluster.json';
const stateVersion = 1;

export interface BrokerState {
  id: number;
  host: string;
  port: number;
  /** Its metrics.port (Prometheus's /metrics), when it serves metrics. */
  metricsPort?: number;
  /** Pid of the `josef broker start` process, undefined before it was spawned. */
  pid: number | undefined;
  logFile: string;
  /** False once `cluster up` saw the process exit. */
  running: boolean;
  /** How it exited, when it did: `code 0`, `signal SIGKILL`. */
  exit?: string;
}

export interface ClusterState {
  version: number;
  /** Pid of the `josef cluster up` process that writes this file. */
  pid: number;
  startedAt: string;
  dataDir: string;
  zookeeper: {
    /** As the brokers got it in zookeeper.connect, chroot included. */
    connect: string;
    /** The folder of the ZooKeeper `cluster up` started (`josef zk` layout); undefined for an external ensemble. */
    localDir: string | undefined;
    ensemble: number;
  };
  brokers: BrokerState[];
}

export function stateFilePath(dataDir: string): string {
  return path.resolve(dataDir, STATE_FILE_NAME);
}

export function writeClusterState(dataDir: string, state: ClusterState): void {
  const file = stateFilePath(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temp, file);
}

export function removeClusterState(dataDir: string): void {
  fs.rmSync(stateFilePath(dataDir), { force: true });
}

/** A file's text, or undefined when there is no such file. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The state `cluster up` left in `dataDir`, or undefined when there is none. Throws on a file that is not one. */
export function readClusterState(dataDir: string): ClusterState | undefined {
  const file = stateFilePath(dataDir);
  const text = readFileIfExists(file);
  if (text === undefined) return undefined;
  const state = JSON.parse(text) as Partial<ClusterState>;
  if (state.version !== stateVersion || typeof state.pid !== 'number' || !Array.isArray(state.brokers) || typeof state.zookeeper?.connect !== 'string') {
    throw new Error(`${file} is not a Josef cluster state file (version ${stateVersion})`);
  }
  return state as ClusterState;
}

/** Like readClusterState, but a missing file is an error that says what to do. */
export function requireClusterState(dataDir: string): ClusterState {
  const state = readClusterState(dataDir);
  if (!state) throw new Error(`no cluster state in ${stateFilePath(dataDir)}: is \`josef cluster up --data-dir ${dataDir}\` running?`);
  return state;
}

export function newClusterState(fields: Omit<ClusterState, 'version' | 'pid' | 'startedAt'>): ClusterState {
  return { version: stateVersion, pid: process.pid, startedAt: new Date().toISOString(), ...fields };
}

/** What a pid refers to now: the process we expect, another one (pid reused), or nothing. */
export type ProcessLiveness = 'running' | 'stopped' | 'gone';

/** The words of a process's command line, or undefined where /proc does not tell (or it is gone). */
function commandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((w) => w !== '');
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs (one of another user's counts). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is alive and its command line holds `words` in order (e.g. `broker start --id 2`),
 * so that a pid reused by another program is not signalled. Without /proc, existence has to do.
 */
export function isJosefProcess(pid: number | undefined, words: readonly string[]): boolean {
  if (pid === undefined || !processExists(pid)) return false;
  const cmdline = commandLine(pid);
  if (cmdline === undefined) return !fs.existsSync('/proc/self/cmdline');
  const at = cmdline.findIndex((w, i) => words.every((word, j) => cmdline[i + j] === word));
  return at >= 0;
}

export const brokerCommandWords = (id: number): string[] => ['broker', 'start', '--id', String(id)];

/**
 * The script and arguments that start broker `id` of a local cluster (after Node's own options):
 * they begin with brokerCommandWords, by which the other commands recognize the process. `port`
 * is that of its only listener; undefined for a broker whose `listeners` setting gives its ports.
 */
export function brokerStartArgs(id: number, port: number | undefined, logDirs: string, zookeeperConnect: string, metricsPort?: number): string[] {
  const portFlag = port === undefined ? [] : ['--port', String(port)];
  const metricsFlag = metricsPort === undefined ? [] : ['--override', `metrics.port=${metricsPort}`];
  return [path.join(josefRoot(), 'bin', 'josef'), ...brokerCommandWords(id), ...portFlag, '--log-dirs', logDirs, '--zookeeper', zookeeperConnect, ...metricsFlag];
}
export const clusterUpCommandWords = ['cluster', 'up'];

/**
 * The fields of /proc/<pid>/stat from the third on (state, ppid, ...; the starttime of field 22 is
 * at index 19), read after the parenthesised command name, which may itself hold spaces or
 * parentheses. Undefined where /proc does not tell, or the process is gone.
 */
function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  } catch {
    return undefined;
  }
}

/** `running`, or `stopped` for a process held by SIGSTOP (state T in /proc/<pid>/stat); `gone` when not `isJosefProcess`. */
export function processLiveness(pid: number | undefined, words: readonly string[]): ProcessLiveness {
  if (pid === undefined || !isJosefProcess(pid, words)) return 'gone';
  const state = procStatFields(pid)?.[0];
  return state === 'T' || state === 't' ? 'stopped' : 'running';
}

/**
 * What tells process `pid` from a later one given the same pid: its start time since boot, in
 * clock ticks (/proc/<pid>/stat field 22); undefined where /proc does not tell.
 */
export function processStartTicks(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/** Alive (a zombie, exited and not yet reaped, is not) and, when `startTicks` is known, the same process as then. */
export function isSameProcess(pid: number, startTicks: string | undefined): boolean {
  if (!processExists(pid)) return false;
  const fields = procStatFields(pid);
  if (fields === undefined) return startTicks === undefined || !fs.existsSync('/proc/self/stat');
  return fields[0] !== 'Z' && (startTicks === undefined || fields[19] === startTicks);
}

/** zookeeper.connect's default (config.ts): the local ZooKeeper of `josef zk start`. */
const zookeeperConnectDefault = '127.0.0.1:2181';

/**
 * The ensemble a command that only looks (zk tree, cluster status) reads: `--zookeeper`, else
 * that of the cluster `cluster up` runs in `dataDir` (chroot included), else JOSEF_ZK, else
 * JOSEF_ZOOKEEPER_CONNECT, else zookeeper.connect's default. `source` says which, for the header.
 */
export function inspectedZookeeper(flag: string | undefined, dataDir: string, env: NodeJS.ProcessEnv = process.env): { connect: string; source: string } {
  if (flag !== undefined) return { connect: flag, source: '--zookeeper' };
  const state = readClusterState(dataDir);
  if (state) return { connect: state.zookeeper.connect, source: stateFilePath(dataDir) };
  if (env.JOSEF_ZK?.trim()) return { connect: env.JOSEF_ZK.trim(), source: 'JOSEF_ZK' };
  if (env.JOSEF_ZOOKEEPER_CONNECT?.trim()) return { connect: env.JOSEF_ZOOKEEPER_CONNECT.trim(), source: 'JOSEF_ZOOKEEPER_CONNECT' };
  return { connect: zookeeperConnectDefault, source: 'default' };
}

/** The folder a `cluster up --secure` keeps its CA, keys, passwords and the brokers' server.properties in. */
export function secureClusterDir(dataDir: string): string {
  return path.resolve(dataDir, 'security');
}

/** The one listener each broker of a `cluster up --secure` has, for clients and between brokers. */
export const SECURE_LISTENER_NAME = 'SASL_SSL';

/** A secured broker's `listeners` setting on `port`. */
export function secureListener(port: number): string {
  return `${SECURE_LISTENER_NAME}://127.0.0.1:${port}`;
}

/**
 * The settings a broker of a `cluster up --secure` in `dataDir` starts with (the cluster's
 * server.properties, its SASL_SSL listener on `port`), so one restarted or added later is as
 * secured as the others; undefined for a plaintext cluster.
 */
function securedBrokerArgs(dataDir: string, port: number): string[] | undefined {
  const serverProperties = path.join(secureClusterDir(dataDir), 'server.properties');
  if (!fs.existsSync(serverProperties)) return undefined;
  return ['--config', serverProperties, '--override', `listeners=${secureListener(port)}`];
}

/**
 * Starts broker `b` of a `cluster up` (id, port, log dir under the cluster's data dir, ZooKeeper)
 * as a detached process appending to `b.logFile`, and records its pid in cluster.json so that
 * `cluster status`, `broker kill` and `cluster down` treat it as one of the cluster's. For brokers
 * `cluster up` did not spawn itself: one `josef demo failover` brings back, one `josef cluster
 * add-broker` adds. `cluster up` stops these first when it stops, while ZooKeeper still serves.
 */
export function startRecordedBroker(dataDir: string, state: ClusterState, b: BrokerState, why: string): number | undefined {
  fs.mkdirSync(path.dirname(b.logFile), { recursive: true });
  fs.appendFileSync(b.logFile, `---- ${why} at ${new Date().toISOString()}\n`);
  const logFd = fs.openSync(b.logFile, 'a');
  let pid: number | undefined;
  try {
    const secured = securedBrokerArgs(state.dataDir, b.port);
    const args = [
      ...brokerStartArgs(b.id, secured ? undefined : b.port, path.join(state.dataDir, `broker-${b.id}`, 'data'), state.zookeeper.connect, b.metricsPort),
      ...(secured ?? []),
    ];
    const child = spawn(process.execPath, [...brokerNodeOptions(), ...args], { stdio: ['ignore', logFd, logFd], detached: true });
    child.unref();
    pid = child.pid;
  } finally {
    fs.closeSync(logFd);
  }
  Object.assign(b, { pid, running: true, exit: undefined });
  if (!state.brokers.includes(b)) state.brokers.push(b);
  writeClusterState(dataDir, state);
  return pid;
}
