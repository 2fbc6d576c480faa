/**
 * `josef cluster up` as a user runs it: it prints the table once ZooKeeper's brokers and
 * controller are there, and Ctrl-C (SIGINT) stops every broker cleanly, then itself, with exit 0.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import { ZkClient } from '../../src/coordination/zk-client';
import { CLEAN_SHUTDOWN_MARKER } from '../../src/storage/log-manager';
import { freePorts } from '../helpers/cluster';
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

/** Two consecutive free ports (cluster up numbers brokers from a base port). */
async function consecutiveFreePorts(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [port] = await freePorts(1);
    if (port < 65535 && (await portFree(port + 1))) return port;
  }
  throw new Error('no two consecutive free ports');
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('josef cluster up', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tmpDir('cluster-up');
  });
  afterEach(() => rmDir(dataDir));

  it('starts brokers, prints where they are, and stops them all cleanly on Ctrl-C', async () => {
    const connect = testChroot('cluster-up');
    const basePort = await consecutiveFreePorts();
    const child = spawn(process.execPath, [
      path.join(__dirname, '..', '..', 'bin', 'josef'), 'cluster', 'up', '--brokers', '2', '--data-dir', dataDir,
      '--zookeeper', connect, '--base-port', String(basePort),
    ], { env: { ...process.env, JOSEF_TS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`cluster up exited early (${child.exitCode}):\n${stderr}`);
        return stdout.includes('Ctrl-C stops');
      }, { timeoutMs: 120_000, message: () => `the cluster table; stderr so far:\n${stderr}` });
      expect(stdout).toMatch(new RegExp(`^1\\s+127\\.0\\.0\\.1:${basePort}\\s+\\d+`, 'm'));
      expect(stdout).toMatch(new RegExp(`^2\\s+127\\.0\\.0\\.1:${basePort + 1}\\s+\\d+`, 'm'));
      expect(stdout).toMatch(/controller/);
      const pids = [...stdout.matchAll(/^\d+\s+\S+\s+(\d+)/gm)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(2);
      const zk = await ZkClient.connect({ connectString: connect });
      try {
        expect((await zk.getChildren('/brokers/ids')).sort()).toEqual(['1', '2']);
      } finally {
        await zk.close();
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
      for (const id of [1, 2]) {
        expect(fs.existsSync(path.join(dataDir, `broker-${id}`, 'data', CLEAN_SHUTDOWN_MARKER))).toBe(true);
        expect(fs.readFileSync(path.join(dataDir, 'logs', `broker-${id}.log`), 'utf8')).toMatch(/shut down cleanly/);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
