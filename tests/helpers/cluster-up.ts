/**
 * `josef cluster up` (and the commands beside it) as a user runs it, in a child process (a
 * TestChild, so a file's afterAll can stop whatever a failed test left): spawned, waited for until
 * it prints its table, and the ports and liveness checks the tests around it need; killLeftovers()
 * kills whatever of it still runs (the printed brokers and any recorded in its cluster.json since).
 */
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import { readClusterState } from '../../src/local/cluster-state';
import { TestChild } from './child-processes';
import { freePorts } from './cluster';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (cluster up numbers brokers from a base port). */
export async function consecutiveFreePorts(count = 2): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [port] = await freePorts(1);
    let free = port + count - 1 <= 65535;
    for (let i = 1; free && i < count; i++) free = await portFree(port + i);
    if (free) return port;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** Broker i's metrics.port in `cluster up` without --metrics-base-port: 100 above its listener (src/cli/cluster.ts). */
const metricsPortOffset = 100;

/** A --base-port for `count` brokers of `cluster up`: their ports free, and the metrics ports 100 above them too. */
export async function clusterUpBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await consecutiveFreePorts(count);
    let free = port + metricsPortOffset + count - 1 <= 65535;
    for (let i = 0; free && i < count; i++) free = await portFree(port + metricsPortOffset + i);
    if (free) return port;
  }
  throw new Error(`no ${count} consecutive free ports with their metrics ports free`);
}

/** Running, not a zombie: a broker started by a command that has exited belongs to init, which may not reap it. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
};

export interface ClusterUp {
  /** The `josef cluster up` process. */
  child: TestChild;
  /** Broker pids from the printed table, in broker id order (empty until it printed it). */
  pids: number[];
}

/** `josef ARGS` (the run's build) started in the background, its output collected as it comes. */
export function josefChild(args: string[], env: NodeJS.ProcessEnv = {}): TestChild {
  return new TestChild(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'josef'), ...args], { env });
}

/** Spawns `josef cluster up ARGS` and returns at once; its console takes any free port, so a developer's own on 9021 is left alone. */
export function spawnClusterUp(args: string[], env: NodeJS.ProcessEnv = {}): ClusterUp {
  return { child: josefChild(['cluster', 'up', '--console-port', '0', ...args], env), pids: [] };
}

/** Resolves once `up` printed its table, with the broker pids read from it; kills it and fails with its stderr otherwise. */
export async function awaitClusterTable(up: ClusterUp): Promise<void> {
  try {
    await up.child.waitForOutput((c) => (c.stdout.toString().includes('Ctrl-C stops') ? true : undefined), 120_000, 'the cluster table');
  } catch (err) {
    await up.child.stop('SIGKILL');
    throw err;
  }
  up.pids.push(...[...up.child.stdout.toString().matchAll(/^\d+\s+\S+\s+(\d+)/gm)].map((m) => Number(m[1])));
}

/** Spawns `josef cluster up ARGS` and resolves once it printed its table (or fails with its stderr). */
export async function clusterUp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ClusterUp> {
  const up = spawnClusterUp(args, env);
  await awaitClusterTable(up);
  return up;
}

/** Kills `cluster up` and every broker it started or recorded since (a broker restarted from the console), if still running. */
export async function killLeftovers(up: ClusterUp | undefined, dataDir: string): Promise<void> {
  await up?.child.stop('SIGKILL');
  const recorded = (() => {
    try {
      return readClusterState(dataDir)?.brokers.map((b) => b.pid) ?? [];
    } catch {
      return [];
    }
  })();
  for (const pid of [...(up?.pids ?? []), ...recorded]) if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
}
