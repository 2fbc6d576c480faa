/**
 * Two real broker processes on a real ZooKeeper, driven with raw requests over Connection:
 * registration and the controller, topic lifecycle with its files, produce/consume, long-poll,
 * and every error a client can provoke, while the brokers keep serving.
 */
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import type { Connection } from '../../src/client/connection';
import { ErrorCode } from '../../src/common/errors';
import { ZkClient } from '../../src/coordination/zk-client';
import { ApiKey } from '../../src/protocol/api-keys';
import type { FetchRequest, MetadataResponse, ProduceRequest } from '../../src/protocol/messages';
import { decodeBatches, encodeRecordBatch } from '../../src/protocol/record-batch';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

describe('a two-broker cluster of real processes', () => {
  let test: TestCluster;
  let zk: ZkClient;

  beforeAll(async () => {
    test = await startTestCluster('e2e-cluster', { brokers: 2 });
    zk = await ZkClient.connect({ connectString: test.zookeeperConnect });
  });
  afterAll(async () => {
    await zk?.close();
    await test?.stop();
  });

  const metadata = async (conn: Connection, topics: string[] | null): Promise<MetadataResponse> =>
    conn.send(ApiKey.Metadata, { topics, allowAutoTopicCreation: false });

  const leaderOf = async (topic: string, partition: number): Promise<number> => {
    const conn = await test.connect(1);
    const md = await metadata(conn, [topic]);
    return md.topics[0].partitions.find((p) => p.partition === partition)?.leader ?? -1;
  };

  const produce = (topic: string, partition: number, records: Buffer, acks: 0 | 1 | -1 = 1): ProduceRequest =>
    ({ acks, timeoutMs: 10_000, topics: [{ name: topic, partitions: [{ partition, records }] }] });

  const fetchRequest = (topic: string, partition: number, fetchOffset: number, maxWaitMs = 0): FetchRequest => ({
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  });

  const createTopic = async (name: string, numPartitions: number): Promise<void> => {
    const conn = await test.connect(1);
    const response = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(response.topics).toEqual([{ name, errorCode: 0, errorMessage: null }]);
    // Metadata reaches each broker on its own (eventually consistent, as in Kafka): wait until every
    // broker has it. The controller sends LeaderAndIsr before UpdateMetadata on one ordered queue
    // per broker, so a leader that shows the topic also leads it.
    for (const id of [1, 2]) {
      const other = await test.connect(id);
      await waitFor(async () => {
        const partitions = (await metadata(other, [name])).topics[0]?.partitions ?? [];
        return partitions.length === numPartitions && partitions.every((p) => p.leader >= 0);
      }, { timeoutMs: 20_000, message: `broker ${id} to know topic ${name}'s leaders` });
    }
  };

  it('registers both brokers and elects one controller, raising /controller_epoch', async () => {
    expect((await zk.getChildren('/brokers/ids')).sort()).toEqual(['1', '2']);
    const registration = (await zk.getJson<{ host: string; port: number; endpoints: string[] }>('/brokers/ids/1')).value;
    expect(registration).toMatchObject({ host: '127.0.0.1', port: test.cluster.broker(1).port, endpoints: [`PLAINTEXT://127.0.0.1:${test.cluster.broker(1).port}`] });
    const controller = (await zk.getJson<{ brokerid: number }>('/controller')).value.brokerid;
    expect([1, 2]).toContain(controller);
    expect(Number((await zk.getData('/controller_epoch')).data.toString())).toBeGreaterThanOrEqual(1);
    const md = await metadata(await test.connect(2), []);
    expect(md.controllerId).toBe(controller);
    expect(md.brokers.map((b) => [b.nodeId, b.port])).toEqual([[1, test.cluster.broker(1).port], [2, test.cluster.broker(2).port]]);
    expect(md.clusterId).toBe((await zk.getJson<{ id: string }>('/cluster/id')).value.id);
  });

  it('refuses a second broker with a taken id: exit code 1 and a clear message', async () => {
    const dir = tmpDir('duplicate-id');
    try {
      const run = await runJosef(['broker', 'start', '--id', '1', '--port', '0', '--log-dirs', dir, '--zookeeper', test.zookeeperConnect]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/broker 1 failed to start: .*\b1\b.*(taken|registered|in use)/i);
      expect(run.stdout).toBe('');
    } finally {
      rmDir(dir);
    }
  });

  it('refuses to start on a port in use: exit code 1 and a clear message', async () => {
    const dir = tmpDir('port-in-use');
    try {
      const run = await runJosef(['broker', 'start', '--id', '3', '--port', String(test.cluster.broker(1).port), '--log-dirs', dir, '--zookeeper', test.zookeeperConnect]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`broker 3 failed to start: port ${test.cluster.broker(1).port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      rmDir(dir);
    }
  });

  it('creates a topic with partitions spread over the brokers and files on the leaders disks, then deletes it', async () => {
    await createTopic('lifecycle', 4);
    const md = await metadata(await test.connect(2), ['lifecycle']);
    const partitions = md.topics[0].partitions;
    expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(new Set(partitions.map((p) => p.leader))).toEqual(new Set([1, 2]));
    for (const p of partitions) expect(p).toMatchObject({ errorCode: 0, replicas: [p.leader], isr: [p.leader] });
    // A new log's files come at its first append, or from the leader's background creation a moment after.
    const segmentOf = (p: { leader: number; partition: number }): string => path.join(test.cluster.broker(p.leader).logDir, 'lifecycle', String(p.partition), '00000000000000000000.log');
    await waitFor(() => partitions.every((p) => fs.existsSync(segmentOf(p))), { timeoutMs: 20_000, message: 'each leader to make its partition\'s files' });
    expect((await zk.getJson<{ partitions: Record<string, number[]> }>('/brokers/topics/lifecycle')).value.partitions['0']).toEqual(partitions[0].replicas);

    const conn = await test.connect(1);
    const deleted = await conn.send(ApiKey.DeleteTopics, { topicNames: ['lifecycle'], timeoutMs: 20_000 });
    expect(deleted.responses).toEqual([{ name: 'lifecycle', errorCode: 0, errorMessage: null }]);
    await waitFor(() => [1, 2].every((id) => !fs.existsSync(path.join(test.cluster.broker(id).logDir, 'lifecycle'))), { timeoutMs: 20_000, message: 'the topic folders to be deleted' });
    expect((await metadata(conn, ['lifecycle'])).topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    // As in Kafka, the controller removes the znodes once every replica confirmed its StopReplica.
    await waitFor(async () => (await zk.exists('/brokers/topics/lifecycle')) === null, { timeoutMs: 20_000, message: 'the topic znodes to be deleted' });
  });

  it('auto-creates a topic on a Metadata request that allows it, answering once its leaders exist', async () => {
    const conn = await test.connect(2);
    const md = await conn.send(ApiKey.Metadata, { topics: ['auto-made'], allowAutoTopicCreation: true });
    expect(md.topics[0]).toMatchObject({ errorCode: 0, name: 'auto-made' });
    expect(md.topics[0].partitions).toHaveLength(1);
    expect([1, 2]).toContain(md.topics[0].partitions[0].leader);
    const leader = await test.connect(md.topics[0].partitions[0].leader);
    // The leader may hear its LeaderAndIsr a moment after another broker's metadata names it: until
    // then it answers that it does not host the partition (UNKNOWN_TOPIC_OR_PARTITION) or does not
    // lead it (NOT_LEADER_OR_FOLLOWER), both retriable, as in Kafka.
    const notYet = [ErrorCode.NOT_LEADER_OR_FOLLOWER.code, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code];
    const produced = await waitFor(async () => {
      const response = await leader.send(ApiKey.Produce, produce('auto-made', 0, encodeRecordBatch([{ value: Buffer.from('first') }])));
      const result = response.topics[0].partitions[0];
      return notYet.includes(result.errorCode) ? undefined : result;
    }, { timeoutMs: 10_000, message: 'the leader to accept the first record' });
    expect(produced).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('round-trips records with keys, headers and timestamps in order, through the leader', async () => {
    await createTopic('roundtrip', 1);
    const conn = await test.connect(await leaderOf('roundtrip', 0));
    const sent = Array.from({ length: 50 }, (_, b) => Array.from({ length: 3 }, (_, i) => ({
      key: i === 2 ? null : Buffer.from(`k${b}-${i}`), value: Buffer.from(`v${b}-${i}`), timestamp: 1_700_000_000_000 + b * 3 + i,
      headers: [{ key: 'batch', value: Buffer.from(String(b)) }],
    })));
    for (const [b, records] of sent.entries()) {
      const response = await conn.send(ApiKey.Produce, produce('roundtrip', 0, encodeRecordBatch(records)));
      expect(response.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: b * 3 });
    }
    const received = [];
    let offset = 0;
    while (offset < 150) {
      const response = await conn.send(ApiKey.Fetch, fetchRequest('roundtrip', 0, offset));
      const records = decodeBatches(response.topics[0].partitions[0].records as Buffer);
      received.push(...records);
      offset = records[records.length - 1].offset + 1;
    }
    expect(received.map((r) => r.offset)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(received.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers }))).toEqual(sent.flat().map((r) => ({ ...r })));
    const listed = await conn.send(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: 'roundtrip', partitions: [{ partition: 0, timestamp: -1 }, { partition: 0, timestamp: 1_700_000_000_100 }] }] });
    expect(listed.topics[0].partitions.map((p) => p.offset)).toEqual([150, 100]);
  });

  it('a long-polling fetch returns as soon as data arrives', async () => {
    await createTopic('longpoll', 1);
    const leader = await leaderOf('longpoll', 0);
    const consumer = await test.connect(leader);
    const producer = await test.connect(leader);
    const started = Date.now();
    const polling = consumer.send(ApiKey.Fetch, fetchRequest('longpoll', 0, 0, 30_000), { timeoutMs: 60_000 });
    await producer.send(ApiKey.Produce, produce('longpoll', 0, encodeRecordBatch([{ value: Buffer.from('now') }])));
    const response = await polling;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(decodeBatches(response.topics[0].partitions[0].records as Buffer).map((r) => r.value?.toString())).toEqual(['now']);
  });

  it('answers errors per partition and drops only a connection that sends an oversized frame', async () => {
    await createTopic('errors', 1);
    const leader = await leaderOf('errors', 0);
    const other = await test.connect(leader === 1 ? 2 : 1);
    const conn = await test.connect(leader);
    const good = encodeRecordBatch([{ value: Buffer.from('ok') }]);
    expect((await other.send(ApiKey.Produce, produce('errors', 0, good))).topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
    expect((await conn.send(ApiKey.Produce, produce('no-such-topic', 0, good))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    expect((await conn.send(ApiKey.Fetch, fetchRequest('errors', 7, 0))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    const corrupt = Buffer.from(encodeRecordBatch([{ value: Buffer.from('flipped') }]));
    corrupt[corrupt.length - 2] ^= 0x40;
    expect((await conn.send(ApiKey.Produce, produce('errors', 0, corrupt))).topics[0].partitions[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE.code);

    const port = test.cluster.broker(leader).port;
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(200 * 1024 * 1024);
    socket.write(header);
    await closed;
    const after = await conn.send(ApiKey.Produce, produce('errors', 0, good));
    expect(after.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });
});
