/**
 * The client library and the client commands against a real broker process (in a private
 * ZooKeeper chroot): admin calls, a produce/consume round trip with keys, headers and
 * timestamps, per-key partitions as Kafka computes them, order within a partition, long-poll
 * wake-up, and `josef produce` | `josef consume` as real processes.
 */
import { Admin } from '../../../src/client/admin';
import { Consumer } from '../../../src/client/consumer';
import { partitionForKey } from '../../../src/client/partitioner';
import { Producer } from '../../../src/client/producer';
import type { ConsumerRecord } from '../../../src/client/records';
import { ErrorCode } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { runJosef, startTestCluster, type TestCluster } from '../../helpers/cluster';

const quiet = createLogger('test', () => undefined);

async function pollUntil(consumer: Consumer, count: number, timeoutMs = 20_000): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll(500)));
  return records;
}


describe('clients against a real broker', () => {
  let test: TestCluster;
  let bootstrapServers: string;
  let admin: Admin;

  beforeAll(async () => {
    test = await startTestCluster('client', { brokers: 1 });
    bootstrapServers = test.cluster.bootstrapServers;
    admin = new Admin({ bootstrapServers, logger: quiet });
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await test?.stop();
  }, 120_000);

  it('creates, lists, describes and deletes topics, and describes the cluster', async () => {
    await admin.createTopics([{ name: 'admin-t', numPartitions: 3, replicationFactor: 1 }]);
    expect(await admin.listTopics()).toContain('admin-t');
    const [described] = await admin.describeTopics(['admin-t']);
    expect(described.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual([
      [0, 1, [1], [1]],
      [1, 1, [1], [1]],
      [2, 1, [1], [1]],
    ]);
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.nodeId)).toEqual([1]);
    expect(cluster.controllerId).toBe(1);
    expect(cluster.clusterId).toEqual(expect.any(String));
    await expect(admin.createTopics([{ name: 'admin-t', numPartitions: 1 }])).rejects.toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS.code });
    await admin.deleteTopics(['admin-t']);
    expect(await admin.listTopics()).not.toContain('admin-t');
    await expect(admin.describeTopics(['admin-t'])).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
  });

  it('round-trips keys, values, headers and timestamps; keys keep their Kafka partition; order holds per partition', async () => {
    await admin.createTopics([{ name: 'rt', numPartitions: 4, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers, logger: quiet, acks: 'all', lingerMs: 5 });
    const consumer = new Consumer({ bootstrapServers, logger: quiet, autoOffsetReset: 'earliest' });
    try {
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
      const sent = Array.from({ length: 200 }, (_, i) => ({
        topic: 'rt',
        key: keys[i % keys.length],
        value: `value-${i}`,
        timestamp: 1_600_000_000_000 + i,
        headers: [{ key: 'index', value: String(i) }, { key: 'empty', value: null }],
      }));
      const metadata = await Promise.all(sent.map((r) => producer.send(r)));
      for (let i = 0; i < sent.length; i++) expect(metadata[i].partition).toBe(partitionForKey(Buffer.from(sent[i].key), 4));

      consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: 'rt', partition })));
      const records = await pollUntil(consumer, 200);
      expect(records).toHaveLength(200);
      for (const record of records) {
        const i = Number(record.headers[0].value!.toString());
        expect(record.key!.toString()).toBe(sent[i].key);
        expect(record.value!.toString()).toBe(sent[i].value);
        expect(record.timestamp).toBe(sent[i].timestamp);
        expect(record.headers[1]).toEqual({ key: 'empty', value: null });
        expect({ partition: record.partition, offset: record.offset }).toEqual({ partition: metadata[i].partition, offset: metadata[i].offset });
      }
      for (let p = 0; p < 4; p++) {
        const indexes = records.filter((r) => r.partition === p).map((r) => Number(r.headers[0].value!.toString()));
        expect(indexes).toEqual([...indexes].sort((a, b) => a - b)); // send order within the partition
      }
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('a waiting long-poll fetch returns as soon as a record arrives, and unkeyed sends to a new topic auto-create it', async () => {
    const producer = new Producer({ bootstrapServers, logger: quiet });
    const consumer = new Consumer({ bootstrapServers, logger: quiet, fetchMaxWaitMs: 5000 });
    try {
      await producer.send({ topic: 'auto-created', value: 'first' });
      const [topic] = await admin.describeTopics(['auto-created']);
      consumer.assign(topic.partitions.map((p) => ({ topic: 'auto-created', partition: p.partition })));
      for (const p of topic.partitions) await consumer.position({ topic: 'auto-created', partition: p.partition });
      const polled = consumer.poll(10_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the fetch reach the broker's purgatory
      const sentAt = Date.now();
      await producer.send({ topic: 'auto-created', value: 'second' });
      const records = await polled;
      expect(records.map((r) => r.value!.toString())).toEqual(['second']);
      expect(Date.now() - sentAt).toBeLessThan(2000); // far less than fetchMaxWaitMs
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('josef topic, produce and consume work as real processes', async () => {
    const bs = ['--bootstrap-server', bootstrapServers];
    expect(await runJosef(['topic', 'create', 'cli-t', '--partitions', '2', '--replication-factor', '1', ...bs])).toMatchObject({ code: 0, stdout: 'Created topic cli-t.\n' });
    const described = await runJosef(['topic', 'describe', 'cli-t', ...bs]);
    expect(described.stdout).toBe(
      'Topic: cli-t PartitionCount: 2 ReplicationFactor: 1 Configs:\n' +
        '\tTopic: cli-t Partition: 0 Leader: 1 Replicas: 1 Isr: 1\n' +
        '\tTopic: cli-t Partition: 1 Leader: 1 Replicas: 1 Isr: 1\n',
    );
    const lines = Array.from({ length: 20 }, (_, i) => `key${i % 3}:line ${i}`);
    const produced = await runJosef(['produce', 'cli-t', '--key-separator', ':', '--acks', 'all', ...bs], undefined, undefined, `${lines.join('\n')}\n`);
    expect(produced).toMatchObject({ code: 0, stderr: '' });
    const consumed = await runJosef(['consume', 'cli-t', '--from-beginning', '--print-key', '--max-messages', '20', ...bs]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trimEnd().split('\n').sort()).toEqual(lines.map((l) => l.replace(':', '\t')).sort());
    expect(consumed.stderr).toContain('Processed a total of 20 messages');
    const onePartition = await runJosef(['consume', 'cli-t', '--partition', '0', '--offset', '1', '--timeout-ms', '1500', '--print-key', ...bs]);
    const partition0 = consumed.stdout.trimEnd().split('\n').filter((l) => partitionForKey(Buffer.from(l.split('\t')[0]), 2) === 0);
    expect(onePartition.stdout.trimEnd().split('\n')).toEqual(partition0.slice(1));
    const missing = await runJosef(['produce', 'cli-t', '--key-separator', ':', ...bs], undefined, undefined, 'no separator here\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no key separator ":" on line 1');
    expect(await runJosef(['topic', 'delete', 'cli-t', ...bs])).toMatchObject({ code: 0 });
    expect((await runJosef(['topic', 'list', ...bs])).stdout.split('\n')).not.toContain('cli-t');
  }, 180_000); // eight CLI processes, each compiling the sources with ts-node on a loaded 2-core machine
});
