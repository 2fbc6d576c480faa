/**
 * The hosts of topology.ts made real with `ip` and `nft` (root only): created after removing what
 * a crashed run left, cut and healed by nftables tables inside the namespaces, and removed by
 * destroy() — or, should the run die first, by the exit and signal handlers create() installs —
 * together with every process still running in them. The subnet is the machine's, so one run at
 * a time holds it, through a lock file naming the run (a dead owner's lock is taken over).
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import { processExists } from '../../src/local/cluster-state';
import { waitFor } from '../../src/common/wait';
import {
  cutScripts, hostsSubnet, leftovers, ownerPidOf, setupCommands, type Drop, type Topology,
} from './topology';

/** Why this machine cannot make hosts (not root, not Linux, a tool missing), or undefined when it can. */
export function hostsUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'making network namespaces, veth links and nftables rules needs root';
  for (const [tool, flag] of [['ip', '-V'], ['nft', '--version']]) {
    if (spawnSync(tool, [flag], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed (iproute2, nftables)`;
  }
  return undefined;
}

/** How long one `ip` or `nft` call may take. */
const commandTimeoutMs = 10_000;

function runSync(argv: readonly string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: commandTimeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

function runAsync(argv: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { timeout: commandTimeoutMs }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve();
    });
    child.stdin?.end(input);
  });
}

function namespaceNames(): string[] {
  return runSync(['ip', 'netns', 'list']).split('\n').map((line) => line.split(' ')[0]).filter((name) => name !== '');
}

function linkNames(): string[] {
  return runSync(['ip', '-o', 'link', 'show']).split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Kills every process in the namespace, then removes it (its veth end, and so the pair, goes with it). */
function removeNamespace(namespace: string): void {
  let pids: number[] = [];
  try {
    pids = runSync(['ip', 'netns', 'pids', namespace]).split('\n').filter((p) => p !== '').map(Number);
  } catch {
    // Gone already, or never fully made: deleting it below says which.
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  try {
    runSync(['ip', 'netns', 'del', namespace]);
  } catch (err) {
    if (namespaceNames().includes(namespace)) throw err;
  }
}

function removeLink(link: string): void {
  try {
    runSync(['ip', 'link', 'del', link]);
  } catch (err) {
    if (linkNames().includes(link)) throw err;
  }
}

/** Removes the namespaces and links of runs whose process is gone; returns what it removed. */
export function removeLeftovers(ownRunName?: string): string[] {
  const stale = leftovers(namespaceNames(), linkNames(), processExists, ownRunName);
  for (const namespace of stale.namespaces) removeNamespace(namespace);
  for (const link of linkNames().filter((l) => stale.links.includes(l))) removeLink(link);
  return [...stale.namespaces, ...stale.links];
}

/** The lock of the subnet: machine-wide, as the network namespaces are. */
const subnetLockPath = '/run/josef-chaos-hosts.lock';
/** How long a run waits for another run's hosts to be removed. */
const subnetLockWaitMsDefault = 15 * 60_000;

/** Takes the subnet's lock for `runName` (true), or finds it held by a live run (false); a dead run's lock is taken over. */
function tryLockSubnet(runName: string): boolean {
  try {
    fs.writeFileSync(subnetLockPath, `${runName}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = ownerPidOf(fs.readFileSync(subnetLockPath, 'utf8').trim());
  if (owner !== undefined && processExists(owner)) return false;
  fs.rmSync(subnetLockPath, { force: true });
  return tryLockSubnet(runName);
}

function unlockSubnet(runName: string): void {
  try {
    if (fs.readFileSync(subnetLockPath, 'utf8').trim() === runName) fs.rmSync(subnetLockPath);
  } catch {
    // Not ours, or gone.
  }
}

/** Refuses to make a second set of hosts on the subnet while anything else has an address in it. */
function checkSubnetFree(): void {
  const holders = runSync(['ip', '-o', 'addr', 'show', 'to', hostsSubnet]).split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  if (holders.length === 0) return;
  const pid = ownerPidOf(holders[0]);
  throw new Error(`${hostsSubnet} is in use by ${holders.join(', ')}${pid === undefined ? '' : ` (the chaos hosts of pid ${pid}, still running)`}: one set of chaos hosts at a time`);
}

const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class HostNetwork {
  private destroyed = false;
  private readonly onExit = (): void => this.destroy();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.destroy();
    // Die of the signal as if we had not caught it (the default action).
    process.kill(process.pid, signal);
  };

  private constructor(readonly topology: Topology) {}

  /**
   * Waits for the subnet (another run's hosts), removes what crashed runs left, then makes the
   * bridge and every host; on failure removes what it made.
   */
  static async create(topology: Topology, options: { subnetWaitMs?: number } = {}): Promise<HostNetwork> {
    await waitFor(() => tryLockSubnet(topology.runName), {
      timeoutMs: options.subnetWaitMs ?? subnetLockWaitMsDefault, intervalMs: 1_000,
      message: () => `the chaos hosts' subnet ${hostsSubnet} to be free (${subnetLockPath}: ${fs.readFileSync(subnetLockPath, 'utf8').trim()})`,
    });
    const network = new HostNetwork(topology);
    process.once('exit', network.onExit);
    for (const signal of stopSignals) process.once(signal, network.onSignal);
    try {
      removeLeftovers(topology.runName);
      checkSubnetFree();
      for (const command of setupCommands(topology)) runSync(command);
    } catch (err) {
      network.destroy();
      throw new Error(`making the chaos hosts: ${(err as Error).message}`);
    }
    return network;
  }

  /** Replaces every host's rules with `drops` (none: healed). */
  async cut(drops: readonly Drop[]): Promise<void> {
    const scripts = cutScripts(this.topology, drops);
    await Promise.all([...scripts].map(([namespace, script]) => runAsync(['ip', 'netns', 'exec', namespace, 'nft', '-f', '-'], script)));
  }

  heal(): Promise<void> {
    return this.cut([]);
  }

  /** Kills what still runs on the hosts and removes them and the bridge (their nftables tables go with them). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    for (const signal of stopSignals) process.off(signal, this.onSignal);
    try {
      const existing = new Set(namespaceNames());
      for (const host of this.topology.hosts) if (existing.has(host.namespace)) removeNamespace(host.namespace);
      removeLink(this.topology.bridge);
    } finally {
      unlockSubnet(this.topology.runName);
    }
  }
}
