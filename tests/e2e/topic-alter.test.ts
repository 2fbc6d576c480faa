/**
 * `josef topic alter --config` on a running broker process: segment.bytes makes the live log roll
 * smaller segments and retention.bytes makes it delete old ones, with no restart (the broker's
 * dynamic config follows /config/changes); `topic describe` shows the overrides. And a reassignment
 * plan that names a broker that is not alive is refused by the CLI before ZooKeeper changes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Admin } from '../../src/client/admin';
import { Producer } from '../../src/client/producer';
import { ZkPaths } from '../../src/coordination/paths';
import { ZkClient } from '../../src/coordination/zk-client';
import { ApiKey, DEBUGGING_REPLICA_ID, EARLIEST_TIMESTAMP } from '../../src/protocol/api-keys';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { quietLogger } from '../helpers/log';
import { tmpDir, rmDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

describe('topic alter on a running broker', () => {
  let cluster: TestCluster;
  let zk: ZkClient;
  let zkFlag: string[];

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-topic-alter', { brokers: 1, overrides: { 'log.retention.check.interval.ms': '300' } });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    zkFlag = ['--zookeeper', cluster.zookeeperConnect];
    const admin = new Admin({ bootstrapServers: cluster.cluster.bootstrapServers, logger: quietLogger });
    try {
      await admin.createTopics([{ name: 'live', numPartitions: 1, replicationFactor: 1 }]);
    } finally {
      await admin.close();
    }
  });
  afterAll(async () => {
    await zk?.close();
    await cluster?.stop();
  });

  const segmentFiles = (): string[] => {
    const dir = path.join(cluster.cluster.broker(1).logDir.split(',')[0], 'live', '0');
    return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  };

  async function produce(count: number): Promise<void> {
    const producer = new Producer({ bootstrapServers: cluster.cluster.bootstrapServers, acks: 1, lingerMs: 0, logger: quietLogger });
    try {
      for (let i = 0; i < count; i++) await producer.send({ topic: 'live', partition: 0, value: Buffer.alloc(200, i) });
    } finally {
      await producer.close();
    }
  }

  it('rolls smaller segments and deletes old ones once altered, without a restart', async () => {
    await produce(10);
    expect(segmentFiles()).toHaveLength(1);

    const altered = await runJosef(['topic', 'alter', 'live', '--config', 'segment.bytes=1024', ...zkFlag]);
    expect(altered).toMatchObject({ code: 0, stdout: 'Completed updating config for topic live. Configs: segment.bytes=1024\n' });
    // The broker applies it once it hears the notification; until then records go to the old segment.
    await waitFor(async () => {
      await produce(2);
      return segmentFiles().length >= 3;
    }, { timeoutMs: 30_000, message: 'the live log to roll 1 KiB segments' });

    expect((await runJosef(['topic', 'alter', 'live', '--config', 'retention.bytes=2048', ...zkFlag])).code).toBe(0);
    const conn = await cluster.connect(1);
    // retention.bytes deletes the oldest segment once the rest alone exceed it: keep writing until then.
    await waitFor(async () => {
      await produce(4);
      const response = await conn.send(ApiKey.ListOffsets, { replicaId: DEBUGGING_REPLICA_ID, topics: [{ name: 'live', partitions: [{ partition: 0, timestamp: EARLIEST_TIMESTAMP }] }] });
      return response.topics[0].partitions[0].offset > 0;
    }, { timeoutMs: 30_000, message: 'retention.bytes to delete the oldest segments' });

    const described = await runJosef(['topic', 'describe', 'live', '--bootstrap-server', cluster.cluster.bootstrapServers, ...zkFlag]);
    expect(described.stdout.split('\n')[0]).toBe('Topic: live PartitionCount: 1 ReplicationFactor: 1 Configs: retention.bytes=2048,segment.bytes=1024');

    const deleted = await runJosef(['topic', 'alter', 'live', '--delete-config', 'retention.bytes', ...zkFlag]);
    expect(deleted.stdout).toBe('Completed updating config for topic live. Configs: segment.bytes=1024\n');
  });

  it('refuses an unknown config key with the known ones named', async () => {
    const refused = await runJosef(['topic', 'alter', 'live', '--config', 'retention.msec=1', ...zkFlag]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unknown topic config retention.msec \(known: .*retention\.ms/);
  });

  it('refuses a reassignment plan naming a broker that is not alive, before anything changes in ZooKeeper', async () => {
    const dir = tmpDir('reassign-plan');
    try {
      const file = path.join(dir, 'plan.json');
      fs.writeFileSync(file, JSON.stringify({ version: 1, partitions: [{ topic: 'live', partition: 0, replicas: [1, 7] }] }));
      const configBefore = (await zk.getData(ZkPaths.topicConfig('live'))).data.toString();
      const changesBefore = await zk.getChildren(ZkPaths.configChanges);
      const refused = await runJosef(['topic', 'reassign', '--execute', file, '--throttle', '1000', ...zkFlag]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('the plan is refused, nothing was changed');
      expect(refused.stderr).toContain('live-0: broker 7 is not alive or unknown (alive: 1)');
      expect(await zk.exists(ZkPaths.reassignPartitions)).toBeNull();
      expect((await zk.getData(ZkPaths.topicConfig('live'))).data.toString()).toBe(configBefore);
      expect(await zk.getChildren(ZkPaths.configChanges)).toEqual(changesBefore);
      expect(await zk.exists(ZkPaths.brokerConfig(1))).toBeNull();
    } finally {
      rmDir(dir);
    }
  });
});
