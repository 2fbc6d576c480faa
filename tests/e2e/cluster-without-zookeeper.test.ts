/**
 * Stopping a `josef cluster up` whose ZooKeeper is gone or frozen, as a user does it, in child
 * processes: with its ZooKeeper SIGKILLed, `cluster down` ends within seconds (the brokers skip
 * controlled shutdown, which no controller could carry out, and shut down locally), every process
 * is gone, and the next `cluster up` on the data dir opens its logs without recovery; with its
 * ZooKeeper held by SIGSTOP, Ctrl-C does the same. Before, each broker sat out Kafka's controlled
 * shutdown retries (3 x 30 s) and `cluster down` gave up after 300 s with the brokers still running.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findFreeBasePort, stopLocalZk } from '../../src/local/local-zk';
import { nodePaths } from '../../src/local/local-zk-layout';
import { CLEAN_SHUTDOWN_MARKER } from '../../src/storage/log-manager';
import { stopAllChildren } from '../helpers/child-processes';
import { runJosef } from '../helpers/cluster';
import { alive, clusterUp, clusterUpBasePort, type ClusterUp } from '../helpers/cluster-up';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(420_000);

/**
 * How long stopping may take without ZooKeeper, from the command to every process gone: seconds of
 * work, plus the start of a `josef` process on a busy test machine. The controlled shutdown
 * retries alone took 100 s per broker.
 */
const stopWithoutZooKeeperMs = 60_000;

function zooKeeperPid(dataDir: string): number {
  return Number(fs.readFileSync(nodePaths(path.join(dataDir, 'zk'), 1).pidPath, 'utf8').trim());
}

/** What broker `id` logged since its latest start by `cluster up`. */
function latestRunLog(dataDir: string, id: number): string {
  const log = fs.readFileSync(path.join(dataDir, 'logs', `broker-${id}.log`), 'utf8');
  return log.slice(log.lastIndexOf('---- josef cluster: starting broker'));
}

describe('josef cluster up without its ZooKeeper', () => {
  let dataDir: string;
  const ups: ClusterUp[] = [];
  beforeAll(() => {
    dataDir = tmpDir('cluster-without-zk');
  });
  afterAll(async () => {
    await stopAllChildren();
    for (const pid of ups.flatMap((up) => up.pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await stopLocalZk(path.join(dataDir, 'zk'));
    rmDir(dataDir);
  });

  it('stops within seconds with ZooKeeper killed or frozen, and starts again without log recovery', async () => {
    const zkPort = await findFreeBasePort(30_000 + 10 * Math.floor(Math.random() * 300), 1);
    const basePort = await clusterUpBasePort(2);
    const args = ['--brokers', '2', '--data-dir', dataDir, '--zk-port', String(zkPort), '--base-port', String(basePort)];
    const first = await clusterUp(args);
    ups.push(first);
    // A replicated partition led by each broker: what a controlled shutdown would move.
    const created = await runJosef(['topic', 'create', 'orders', '--partitions', '2', '--replication-factor', '2', '--bootstrap-server', `127.0.0.1:${basePort}`]);
    expect([created.code, created.stderr]).toEqual([0, '']);

    process.kill(zooKeeperPid(dataDir), 'SIGKILL');
    const downStartedMs = Date.now();
    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 400_000);
    const downMs = Date.now() - downStartedMs;
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect(downMs).toBeLessThan(stopWithoutZooKeeperMs);
    expect((await first.child.exited).code).toBe(0);
    expect(first.pids.filter(alive)).toEqual([]);
    for (const id of [1, 2]) {
      const log = latestRunLog(dataDir, id);
      // Before its first attempt, or during it when the kill was less than the reconnect grace before.
      expect(log).toMatch(/WARN +\[broker\.\d\] ZooKeeper unreachable \(no connection for \d+ ms, (before the first attempt|during attempt 1)\): .*the broker shuts down locally/);
      expect(log).not.toMatch(/controlled shutdown attempt \d/);
      expect(log).toMatch(/shut down cleanly/);
      expect(fs.existsSync(path.join(dataDir, `broker-${id}`, 'data', CLEAN_SHUTDOWN_MARKER))).toBe(true);
    }

    const second = await clusterUp(args);
    ups.push(second);
    for (const id of [1, 2]) {
      expect(latestRunLog(dataDir, id)).toMatch(/loaded 2 partition log\(s\) from .* \(clean shutdown: nothing to recover\)/);
    }
    // Frozen only once both brokers run: a broker still starting has no controlled shutdown to skip.
    await waitFor(() => [1, 2].every((id) => /\] started in \d+ ms/.test(latestRunLog(dataDir, id))), {
      timeoutMs: 30_000, message: 'both brokers to finish starting',
    });
    const frozenZooKeeper = zooKeeperPid(dataDir);
    process.kill(frozenZooKeeper, 'SIGSTOP');
    const ctrlCAtMs = Date.now();
    // Past the bound it is killed, and its exit (null, by SIGKILL) fails the test.
    expect((await second.child.stop('SIGINT', stopWithoutZooKeeperMs)).code).toBe(0);
    // Its ZooKeeper too: woken (SIGCONT) to take its SIGTERM.
    await waitFor(() => [...second.pids, frozenZooKeeper].every((pid) => !alive(pid)), {
      timeoutMs: stopWithoutZooKeeperMs - (Date.now() - ctrlCAtMs), message: 'the brokers and ZooKeeper to be gone',
    });
    for (const id of [1, 2]) {
      expect(latestRunLog(dataDir, id)).toMatch(/ZooKeeper unreachable .*the broker shuts down locally[\s\S]*shut down cleanly/);
    }
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('cluster.'))).toEqual([]);
  });
});
