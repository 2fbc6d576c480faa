/**
 * `josef cluster up` as a user runs it, and the commands a user runs beside it from another
 * terminal: it prints the table once ZooKeeper's brokers and controller are there; `cluster
 * status`, `cluster add-broker`, `broker kill` and `cluster down` find it through its state file; Ctrl-C (SIGINT) or
 * `cluster down` stops every broker cleanly, then itself, with exit 0; and with `--zk-ensemble 3`
 * it runs its own 3-node ZooKeeper, which `cluster down` still stops after `cluster up` was killed.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import { findFreeBasePort, statusLocalZk } from '../../src/coordination/local-zk';
import { ZkClient } from '../../src/coordination/zk-client';
import { CLEAN_SHUTDOWN_MARKER } from '../../src/storage/log-manager';
import { freePorts, runJosef } from '../helpers/cluster';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

jest.setTimeout(180_000);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (cluster up numbers brokers from a base port). */
async function consecutiveFreePorts(count = 2): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [port] = await freePorts(1);
    let free = port + count - 1 <= 65535;
    for (let i = 1; free && i < count; i++) free = await portFree(port + i);
    if (free) return port;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/** Running, not a zombie: a broker started by a command that has exited belongs to init, which may not reap it. */
const alive = (pid: number): boolean => {
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

interface ClusterUp {
  child: ChildProcess;
  stdout(): string;
  exited: Promise<number | null>;
  /** Broker pids from the printed table, in broker id order. */
  pids: number[];
}

/** Spawns `josef cluster up ARGS` and resolves once it printed its table (or fails with its stderr). */
async function clusterUp(args: string[]): Promise<ClusterUp> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'josef'), 'cluster', 'up', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`cluster up exited early (${child.exitCode}):\n${stderr}`);
      return stdout.includes('Ctrl-C stops');
    }, { timeoutMs: 120_000, message: () => `the cluster table; stderr so far:\n${stderr}` });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const pids = [...stdout.matchAll(/^\d+\s+\S+\s+(\d+)/gm)].map((m) => Number(m[1]));
  return { child, stdout: () => stdout, exited, pids };
}

describe('josef cluster up', () => {
  let dataDir: string;
  let up: ClusterUp | undefined;
  beforeEach(() => {
    dataDir = tmpDir('cluster-up');
    up = undefined;
  });
  afterEach(() => {
    if (up?.child.exitCode === null) up.child.kill('SIGKILL');
    for (const pid of up?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmDir(dataDir);
  });

  it('starts brokers, prints where they are, and stops them all cleanly on Ctrl-C', async () => {
    const connect = testChroot('cluster-up');
    const basePort = await consecutiveFreePorts();
    up = await clusterUp(['--brokers', '2', '--data-dir', dataDir, '--zookeeper', connect, '--base-port', String(basePort)]);
    const stdout = up.stdout();
    expect(stdout).toMatch(new RegExp(`^1\\s+127\\.0\\.0\\.1:${basePort}\\s+\\d+`, 'm'));
    expect(stdout).toMatch(new RegExp(`^2\\s+127\\.0\\.0\\.1:${basePort + 1}\\s+\\d+`, 'm'));
    expect(stdout).toMatch(/controller/);
    expect(up.pids).toHaveLength(2);
    const zk = await ZkClient.connect({ connectString: connect });
    try {
      expect((await zk.getChildren('/brokers/ids')).sort()).toEqual(['1', '2']);
    } finally {
      await zk.close();
    }
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.pids.filter(alive)).toEqual([]);
    for (const id of [1, 2]) {
      expect(fs.existsSync(path.join(dataDir, `broker-${id}`, 'data', CLEAN_SHUTDOWN_MARKER))).toBe(true);
      expect(fs.readFileSync(path.join(dataDir, 'logs', `broker-${id}.log`), 'utf8')).toMatch(/shut down cleanly/);
    }
    expect(fs.existsSync(path.join(dataDir, 'cluster.json'))).toBe(false);
  });

  it('is seen by cluster status, gains a broker by add-broker, loses one to broker kill, and stops on cluster down, from other processes', async () => {
    const connect = testChroot('cluster-status');
    const basePort = await consecutiveFreePorts(3);
    up = await clusterUp(['--brokers', '2', '--data-dir', dataDir, '--zookeeper', connect, '--base-port', String(basePort)]);
    const [pid1, pid2] = up.pids;
    const status = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(status.stdout).toContain(`ZooKeeper: ${connect} (standalone, 1 of 1 serving`);
    expect(status.stdout).toContain('Brokers alive (registered in /brokers/ids): 2 of 2');
    expect(status.stdout).toMatch(/Controller: broker [12] \(controller epoch \d+\)/);
    expect(status.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +running +yes$`, 'm'));

    // Scaling out: one more broker on the next port, recorded in cluster.json like the others.
    const added = await runJosef(['cluster', 'add-broker', '--data-dir', dataDir], 90_000);
    expect([added.code, added.stderr]).toEqual([0, '']);
    const addedLine = new RegExp(`^broker 3 is up: 127\\.0\\.0\\.1:${basePort + 2}, pid (\\d+)`, 'm').exec(added.stdout);
    expect(addedLine).not.toBeNull();
    const pid3 = Number(addedLine?.[1]);
    up.pids.push(pid3);
    expect(alive(pid3)).toBe(true);
    const grown = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect(grown.stdout).toContain('Brokers alive (registered in /brokers/ids): 3 of 3');
    expect(grown.stdout).toMatch(new RegExp(`^ +3 +127\\.0\\.0\\.1:${basePort + 2} +${pid3} +running +yes$`, 'm'));
    const twice = await runJosef(['cluster', 'add-broker', '--id', '3', '--data-dir', dataDir]);
    expect([twice.code, twice.stderr]).toEqual([1, `josef: broker 3 is already running (pid ${pid3})\n`]);

    const kill = await runJosef(['broker', 'kill', '2', '--signal', 'KILL', '--data-dir', dataDir]);
    expect([kill.code, kill.stderr]).toEqual([0, '']);
    expect(kill.stdout).toContain(`sent SIGKILL to broker 2 (pid ${pid2})`);
    await waitFor(() => !alive(pid2), { timeoutMs: 10_000, message: 'broker 2 to die' });
    const again = await runJosef(['broker', 'kill', '2', '--data-dir', dataDir]);
    expect([again.code, again.stderr]).toEqual([1, 'josef: broker 2 is not running (it exited: signal SIGKILL)\n']);
    const after = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect(after.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +gone +(yes|no)$`, 'm'));

    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 180_000);
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect(down.stdout).toContain(`broker 1 (pid ${pid1}) stopped`);
    expect(down.stdout).toContain(`broker 3 (pid ${pid3}) stopped`);
    expect(down.stdout).toMatch(/stopped\.\n$/);
    expect(await up.exited).toBe(0);
    expect(alive(pid1)).toBe(false);
    expect(alive(pid3)).toBe(false);
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'broker-3.log'), 'utf8')).toMatch(/shut down cleanly/);
    expect(fs.existsSync(path.join(dataDir, 'cluster.json'))).toBe(false);
    const none = await runJosef(['cluster', 'down', '--data-dir', dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no cluster state in');
  });

  it('runs a 3-node ZooKeeper of its own, which cluster down stops even after cluster up was killed', async () => {
    const zkPort = await findFreeBasePort(30_000 + 10 * Math.floor(Math.random() * 300), 3);
    const [brokerPort] = await freePorts(1);
    up = await clusterUp(['--brokers', '1', '--data-dir', dataDir, '--zk-ensemble', '3', '--zk-port', String(zkPort), '--base-port', String(brokerPort)]);
    expect(up.stdout()).toMatch(/3-node ensemble, 3 of 3 serving: .*leader/);
    for (const id of [1, 2, 3]) expect(fs.readFileSync(path.join(dataDir, 'logs', `zookeeper-${id}.log`), 'utf8')).toMatch(/ZooKeeper node/);
    const tree = await runJosef(['zk', 'tree', '/controller', '--data-dir', dataDir]);
    expect(tree.stdout).toContain(`ZooKeeper 127.0.0.1:${zkPort},127.0.0.1:${zkPort + 1},127.0.0.1:${zkPort + 2}/josef`);
    expect(tree.stdout).toMatch(/^\/controller \(ephemeral\)  \{"version":1,"brokerid":1,/m);

    up.child.kill('SIGKILL');
    await up.exited;
    // Its broker notices its parent is gone (stdin closed) and shuts down by itself.
    await waitFor(() => !alive(up?.pids[0] as number), { timeoutMs: 60_000, message: 'the orphaned broker to stop' });
    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 60_000);
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect(down.stdout).toContain('is not running; stopping what it left');
    expect(down.stdout).toContain(`stopping ZooKeeper in ${path.join(dataDir, 'zk')}`);
    expect((await statusLocalZk(path.join(dataDir, 'zk')))?.nodes.map((n) => n.alive)).toEqual([false, false, false]);
  });
});
