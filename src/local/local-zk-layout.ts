/**
 * The on-disk layout of a local ZooKeeper (standalone or 3-node ensemble) under a folder the
 * caller names: which address and ports each node takes (loopback, or a host of its own each),
 * its zoo.cfg, myid, pid file and log, and whether the process a pid file names is still that
 * node. Nothing here starts or stops a process.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'fs';
import path from 'path';
import type { ProcessHost } from '../common/process-host';
import { josefRoot } from './zk-install';

export type LocalZkEnsembleSize = 1 | 3;

export const zkHost = '127.0.0.1';
export const basePortDefault = 2181;
/**
 * Node i (0-based) of an ensemble at base port B serves clients on B+i, and talks to its peers on
 * B+700+i (quorum) and B+1700+i (leader election): 2881-2883 and 3881-3883 for the default 2181,
 * ZooKeeper's customary 2888/3888 shape, and clear of another ensemble at a different base port.
 */
const quorumPortOffset = 700;
const electionPortOffset = 1700;

export interface LocalZkNodeSpec {
  /** ZooKeeper's myid, from 1. */
  id: number;
  /** The address it binds and is reached at: zkHost, or its own host's. */
  host: string;
  /** Runs the node on its own host; undefined: on this one. */
  processHost: ProcessHost | undefined;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
}

/** What `<dir>/ensemble.json` records, so that stop and status need only the folder. */
export interface LocalZkManifest {
  ensemble: LocalZkEnsembleSize;
  basePort: number;
  /** Node i's host is hosts[i - 1]; absent: every node on loopback. */
  hosts?: ProcessHost[];
}

export function localZkNodes(ensemble: LocalZkEnsembleSize, basePort: number, hosts?: readonly ProcessHost[]): LocalZkNodeSpec[] {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + electionPortOffset + ensemble - 1 > 65535) {
    throw new Error(`ZooKeeper base port ${basePort} out of range (1024..${65535 - electionPortOffset - ensemble + 1})`);
  }
  if (hosts !== undefined && hosts.length !== ensemble) throw new Error(`${hosts.length} hosts for a ${ensemble}-node ZooKeeper: one per node`);
  return Array.from({ length: ensemble }, (_, i) => ({
    id: i + 1,
    host: hosts?.[i].address ?? zkHost,
    processHost: hosts?.[i],
    clientPort: basePort + i,
    quorumPort: basePort + quorumPortOffset + i,
    electionPort: basePort + electionPortOffset + i,
  }));
}

/** Every port a node binds: the client port, and in an ensemble the quorum and election ports. */
export function nodePorts(node: LocalZkNodeSpec, ensemble: LocalZkEnsembleSize): number[] {
  return ensemble === 1 ? [node.clientPort] : [node.clientPort, node.quorumPort, node.electionPort];
}

export function connectStringOf(nodes: LocalZkNodeSpec[]): string {
  return nodes.map((n) => `${n.host}:${n.clientPort}`).join(',');
}

export function parseEnsembleSize(value: string | number): LocalZkEnsembleSize {
  const size = Number(value);
  if (size !== 1 && size !== 3) throw new Error(`ZooKeeper ensemble size must be 1 or 3, not ${value}`);
  return size;
}

/** One node's files: its folder is also its ZooKeeper dataDir (myid, version-2/). */
export interface LocalZkNodePaths {
  nodeDir: string;
  configPath: string;
  myidPath: string;
  pidPath: string;
  logPath: string;
}

export function nodePaths(dir: string, id: number): LocalZkNodePaths {
  const nodeDir = path.join(dir, `node-${id}`);
  return {
    nodeDir,
    configPath: path.join(nodeDir, 'zoo.cfg'),
    myidPath: path.join(nodeDir, 'myid'),
    pidPath: path.join(nodeDir, 'zookeeper.pid'),
    logPath: path.join(nodeDir, 'zookeeper.log'),
  };
}

function manifestPath(dir: string): string {
  return path.join(dir, 'ensemble.json');
}

export function readManifest(dir: string): LocalZkManifest | undefined {
  const file = manifestPath(dir);
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { ensemble?: unknown; basePort?: unknown; hosts?: unknown };
  if (typeof raw.basePort !== 'number' || (raw.ensemble !== 1 && raw.ensemble !== 3) || !(raw.hosts === undefined || isHostList(raw.hosts))) {
    throw new Error(`${file} is not a Josef ZooKeeper manifest`);
  }
  return { ensemble: raw.ensemble, basePort: raw.basePort, ...(raw.hosts === undefined ? {} : { hosts: raw.hosts }) };
}

function isHostList(value: unknown): value is ProcessHost[] {
  return Array.isArray(value) && value.every((h: { address?: unknown; exec?: unknown }) =>
    typeof h?.address === 'string' && (h.exec === undefined || (Array.isArray(h.exec) && h.exec.every((w) => typeof w === 'string'))));
}

export function writeManifest(dir: string, manifest: LocalZkManifest): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(manifestPath(dir), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Renders zk/zoo.cfg.template for one node and writes it with the node's myid. */
export function writeNodeConfig(dir: string, node: LocalZkNodeSpec, all: LocalZkNodeSpec[]): LocalZkNodePaths {
  const paths = nodePaths(dir, node.id);
  const servers = all.length === 1
    ? ''
    : all.map((n) => `server.${n.id}=${n.host}:${n.quorumPort}:${n.electionPort}`).join('\n');
  const values: Record<string, string> = { dataDir: paths.nodeDir, clientPortAddress: node.host, clientPort: String(node.clientPort), servers };
  const template = readFileSync(path.join(josefRoot(), 'zk', 'zoo.cfg.template'), 'utf8');
  const config = template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`zk/zoo.cfg.template: unknown placeholder ${whole}`);
    return value;
  });
  mkdirSync(paths.nodeDir, { recursive: true });
  writeFileSync(paths.configPath, config);
  writeFileSync(paths.myidPath, `${node.id}\n`);
  return paths;
}

export function readPid(paths: LocalZkNodePaths): number | undefined {
  if (!existsSync(paths.pidPath)) return undefined;
  const pid = Number(readFileSync(paths.pidPath, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether `pid` is alive and is this node's server. Where /proc exists its command line must name
 * the node's zoo.cfg, so a pid reused by another process after a reboot is not taken for it.
 */
export function isNodeProcess(pid: number, paths: LocalZkNodePaths): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const cmdlinePath = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return readFileSync(cmdlinePath, 'utf8').split('\0').includes(paths.configPath);
  } catch {
    return false;
  }
}

/** The pid of the node's running server, or undefined. */
export function runningPid(paths: LocalZkNodePaths): number | undefined {
  const pid = readPid(paths);
  return pid !== undefined && isNodeProcess(pid, paths) ? pid : undefined;
}

/** How much of a log's end is read to show its last lines. */
const logTailBytesMax = 64 * 1024;

/** The last lines of a node's log, to show why it did not start. */
export function logTail(paths: LocalZkNodePaths, linesMax = 15): string {
  if (!existsSync(paths.logPath)) return '(no log)';
  const fd = openSync(paths.logPath, 'r');
  try {
    const sizeBytes = fstatSync(fd).size;
    const length = Math.min(sizeBytes, logTailBytesMax);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, sizeBytes - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-linesMax).join('\n');
  } finally {
    closeSync(fd);
  }
}
