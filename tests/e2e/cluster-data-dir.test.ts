/**
 * One cluster per data dir, as a user meets it, in child processes: `josef demo failover` started
 * while `josef cluster up` is still starting in the same data dir waits for it and tells its story
 * on that cluster; a second `cluster up` there is refused, naming the first; and after the demo is
 * interrupted the first cluster's ZooKeeper and brokers are all still there and serving. Before, the demo found no
 * cluster.json yet, started a cluster of its own in the data dir and stopped its ZooKeeper on the
 * way out, under the brokers of `cluster up`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findFreeBasePort, stopLocalZk } from '../../src/local/local-zk';
import { nodePaths } from '../../src/local/local-zk-layout';
import { runJosef } from '../helpers/cluster';
import { stopAllChildren } from '../helpers/child-processes';
import { alive, awaitClusterTable, clusterUpBasePort, josefChild, spawnClusterUp, type ClusterUp } from '../helpers/cluster-up';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(420_000);

describe('a data dir with a cluster starting in it', () => {
  let dataDir: string;
  let up: ClusterUp | undefined;
  beforeAll(() => {
    dataDir = tmpDir('cluster-data-dir');
  });
  afterAll(async () => {
    await stopAllChildren();
    for (const pid of up?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await stopLocalZk(path.join(dataDir, 'zk'));
    rmDir(dataDir);
  });

  it('makes a demo wait for the cluster up that is starting, refuses a second cluster up, and leaves the first one serving', async () => {
    const zkPort = await findFreeBasePort(30_000 + 10 * Math.floor(Math.random() * 300), 1);
    const basePort = await clusterUpBasePort(3);
    up = spawnClusterUp(['--brokers', '3', '--data-dir', dataDir, '--zk-port', String(zkPort), '--base-port', String(basePort)]);
    const upPid = up.child.pid as number;
    // Once it began (its ZooKeeper's folder is there), it is held (SIGSTOP) while the others look, as
    // a slow machine would hold it: the race is decided, not left to timing.
    await waitFor(() => {
      if (!alive(upPid)) throw new Error(`cluster up exited early:\n${up?.child.stderr}`);
      return fs.existsSync(path.join(dataDir, 'zk', 'ensemble.json'));
    }, { timeoutMs: 60_000, message: 'cluster up to begin' });
    process.kill(upPid, 'SIGSTOP');

    // Many records, slowly: the story stays at its writing step until the test interrupts it.
    const demo = josefChild(['demo', 'failover', '--data-dir', dataDir, '--plain', '--partitions', '1', '--records-per-step', '1000000', '--rate', '200']);
    const second = await runJosef(['cluster', 'up', '--brokers', '3', '--data-dir', dataDir, '--zk-port', String(zkPort + 5), '--base-port', String(basePort + 10)], 180_000);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`josef: a cluster is already starting or running in ${dataDir}: \``);
    expect(second.stderr).toContain(`(pid ${upPid}, since `);
    const demoSays = (text: string, what: string): Promise<boolean> =>
      demo.waitForOutput((c) => (c.stdout.toString().includes(text) ? true : undefined), 120_000, what);
    await demoSays('waiting until it is up', 'the demo to wait for the starting cluster');
    expect(demo.stdout.toString()).toContain(`a cluster is starting in ${dataDir} (\``);
    expect(demo.stdout.toString()).toContain(`, pid ${upPid}): waiting until it is up`);

    process.kill(upPid, 'SIGCONT');
    await awaitClusterTable(up);
    const zooKeeperPid = Number(fs.readFileSync(nodePaths(path.join(dataDir, 'zk'), 1).pidPath, 'utf8').trim());
    // The demo tells its story on that cluster: its topic created, records written and read; then a Ctrl-C ends it.
    await demoSays('writes values failover-demo-', 'the demo to write on the cluster');
    expect(demo.stdout.toString()).toContain(`cluster: the cluster of \`josef cluster up\` (pid ${upPid}) in ${dataDir}`);
    const interrupted = await demo.stop('SIGINT', 60_000);
    expect([interrupted.code, interrupted.stderr]).toEqual([130, '']);
    expect(demo.stdout.toString()).toContain('interrupted: stopping');

    // The first cluster is whole: its ZooKeeper, every broker registered, and serving clients.
    expect(alive(upPid)).toBe(true);
    expect(alive(zooKeeperPid)).toBe(true);
    const [status, topics] = await Promise.all([
      runJosef(['cluster', 'status', '--data-dir', dataDir], 120_000),
      runJosef(['topic', 'list', '--bootstrap-server', `127.0.0.1:${basePort}`], 120_000),
    ]);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(status.stdout).toContain('is up: all 3 broker(s) registered in /brokers/ids (exit code 0)');
    expect([topics.code, topics.stderr]).toEqual([0, '']);
    expect(topics.stdout).toMatch(/^failover-demo-/m);

    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 180_000);
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect((await up.child.exited).code).toBe(0);
    expect(alive(zooKeeperPid)).toBe(false);
  });
});
