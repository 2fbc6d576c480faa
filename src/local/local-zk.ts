/**
 * Runs a real Apache ZooKeeper on this machine (standalone, or a 3-node ensemble on loopback or on
 * hosts of its own) for `josef zk`, `josef cluster up`, the chaos run and the test suite; or hands
 * out the ensemble named by JOSEF_ZK. A node counts as started only once it answers `srvr` with a
 * Mode, and every wait has a deadline.
 */
import { spawn } from 'child_process';
import { appendFileSync, closeSync, openSync, rmSync, writeFileSync } from 'fs';
import net from 'net';
import path from 'path';
import { createLogger } from '../common/logger';
import { commandOn, type ProcessHost } from '../common/process-host';
import { waitFor } from '../common/wait';
import {
  basePortDefault, connectStringOf, isNodeProcess, localZkNodes, logTail, nodePaths, nodePorts, readManifest,
  readPid, runningPid, writeManifest, writeNodeConfig, zkHost,
  type LocalZkEnsembleSize, type LocalZkNodeSpec,
} from './local-zk-layout';
import { parseZkConnectString } from '../common/zk-connect-string';
import { servedDataDir, srvrMode } from './zk-four-letter';
import { ensureZooKeeperInstalled, zooKeeperServerCommand } from './zk-install';

export { localZkNodes, parseEnsembleSize, type LocalZkEnsembleSize, type LocalZkNodeSpec } from './local-zk-layout';

export interface StartLocalZkOptions {
  /** Folder holding the nodes' configs, data, pid files and logs (created if missing). */
  dir: string;
  /** 1 (standalone) or 3; default 1, or what the folder already holds. */
  ensemble?: LocalZkEnsembleSize;
  /** Client port of node 1; node i takes basePort + i - 1. Default 2181, or what the folder used last. */
  basePort?: number;
  /** One host per node (the chaos run's); default: every node on loopback, or the hosts the folder used last. */
  hosts?: ProcessHost[];
  /** Leave the servers running when this process exits (`josef zk start`); tests keep them attached. */
  detached?: boolean;
  /** How long to wait for every node to serve. */
  readyTimeoutMs?: number;
}

export interface LocalZk {
  connectString: string;
  /** True for an ensemble named by JOSEF_ZK: not ours to stop. */
  external: boolean;
  /** Stops every node of the folder's ZooKeeper (nothing for an external ensemble). */
  stop(): Promise<void>;
  /** Stops only the nodes this start started, leaving any it found running: undoing a start that failed further on. */
  stopStarted(): Promise<void>;
}

export interface LocalZkNodeStatus {
  id: number;
  clientPort: number;
  pid: number | undefined;
  alive: boolean;
  /** `srvr`'s Mode (standalone, leader, follower), undefined while not serving. */
  mode: string | undefined;
}

export interface LocalZkStatus {
  dir: string;
  ensemble: LocalZkEnsembleSize;
  connectString: string;
  nodes: LocalZkNodeStatus[];
}

/** A JVM starts and a quorum elects its leader in a few seconds; slow CI machines get headroom. */
const readyTimeoutMsDefault = 60_000;
const readyPollIntervalMs = 100;
/** ZooKeeper exits within a second of SIGTERM; one that does not is killed. */
const stopGraceMs = 10_000;
const killWaitMs = 5_000;

const logger = createLogger('local-zk');

/** The ensemble named by JOSEF_ZK (`host:port[,...][/chroot]`), checked, or undefined. */
export function externalZkConnect(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.JOSEF_ZK?.trim();
  if (!value) return undefined;
  parseZkConnectString(value);
  return value;
}

/** The ensemble to use: JOSEF_ZK's when set, else a local one started (or found running) in `options.dir`. */
export async function resolveZkConnect(options: StartLocalZkOptions, env: NodeJS.ProcessEnv = process.env): Promise<LocalZk> {
  const external = externalZkConnect(env);
  if (external !== undefined) return { connectString: external, external: true, stop: async () => {}, stopStarted: async () => {} };
  return startLocalZk(options);
}

/**
 * Starts every node of the folder's ensemble that is not running (all of them the first time, one
 * after it was killed) and resolves once all serve. Data in the folder is kept across restarts.
 */
export async function startLocalZk(options: StartLocalZkOptions): Promise<LocalZk> {
  const dir = path.resolve(options.dir);
  const previous = readManifest(dir);
  const ensemble = options.ensemble ?? previous?.ensemble ?? 1;
  if (previous && previous.ensemble !== ensemble) {
    throw new Error(`${dir} holds a ${previous.ensemble}-node ZooKeeper, not ${ensemble}; stop it and remove ${dir}, or use another dir`);
  }
  const running = previous ? localZkNodes(previous.ensemble, previous.basePort, previous.hosts).filter((n) => runningPid(nodePaths(dir, n.id))) : [];
  const basePort = options.basePort ?? previous?.basePort ?? basePortDefault;
  if (running.length > 0 && previous && previous.basePort !== basePort) {
    throw new Error(`the ZooKeeper in ${dir} is running on base port ${previous.basePort}; stop it before moving it to ${basePort}`);
  }
  const hosts = options.hosts ?? previous?.hosts;
  const nodes = localZkNodes(ensemble, basePort, hosts);
  const connectString = connectStringOf(nodes);
  const toStart = nodes.filter((n) => !running.some((r) => r.id === n.id));
  if (toStart.length > 0) {
    ensureZooKeeperInstalled();
    await checkPortsFree(toStart, ensemble);
    writeManifest(dir, { ensemble, basePort, ...(hosts === undefined ? {} : { hosts }) });
    for (const node of toStart) spawnNode(dir, node, nodes, options.detached ?? false);
  }
  const stopStarted = (): Promise<void> => stopLocalZk(dir, { nodeIds: toStart.map((n) => n.id) });
  try {
    await waitUntilServing(dir, nodes, options.readyTimeoutMs ?? readyTimeoutMsDefault);
  } catch (err) {
    await stopStarted();
    throw err;
  }
  return { connectString, external: false, stop: () => stopLocalZk(dir), stopStarted };
}

function spawnNode(dir: string, node: LocalZkNodeSpec, all: LocalZkNodeSpec[], detached: boolean): void {
  const paths = writeNodeConfig(dir, node, all);
  const server = zooKeeperServerCommand(paths.configPath);
  const { command, args } = commandOn(node.processHost, server.command, server.args);
  appendFileSync(paths.logPath, `---- josef: starting ZooKeeper node ${node.id} at ${new Date().toISOString()}: ${command} ${args.join(' ')}\n`);
  const logFd = openSync(paths.logPath, 'a');
  try {
    const child = spawn(command, args, { cwd: paths.nodeDir, detached, stdio: ['ignore', logFd, logFd] });
    if (child.pid === undefined) throw new Error(`could not run ${command} to start ZooKeeper node ${node.id}`);
    child.on('error', () => {}); // A failed start shows as a dead pid while waiting; see the log.
    child.unref();
    writeFileSync(paths.pidPath, `${child.pid}\n`);
    logger.info(`ZooKeeper node ${node.id}: pid ${child.pid}, ${node.host}:${node.clientPort}, log ${paths.logPath}`);
  } finally {
    closeSync(logFd);
  }
}

async function waitUntilServing(dir: string, nodes: LocalZkNodeSpec[], timeoutMs: number): Promise<void> {
  let modes: Array<string | undefined> = [];
  await waitFor(async () => {
    for (const node of nodes) {
      const paths = nodePaths(dir, node.id);
      if (runningPid(paths) === undefined) {
        throw new Error(`ZooKeeper node ${node.id} (port ${node.clientPort}) exited while starting; end of ${paths.logPath}:\n${logTail(paths)}`);
      }
    }
    modes = await Promise.all(nodes.map((n) => srvrMode(n.host, n.clientPort)));
    return modes.every((m) => m !== undefined);
  }, {
    timeoutMs,
    intervalMs: readyPollIntervalMs,
    message: () => `ZooKeeper in ${dir} to serve (srvr modes: ${nodes.map((n, i) => `node ${n.id} ${modes[i] ?? 'not serving'}`).join(', ')}; logs in ${dir}/node-*/zookeeper.log)`,
  });
  await Promise.all(nodes.map((node) => checkServedByNode(dir, node)));
}

/** A server that took the port first would answer too: its data dir tells it apart from ours. */
async function checkServedByNode(dir: string, node: LocalZkNodeSpec): Promise<void> {
  const { nodeDir } = nodePaths(dir, node.id);
  const dataDir = await servedDataDir(node.host, node.clientPort);
  if (dataDir === undefined || !(dataDir === nodeDir || dataDir.startsWith(`${nodeDir}${path.sep}`))) {
    throw new Error(`${node.host}:${node.clientPort} is served by another ZooKeeper (data dir ${dataDir ?? 'unknown'}), not node ${node.id} of ${dir}`);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, zkHost, () => server.close(() => resolve(true)));
  });
}

/** Nodes on hosts of their own are left out: their ports are their host's (and the srvr check tells another server apart). */
async function checkPortsFree(nodes: LocalZkNodeSpec[], ensemble: LocalZkEnsembleSize): Promise<void> {
  for (const node of nodes.filter((n) => n.processHost === undefined)) {
    if (!(await portIsFree(node.clientPort))) {
      const other = (await srvrMode(zkHost, node.clientPort)) !== undefined
        ? `a ZooKeeper not started from this dir already serves it (use it with JOSEF_ZK=${zkHost}:${node.clientPort}, or choose another port)`
        : 'another program uses it (choose another port)';
      throw new Error(`cannot start ZooKeeper node ${node.id} on ${zkHost}:${node.clientPort}: ${other}`);
    }
    for (const port of nodePorts(node, ensemble).slice(1)) {
      if (!(await portIsFree(port))) throw new Error(`cannot start ZooKeeper node ${node.id}: port ${port} (quorum/election) is in use`);
    }
  }
}

/** A base port from `startPort` on, in steps of 10, whose every port (client, quorum, election) is free. */
export async function findFreeBasePort(startPort: number, ensemble: LocalZkEnsembleSize, attemptsMax = 50): Promise<number> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const basePort = startPort + attempt * 10;
    const ports = localZkNodes(ensemble, basePort).flatMap((n) => nodePorts(n, ensemble));
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) return basePort;
  }
  throw new Error(`no free ZooKeeper base port in ${startPort}..${startPort + (attemptsMax - 1) * 10}`);
}

/** Stops the folder's nodes (or only `nodeIds`): SIGTERM, then SIGKILL past a grace period. */
export async function stopLocalZk(dirOption: string, options: { nodeIds?: number[] } = {}): Promise<void> {
  const dir = path.resolve(dirOption);
  const manifest = readManifest(dir);
  if (!manifest) return;
  const targets = localZkNodes(manifest.ensemble, manifest.basePort, manifest.hosts)
    .filter((n) => options.nodeIds === undefined || options.nodeIds.includes(n.id))
    .map((n) => ({ node: n, paths: nodePaths(dir, n.id), pid: readPid(nodePaths(dir, n.id)) }));
  const alive = (): typeof targets => targets.filter((t) => t.pid !== undefined && isNodeProcess(t.pid, t.paths));
  const signalAll = (signal: NodeJS.Signals): void => {
    for (const t of alive()) process.kill(t.pid as number, signal);
  };
  const awaitExit = (timeoutMs: number): Promise<unknown> => waitFor(() => alive().length === 0, {
    timeoutMs,
    message: () => `ZooKeeper pids ${alive().map((t) => t.pid).join(', ')} to exit`,
  });
  // A node frozen by SIGSTOP acts on SIGTERM only once it runs again.
  signalAll('SIGCONT');
  signalAll('SIGTERM');
  try {
    await awaitExit(stopGraceMs);
  } catch {
    logger.warn(`ZooKeeper in ${dir} did not stop within ${stopGraceMs} ms of SIGTERM; killing it`);
    signalAll('SIGKILL');
    await awaitExit(killWaitMs);
  }
  for (const t of targets) rmSync(t.paths.pidPath, { force: true });
}

/** Each node's pid, liveness and `srvr` Mode; undefined when no ZooKeeper was ever started in `dir`. */
export async function statusLocalZk(dirOption: string): Promise<LocalZkStatus | undefined> {
  const dir = path.resolve(dirOption);
  const manifest = readManifest(dir);
  if (!manifest) return undefined;
  const nodes = localZkNodes(manifest.ensemble, manifest.basePort, manifest.hosts);
  const statuses = await Promise.all(nodes.map(async (node): Promise<LocalZkNodeStatus> => {
    const pid = runningPid(nodePaths(dir, node.id));
    const mode = pid === undefined ? undefined : await srvrMode(node.host, node.clientPort);
    return { id: node.id, clientPort: node.clientPort, pid, alive: pid !== undefined, mode };
  }));
  return { dir, ensemble: manifest.ensemble, connectString: connectStringOf(nodes), nodes: statuses };
}
