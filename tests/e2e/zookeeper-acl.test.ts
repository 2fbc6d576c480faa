/**
 * zookeeper.set.acl with real broker processes: three brokers authenticated to ZooKeeper (digest)
 * create a topic, take records and survive the controller's death, while a ZooKeeper client
 * without credentials reads the cluster's state but is refused (NOAUTH) every write that would
 * hijack it and every read of users' SCRAM credentials; a broker with the wrong password does
 * not start, and says why.
 */
import { secureLocalZookeeper, zkSecurityEnv } from '../../src/local/zk-security-env';
import { ZkPaths } from '../../src/coordination/paths';
import { encodeJson, ZkClient } from '../../src/coordination/zk-client';
import { ZkNoAuthError } from '../../src/coordination/zk-errors';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, kcat } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

describe('brokers with zookeeper.set.acl', () => {
  let cluster: TestCluster;
  let securityDir: string;
  let brokerEnv: Record<string, string>;
  let outsider: ZkClient;
  const bootstrap = (): string => cluster.cluster.brokers().filter((b) => b.running).map((b) => `${b.host}:${b.port}`).join(',');

  beforeAll(async () => {
    securityDir = tmpDir('zk-security');
    const security = secureLocalZookeeper(securityDir);
    brokerEnv = zkSecurityEnv(security);
    cluster = await startTestCluster('e2e-zk-acl', {
      brokers: 3,
      zookeeperSecurity: security,
      overrides: { 'zookeeper.session.timeout.ms': '4000', 'offsets.topic.replication.factor': '1' },
    });
    outsider = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
  });
  afterAll(async () => {
    await outsider?.close();
    await cluster?.stop();
    rmDir(securityDir);
  });

  test('serve a topic and fail over, while a client without credentials may read but not write the cluster, nor read credentials', async () => {
    expectSuccess(await runJosef(['topic', 'create', 'orders', '--partitions', '1', '--replication-factor', '3', '--bootstrap-server', bootstrap()]), 'josef topic create');
    // josef user writes ZooKeeper itself, with the identity of the environment, as kafka-configs --zookeeper did.
    expectSuccess(await runJosef(['user', 'add', 'alice', '--password', 'alice-secret', '--zookeeper', cluster.zookeeperConnect], 60_000, brokerEnv), 'josef user add');
    await kcat(bootstrap(), ['-P', '-t', 'orders', '-X', 'acks=all'], { input: 'a\nb\nc\n' });

    expect((await outsider.getChildren(ZkPaths.brokerIds)).sort()).toEqual(['1', '2', '3']);
    const controller = (await outsider.getJson<{ brokerid: number }>(ZkPaths.controller)).value.brokerid;
    await expect(outsider.setData(ZkPaths.controller, encodeJson({ version: 1, brokerid: 99, timestamp: '0' }), -1)).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(outsider.delete(ZkPaths.controller, -1)).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(outsider.delete(ZkPaths.broker(controller), -1)).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(outsider.setData(ZkPaths.topic('orders'), encodeJson({ version: 2, partitions: { 0: [99] } }), -1)).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(outsider.create(ZkPaths.deleteTopic('orders'))).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(outsider.getData(ZkPaths.userConfig('alice'))).rejects.toBeInstanceOf(ZkNoAuthError);
    const tree = await runJosef(['zk', 'tree', '/config', '--zookeeper', cluster.zookeeperConnect], 60_000, { JOSEF_ZOOKEEPER_AUTH_DIGEST: '' });
    expectSuccess(tree, 'josef zk tree');
    expect(tree.stdout).toMatch(/users \(not readable: NOAUTH/);
    // The change notification names alice, as Kafka's does; her salt and keys stay unread.
    expect(tree.stdout).not.toMatch(/SCRAM|salt/);

    await cluster.cluster.stopBroker(controller, 'SIGKILL');
    const next = await waitFor(async () => {
      const data = await outsider.getJson<{ brokerid: number }>(ZkPaths.controller).catch(() => undefined);
      return data !== undefined && data.value.brokerid !== controller ? data.value.brokerid : undefined;
    }, { timeoutMs: 30_000, message: `a broker other than ${controller} to become controller` });
    expect([1, 2, 3]).toContain(next);
    await kcat(bootstrap(), ['-P', '-t', 'orders', '-X', 'acks=all'], { input: 'd\ne\n' });
    const consumed = await kcat(bootstrap(), ['-C', '-t', 'orders', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(consumed.stdout.toString().split('\n').filter((l) => l !== '')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a broker with the wrong ZooKeeper password does not start, and says which identity it is', async () => {
    const dir = tmpDir('zk-wrong-password');
    try {
      const env = { ...brokerEnv, JOSEF_ZOOKEEPER_AUTH_DIGEST: 'josef:wrong-password' };
      const run = await runJosef(['broker', 'start', '--id', '4', '--port', '0', '--log-dirs', dir, '--zookeeper', cluster.zookeeperConnect], 60_000, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/broker 4 failed to start: ZooKeeper refused .*NOAUTH.*this broker is digest:josef:\S+: give it that identity's zookeeper\.auth\.digest/);
      expect(await outsider.exists(ZkPaths.broker(4))).toBeNull();
    } finally {
      rmDir(dir);
    }
  });
});
