/**
 * `josef zk tree` against a real ZooKeeper: the znodes a broker and controller write, read back
 * with their data, under the chroot named by --zookeeper; and the bound on how many it reads.
 */
import { readZnodeTree } from '../../../src/cli/zk-tree';
import { ZkClient, encodeJson } from '../../../src/coordination/zk-client';
import { runJosef } from '../../helpers/cluster';
import { testChroot } from '../../helpers/zk';

describe('josef zk tree', () => {
  let zk: ZkClient;
  let connect: string;
  beforeAll(async () => {
    connect = testChroot('zk-tree');
    zk = await ZkClient.connect({ connectString: connect });
    await zk.create('/brokers/ids/1', encodeJson({ host: '127.0.0.1', port: 9092 }), 'ephemeral', { createParents: true });
    await zk.create('/brokers/topics/orders/partitions/0/state', encodeJson({ leader: 1, isr: [1] }), 'persistent', { createParents: true });
    await zk.create('/controller_epoch', Buffer.from('3'));
    for (let p = 1; p <= 11; p++) await zk.create(`/brokers/topics/orders/partitions/${p}`, undefined);
  });
  afterAll(() => zk.close());

  it('prints the subtree with each znode\'s data, partitions in numeric order', async () => {
    const run = await runJosef(['zk', 'tree', '/brokers', '--zookeeper', connect]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`ZooKeeper ${connect} (from --zookeeper)`);
    expect(run.stdout).toContain('│   └── 1 (ephemeral)  {"host":"127.0.0.1","port":9092}');
    expect(run.stdout).toContain('            ├── 0\n            │   └── state  {"leader":1,"isr":[1]}\n            ├── 1\n            ├── 2\n');
    expect(run.stdout).toMatch(/├── 10\n +└── 11\n19 znodes\n$/);
  });

  it('fails with a clear message for a missing path', async () => {
    const run = await runJosef(['zk', 'tree', '/nope', '--zookeeper', connect]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`josef: no znode /nope in ZooKeeper ${connect}`);
  });

  it('stops reading at --max-znodes and counts what it left out', async () => {
    const tree = await readZnodeTree(zk, '/brokers/topics/orders/partitions', 5);
    expect(tree?.children.map((c) => c.name)).toEqual(['0', '1', '2']);
    expect(tree?.children[0].children.map((c) => c.name)).toEqual(['state']);
    expect(tree?.childrenOmitted).toBe(9);
  });
});
