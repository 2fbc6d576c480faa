/**
 * `josef cluster up` (and the commands beside it) as a user runs it, in a child process from the
 * sources: spawned, waited for until it prints its table, and the ports and liveness checks the
 * tests around it need.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import { freePorts } from './cluster';
import { waitFor } from './wait';

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

/** A `josef` command running in a child process, its output captured as it comes. */
export interface JosefChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export interface ClusterUp extends JosefChild {
  /** Broker pids from the printed table, in broker id order (empty until it printed it). */
  pids: number[];
}

/** Spawns `josef ARGS` from the sources (with `env` over this process's) and returns at once. */
export function spawnJosef(args: string[], env: NodeJS.ProcessEnv = {}): JosefChild {
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'josef'), ...args], {
    env: { ...process.env, JOSEF_TS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Spawns `josef cluster up ARGS` and returns at once. */
export function spawnClusterUp(args: string[], env: NodeJS.ProcessEnv = {}): ClusterUp {
  return { ...spawnJosef(['cluster', 'up', ...args], env), pids: [] };
}

/** Resolves once `up` printed its table, with the broker pids read from it; kills it and fails with its stderr otherwise. */
export async function awaitClusterTable(up: ClusterUp): Promise<void> {
  try {
    await waitFor(() => {
      if (up.child.exitCode !== null) throw new Error(`cluster up exited early (${up.child.exitCode}):\n${up.stderr()}`);
      return up.stdout().includes('Ctrl-C stops');
    }, { timeoutMs: 120_000, message: () => `the cluster table; stderr so far:\n${up.stderr()}` });
  } catch (err) {
    up.child.kill('SIGKILL');
    throw err;
  }
  up.pids.push(...[...up.stdout().matchAll(/^\d+\s+\S+\s+(\d+)/gm)].map((m) => Number(m[1])));
}

/** Spawns `josef cluster up ARGS` and resolves once it printed its table (or fails with its stderr). */
export async function clusterUp(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ClusterUp> {
  const up = spawnClusterUp(args, env);
  await awaitClusterTable(up);
  return up;
}
