/**
 * `josef cluster up` as a user runs it, and the commands a user runs beside it from another
 * terminal: it prints the table once ZooKeeper's brokers and controller are there; `cluster
 * status`, `cluster add-broker`, `broker kill` and `cluster down` find it through its state file,
 * and `cluster status` tells by its exit code whether the cluster is up (0), not whole (2), not
 * answering (3: a broker registered but frozen) or not running (1); Ctrl-C (SIGINT) or `cluster
 * down` stops every broker cleanly, then itself, with exit 0; and with `--zk-ensemble 3` it runs its own 3-node ZooKeeper, which `cluster down` still stops
 * after `cluster up` was killed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findFreeBasePort, statusLocalZk } from '../../src/local/local-zk';
import { ZkClient } from '../../src/coordination/zk-client';
import { CLEAN_SHUTDOWN_MARKER } from '../../src/storage/log-manager';
import { runJosef } from '../helpers/cluster';
import { alive, clusterUp, clusterUpBasePort, type ClusterUp } from '../helpers/cluster-up';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

jest.setTimeout(180_000);

describe('josef cluster up', () => {
  let dataDir: string;
  let up: ClusterUp | undefined;
  beforeEach(() => {
    dataDir = tmpDir('cluster-up');
    up = undefined;
  });
  afterEach(async () => {
    // A broker a failed test left stopped is resumed first, so that nothing of it lingers frozen.
    for (const pid of up?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGCONT');
    await up?.child.stop('SIGKILL');
    for (const pid of up?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmDir(dataDir);
  });

  it('starts brokers, prints where they are, and stops them all cleanly on Ctrl-C', async () => {
    const connect = testChroot('cluster-up');
    const basePort = await clusterUpBasePort(2);
    up = await clusterUp(['--brokers', '2', '--data-dir', dataDir, '--zookeeper', connect, '--base-port', String(basePort)]);
    const stdout = up.child.stdout.toString();
    expect(stdout).toMatch(new RegExp(`^1\\s+127\\.0\\.0\\.1:${basePort}\\s+\\d+`, 'm'));
    expect(stdout).toMatch(new RegExp(`^2\\s+127\\.0\\.0\\.1:${basePort + 1}\\s+\\d+`, 'm'));
    expect(stdout).toMatch(/controller/);
    expect(stdout).toMatch(new RegExp(`^1\\s+127\\.0\\.0\\.1:${basePort}\\s+\\d+\\s+http://127\\.0\\.0\\.1:${basePort + 100}/metrics`, 'm'));
    expect(stdout).toMatch(/^Console: http:\/\/127\.0\.0\.1:\d+\//m);
    expect(up.pids).toHaveLength(2);
    const zk = await ZkClient.connect({ connectString: connect });
    try {
      expect((await zk.getChildren('/brokers/ids')).sort()).toEqual(['1', '2']);
    } finally {
      await zk.close();
    }
    expect((await up.child.stop('SIGINT', 120_000)).code).toBe(0);
    expect(up.pids.filter(alive)).toEqual([]);
    for (const id of [1, 2]) {
      expect(fs.existsSync(path.join(dataDir, `broker-${id}`, 'data', CLEAN_SHUTDOWN_MARKER))).toBe(true);
      expect(fs.readFileSync(path.join(dataDir, 'logs', `broker-${id}.log`), 'utf8')).toMatch(/shut down cleanly/);
    }
    expect(fs.existsSync(path.join(dataDir, 'cluster.json'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'cluster.lock'))).toBe(false);
  });

  it('is seen by cluster status, gains a broker by add-broker, loses one to broker kill, and stops on cluster down, from other processes', async () => {
    const connect = testChroot('cluster-status');
    const basePort = await clusterUpBasePort(3);
    const nothing = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect([nothing.code, nothing.stderr]).toEqual([1, '']);
    expect(nothing.stdout).toMatch(new RegExp(`No cluster runs from ${dataDir} \\(exit code 1\\)\n$`));
    up = await clusterUp(['--brokers', '2', '--data-dir', dataDir, '--zookeeper', connect, '--base-port', String(basePort)]);
    const [pid1, pid2] = up.pids;
    const status = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect([status.code, status.stderr]).toEqual([0, '']);
    expect(status.stdout).toContain('is up: all 2 broker(s) registered in /brokers/ids (exit code 0)');
    expect(status.stdout).toContain(`ZooKeeper: ${connect} (standalone, 1 of 1 serving`);
    expect(status.stdout).toContain('Brokers alive (registered in /brokers/ids): 2 of 2');
    expect(status.stdout).toMatch(/Controller: broker [12] \(controller epoch \d+\)/);
    expect(status.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +running +yes +yes$`, 'm'));

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
    expect(grown.stdout).toMatch(new RegExp(`^ +3 +127\\.0\\.0\\.1:${basePort + 2} +${pid3} +running +yes +yes$`, 'm'));
    const twice = await runJosef(['cluster', 'add-broker', '--id', '3', '--data-dir', dataDir]);
    expect([twice.code, twice.stderr]).toEqual([1, `josef: broker 3 is already running (pid ${pid3})\n`]);

    const kill = await runJosef(['broker', 'kill', '2', '--signal', 'KILL', '--data-dir', dataDir]);
    expect([kill.code, kill.stderr]).toEqual([0, '']);
    expect(kill.stdout).toContain(`sent SIGKILL to broker 2 (pid ${pid2})`);
    await waitFor(() => !alive(pid2), { timeoutMs: 10_000, message: 'broker 2 to die' });
    const again = await runJosef(['broker', 'kill', '2', '--data-dir', dataDir]);
    expect([again.code, again.stderr]).toEqual([1, 'josef: broker 2 is not running (it exited: signal SIGKILL)\n']);
    // Registered but not answering (exit 3) until ZooKeeper expires its session (zookeeper.session.timeout.ms, 6 s): status exits 2 from then on.
    const after = await waitFor(async () => {
      const run = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
      return run.code === 0 || run.code === 3 ? undefined : run;
    }, { timeoutMs: 60_000, message: 'cluster status to see broker 2 gone' });
    expect([after.code, after.stderr]).toEqual([2, '']);
    expect(after.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +gone +no +-$`, 'm'));
    expect(after.stdout).toContain('is not whole: broker(s) 2 of 3 not registered in /brokers/ids (exit code 2)');

    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 180_000);
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect(down.stdout).toContain(`broker 1 (pid ${pid1}) stopped`);
    expect(down.stdout).toContain(`broker 3 (pid ${pid3}) stopped`);
    expect(down.stdout).toMatch(/stopped\.\n$/);
    expect((await up.child.exited).code).toBe(0);
    expect(alive(pid1)).toBe(false);
    expect(alive(pid3)).toBe(false);
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'broker-3.log'), 'utf8')).toMatch(/shut down cleanly/);
    expect(fs.existsSync(path.join(dataDir, 'cluster.json'))).toBe(false);
    const none = await runJosef(['cluster', 'down', '--data-dir', dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no cluster state in');
  });

  it('marks a broker that is registered but does not answer (SIGSTOP) with exit code 3, and sees it answer again after SIGCONT', async () => {
    const connect = testChroot('cluster-status-frozen');
    const basePort = await clusterUpBasePort(2);
    // A session that outlasts the stop, so that ZooKeeper still counts the frozen broker alive (its default maxSessionTimeout is 40 s).
    up = await clusterUp(['--brokers', '2', '--data-dir', dataDir, '--zookeeper', connect, '--base-port', String(basePort)], {
      JOSEF_ZOOKEEPER_SESSION_TIMEOUT_MS: '30000',
    });
    const pid2 = up.pids[1];
    process.kill(pid2, 'SIGSTOP');
    try {
      const frozen = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
      expect([frozen.code, frozen.stderr]).toEqual([3, '']);
      expect(frozen.stdout).toContain('Brokers alive (registered in /brokers/ids): 2 of 2');
      expect(frozen.stdout).toContain('Registered but not answering (ApiVersions within 2000 ms): broker(s) 2');
      expect(frozen.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +stopped +yes +NO: REQUEST_TIMED_OUT: ApiVersions request \\d+ to \\S+ timed out after 2000 ms$`, 'm'));
      expect(frozen.stdout).toMatch(new RegExp(`^ +1 +127\\.0\\.0\\.1:${basePort} +${up.pids[0]} +running +yes +yes$`, 'm'));
      expect(frozen.stdout).toContain('is not serving: broker(s) 2 of 2 registered in /brokers/ids but not answering (exit code 3)');
    } finally {
      process.kill(pid2, 'SIGCONT');
    }
    const resumed = await runJosef(['cluster', 'status', '--data-dir', dataDir]);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    expect(resumed.stdout).toContain('Registered but not answering (ApiVersions within 2000 ms): none');
    expect(resumed.stdout).toMatch(new RegExp(`^ +2 +127\\.0\\.0\\.1:${basePort + 1} +${pid2} +running +yes +yes$`, 'm'));
  });

  it('runs a 3-node ZooKeeper of its own, which cluster down stops even after cluster up was killed', async () => {
    const zkPort = await findFreeBasePort(30_000 + 10 * Math.floor(Math.random() * 300), 3);
    const brokerPort = await clusterUpBasePort(1);
    up = await clusterUp(['--brokers', '1', '--data-dir', dataDir, '--zk-ensemble', '3', '--zk-port', String(zkPort), '--base-port', String(brokerPort)]);
    expect(up.child.stdout.toString()).toMatch(/3-node ensemble, 3 of 3 serving: .*leader/);
    for (const id of [1, 2, 3]) expect(fs.readFileSync(path.join(dataDir, 'logs', `zookeeper-${id}.log`), 'utf8')).toMatch(/ZooKeeper node/);
    const tree = await runJosef(['zk', 'tree', '/controller', '--data-dir', dataDir]);
    expect(tree.stdout).toContain(`ZooKeeper 127.0.0.1:${zkPort},127.0.0.1:${zkPort + 1},127.0.0.1:${zkPort + 2}/josef`);
    expect(tree.stdout).toMatch(/^\/controller \(ephemeral\)  \{"version":1,"brokerid":1,/m);

    await up.child.stop('SIGKILL');
    // Its broker notices its parent is gone (stdin closed) and shuts down by itself.
    await waitFor(() => !alive(up?.pids[0] as number), { timeoutMs: 60_000, message: 'the orphaned broker to stop' });
    const down = await runJosef(['cluster', 'down', '--data-dir', dataDir], 60_000);
    expect([down.code, down.stderr]).toEqual([0, '']);
    expect(down.stdout).toContain('is not running; stopping what it left');
    expect(down.stdout).toContain(`stopping ZooKeeper in ${path.join(dataDir, 'zk')}`);
    expect((await statusLocalZk(path.join(dataDir, 'zk')))?.nodes.map((n) => n.alive)).toEqual([false, false, false]);
    // The lock of the killed `cluster up` goes with what it left.
    expect(fs.existsSync(path.join(dataDir, 'cluster.lock'))).toBe(false);
  });
});
