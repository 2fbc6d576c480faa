/**
 * One real broker process stopped and started again: SIGTERM is a clean exit 0 that leaves the
 * clean-shutdown marker and checkpoints; a restart serves every record and offset it had; and its
 * data refuses to be served by a broker pointed at another ZooKeeper cluster.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiKey } from '../../src/protocol/api-keys';
import type { FetchRequest } from '../../src/protocol/messages';
import { decodeBatches, encodeRecordBatch } from '../../src/protocol/record-batch';
import { CLEAN_SHUTDOWN_MARKER, REPLICATION_CHECKPOINT } from '../../src/storage/log-manager';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

jest.setTimeout(180_000);

describe('a broker restarted', () => {
  let test: TestCluster;
  beforeAll(async () => {
    test = await startTestCluster('e2e-restart', { brokers: 1 });
  });
  afterAll(async () => {
    await test?.stop();
  });

  const fetchAll = async (partition: number): Promise<string[]> => {
    const conn = await test.connect(1);
    const values: string[] = [];
    let offset = 0;
    for (;;) {
      const request: FetchRequest = {
        replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
        topics: [{ name: 'durable', partitions: [{ partition, fetchOffset: offset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      };
      const records = (await conn.send(ApiKey.Fetch, request)).topics[0].partitions[0].records;
      if (!records) return values;
      const decoded = decodeBatches(records);
      values.push(...decoded.map((r) => r.value?.toString() ?? ''));
      offset = decoded[decoded.length - 1].offset + 1;
    }
  };

  const latestOffsets = async (): Promise<number[]> => {
    const conn = await test.connect(1);
    const response = await conn.send(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: 'durable', partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: -1 }] }] });
    return response.topics[0].partitions.map((p) => (p.errorCode === 0 ? p.offset : -p.errorCode));
  };

  it('keeps every record and offset across a clean restart, and refuses data of another cluster', async () => {
    const conn = await test.connect(1);
    const created = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name: 'durable', numPartitions: 2, replicationFactor: 1, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(0);
    for (let i = 0; i < 30; i++) {
      const records = encodeRecordBatch([{ value: Buffer.from(`a${i}`) }, { value: Buffer.from(`b${i}`) }]);
      const response = await conn.send(ApiKey.Produce, { acks: 1, timeoutMs: 10_000, topics: [{ name: 'durable', partitions: [{ partition: i % 2, records }] }] });
      expect(response.topics[0].partitions[0].errorCode).toBe(0);
    }
    const before = [await fetchAll(0), await fetchAll(1)];
    expect(before.map((v) => v.length)).toEqual([30, 30]);
    expect(await latestOffsets()).toEqual([30, 30]);

    const broker = test.cluster.broker(1);
    expect(await test.cluster.stopBroker(1, 'SIGTERM')).toBe(0);
    expect(fs.existsSync(path.join(broker.logDir, CLEAN_SHUTDOWN_MARKER))).toBe(true);
    expect(fs.readFileSync(path.join(broker.logDir, REPLICATION_CHECKPOINT), 'utf8')).toMatch(/durable 0 30/);
    expect(fs.readFileSync(broker.logFile, 'utf8')).toMatch(/shut down cleanly/);

    await test.cluster.startBroker(1);
    await test.cluster.awaitReady();
    await waitFor(async () => (await latestOffsets()).every((o) => o === 30), { timeoutMs: 30_000, message: 'the restarted broker to lead its partitions again' });
    expect([await fetchAll(0), await fetchAll(1)]).toEqual(before);
    const again = await test.connect(1);
    const next = await again.send(ApiKey.Produce, { acks: 1, timeoutMs: 10_000, topics: [{ name: 'durable', partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from('after') }]) }] }] });
    expect(next.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 30 });

    expect(await test.cluster.stopBroker(1)).toBe(0);
    const elsewhere = testChroot('e2e-other-cluster');
    const run = await runJosef(['broker', 'start', '--id', '1', '--port', '0', '--log-dirs', broker.logDir, '--zookeeper', elsewhere]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cluster id mismatch: log dir .* holds data of cluster \S+ .*ZooKeeper was wiped or zookeeper\.connect points at another ensemble.*remove/);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('josef:'))).toHaveLength(1);
  });
});
