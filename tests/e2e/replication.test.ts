/**
 * Replication between three real broker processes: followers copy the leader's log byte for byte,
 * the ISR shrinks when a follower stops (SIGSTOP) and grows when it comes back, acks=all waits
 * for the ISR and refuses with too few members, a restarted follower catches up over many
 * segments (also when the leader's retention deleted the start), and consumers never see past
 * the high watermark.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Producer } from '../../src/client/producer';
import type { Connection } from '../../src/client/connection';
import { ErrorCode } from '../../src/common/errors';
import { ZkClient } from '../../src/coordination/zk-client';
import type { PartitionStateZnode } from '../../src/coordination/znodes';
import { ApiKey } from '../../src/protocol/api-keys';
import type { FetchRequest, ProduceRequest } from '../../src/protocol/messages';
import { decodeBatches, encodeRecordBatch } from '../../src/protocol/record-batch';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { partitionState, replicaLogBytes } from '../helpers/replicas';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const lagMs = 3_000;

describe('replication across three broker processes', () => {
  let cluster: TestCluster;
  let zk: ZkClient;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-replication', {
      brokers: 3,
      overrides: {
        'replica.lag.time.max.ms': String(lagMs),
        // Followers are paused here for longer than the lag time: their sessions must outlive that, even on a loaded machine.
        'zookeeper.session.timeout.ms': '10000',
        'replica.fetch.backoff.ms': '100',
        'log.retention.check.interval.ms': '300',
        'replica.high.watermark.checkpoint.interval.ms': '500',
      },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect });
  });
  afterAll(async () => {
    for (const b of cluster?.cluster.brokers() ?? []) if (b.pid && b.running) process.kill(b.pid, 'SIGCONT');
    await zk?.close();
    await cluster?.stop();
  });

  const state = (topic: string): Promise<PartitionStateZnode> => partitionState(zk, topic);

  const createTopic = async (name: string, configs: Record<string, string> = {}, partitions = 1): Promise<PartitionStateZnode> => {
    // A broker restarted by the previous test may still be registering.
    await waitFor(async () => (await cluster.cluster.registeredIds()).length === 3, { timeoutMs: 60_000, message: 'all three brokers to be registered' });
    const conn = await cluster.connect(1);
    // CreateTopics assigns replicas over the brokers broker 1's metadata cache holds alive (as
    // Kafka's does), which hears of a re-registration only through the controller's UpdateMetadata.
    await waitFor(async () => (await conn.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false })).brokers.length === 3, {
      timeoutMs: 30_000, message: "broker 1's metadata to list all three brokers",
    });
    const response = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 3, assignments: [], configs }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(response.topics[0].errorCode).toBe(0);
    // Every broker must know the leader before clients use it.
    for (const id of [1, 2, 3]) {
      const c = await cluster.connect(id);
      await waitFor(async () => {
        const md = await c.send(ApiKey.Metadata, { topics: [name], allowAutoTopicCreation: false });
        return md.topics[0]?.partitions.length === partitions && md.topics[0].partitions.every((p) => p.leader >= 0);
      }, { timeoutMs: 20_000, message: `broker ${id} to know the leaders of ${name}` });
    }
    return state(name);
  };

  const produce = (topic: string, records: Buffer, acks: 0 | 1 | -1, timeoutMs = 10_000): ProduceRequest =>
    ({ acks, timeoutMs, topics: [{ name: topic, partitions: [{ partition: 0, records }] }] });

  const batch = (values: string[]): Buffer => encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) })));

  const fetch = (topic: string, fetchOffset: number): FetchRequest => ({
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  });

  const logBytes = (brokerId: number, topic: string): Buffer => replicaLogBytes(cluster, brokerId, topic);

  const endOffsets = async (leader: Connection, topic: string): Promise<number> => {
    const r = await leader.send(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: topic, partitions: [{ partition: 0, timestamp: -1 }] }] });
    return r.topics[0].partitions[0].offset;
  };

  const signal = (id: number, sig: NodeJS.Signals): void => {
    const pid = cluster.cluster.broker(id).pid;
    if (!pid) throw new Error(`broker ${id} has no pid`);
    process.kill(pid, sig);
  };

  const isrIs = (topic: string, expected: number[]) => async (): Promise<boolean> => {
    const s = await state(topic);
    return [...s.isr].sort().join() === [...expected].sort().join();
  };

  test('acks=all writes are on all three replicas, byte for byte, with the same offsets and epochs', async () => {
    const initial = await createTopic('copied', { 'segment.bytes': String(64 * 1024) });
    expect(initial.isr.sort()).toEqual([1, 2, 3]);
    const leader = await cluster.connect(initial.leader);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      const values = Array.from({ length: 20 }, (_, j) => `record-${i}-${j}-${'x'.repeat(80)}`);
      sent.push(...values);
      const r = await leader.send(ApiKey.Produce, produce('copied', batch(values), -1));
      expect(r.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: i * 20 });
    }
    // acks=all answered: the HW passed every batch, so every ISR member has them.
    expect(await endOffsets(leader, 'copied')).toBe(4000);
    const leaderBytes = logBytes(initial.leader, 'copied');
    for (const id of [1, 2, 3]) {
      await waitFor(() => logBytes(id, 'copied').length >= leaderBytes.length, { timeoutMs: 10_000, message: `broker ${id} to hold the whole log` });
      expect(logBytes(id, 'copied').equals(leaderBytes)).toBe(true);
    }
    // Several segments, the same batches everywhere.
    const dir = path.join(cluster.cluster.broker(initial.leader).logDir, 'copied', '0');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
    const values = decodeBatches(leaderBytes).map((r) => r.value?.toString());
    expect(values).toEqual(sent);
  });

  test('a stopped follower leaves the ISR within replica.lag.time.max.ms and returns when resumed; consumers stay below the HW', async () => {
    const initial = await createTopic('lagging');
    const leader = await cluster.connect(initial.leader);
    const follower = initial.isr.find((id) => id !== initial.leader) as number;
    expect((await leader.send(ApiKey.Produce, produce('lagging', batch(['a', 'b']), -1))).topics[0].partitions[0].errorCode).toBe(0);

    signal(follower, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      // acks=1 lands on the leader; until the ISR shrinks the HW cannot pass it, and consumers see only a, b.
      const r = await leader.send(ApiKey.Produce, produce('lagging', batch(['c']), 1));
      expect(r.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 2 });
      const early = await leader.send(ApiKey.Fetch, fetch('lagging', 0));
      const visible = decodeBatches(early.topics[0].partitions[0].records ?? Buffer.alloc(0)).map((x) => x.value?.toString());
      if (Date.now() - stoppedAt < lagMs) {
        expect(early.topics[0].partitions[0].highWatermark).toBe(2);
        expect(visible).toEqual(['a', 'b']);
        expect(await endOffsets(leader, 'lagging')).toBe(2);
      }
      await waitFor(isrIs('lagging', initial.isr.filter((id) => id !== follower)), { timeoutMs: lagMs * 1.5 + 5_000, message: `broker ${follower} to leave the ISR` });
      const shrunkAfter = Date.now() - stoppedAt;
      expect(shrunkAfter).toBeGreaterThanOrEqual(lagMs);
      // With the follower out, the HW moves to the leader's end and c becomes visible.
      await waitFor(async () => (await endOffsets(leader, 'lagging')) === 3, { timeoutMs: 5_000, message: 'HW to reach 3' });
      // The controller passes the ISR change on: Metadata shows it.
      await waitFor(async () => {
        const md = await leader.send(ApiKey.Metadata, { topics: ['lagging'], allowAutoTopicCreation: false });
        return !md.topics[0].partitions[0].isr.includes(follower);
      }, { timeoutMs: 10_000, message: 'Metadata to show the shrunk ISR' });
    } finally {
      signal(follower, 'SIGCONT');
    }
    await waitFor(isrIs('lagging', initial.isr), { timeoutMs: 20_000, message: `broker ${follower} to rejoin the ISR` });
  });

  test('min.insync.replicas=2 with both followers stopped: acks=all gets NOT_ENOUGH_REPLICAS and appends nothing; acks=1 still works', async () => {
    const initial = await createTopic('guarded', { 'min.insync.replicas': '2' });
    const leader = await cluster.connect(initial.leader);
    const followers = initial.isr.filter((id) => id !== initial.leader);
    expect((await leader.send(ApiKey.Produce, produce('guarded', batch(['safe']), -1))).topics[0].partitions[0].errorCode).toBe(0);
    for (const id of followers) signal(id, 'SIGSTOP');
    try {
      // A write acknowledged by the leader alone, while the ISR still lists the stopped followers, waits and is not acknowledged.
      const waiting = await leader.send(ApiKey.Produce, produce('guarded', batch(['pending']), -1, 1_000));
      expect(waiting.topics[0].partitions[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
      await waitFor(isrIs('guarded', [initial.leader]), { timeoutMs: lagMs * 1.5 + 5_000, message: 'the ISR to shrink to the leader' });
      const before = await leader.send(ApiKey.ListOffsets, { replicaId: 0, topics: [{ name: 'guarded', partitions: [{ partition: 0, timestamp: -1 }] }] });
      const refused = await leader.send(ApiKey.Produce, produce('guarded', batch(['refused']), -1));
      expect(refused.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS.code);
      const after = await leader.send(ApiKey.ListOffsets, { replicaId: 0, topics: [{ name: 'guarded', partitions: [{ partition: 0, timestamp: -1 }] }] });
      expect(after.topics[0].partitions[0].offset).toBe(before.topics[0].partitions[0].offset);
      const accepted = await leader.send(ApiKey.Produce, produce('guarded', batch(['acks-1']), 1));
      expect(accepted.topics[0].partitions[0].errorCode).toBe(0);
    } finally {
      for (const id of followers) signal(id, 'SIGCONT');
    }
    await waitFor(isrIs('guarded', initial.isr), { timeoutMs: 20_000, message: 'both followers to rejoin the ISR' });
    expect((await leader.send(ApiKey.Produce, produce('guarded', batch(['again']), -1))).topics[0].partitions[0].errorCode).toBe(0);
  });

  test('a follower restarted after missing 100 MB catches up over many segments and rejoins the ISR', async () => {
    const initial = await createTopic('catch-up', { 'segment.bytes': String(8 * 1024 * 1024) });
    const follower = initial.isr.find((id) => id !== initial.leader) as number;
    await cluster.cluster.stopBroker(follower, 'SIGKILL');
    await waitFor(isrIs('catch-up', initial.isr.filter((id) => id !== follower)), { timeoutMs: 30_000, message: `broker ${follower} to leave the ISR` });
    const producer = new Producer({ bootstrapServers: cluster.cluster.bootstrapServers, acks: 1, lingerMs: 5, batchSize: 256 * 1024 });
    const value = Buffer.alloc(1000, 7);
    const total = 100 * 1024;
    try {
      for (let i = 0; i < total; i++) {
        void producer.send({ topic: 'catch-up', partition: 0, value });
        if (i % 1000 === 999) await producer.waitForRoom();
      }
      await producer.flush();
    } finally {
      await producer.close();
    }
    await cluster.cluster.startBroker(follower);
    await waitFor(isrIs('catch-up', initial.isr), { timeoutMs: 120_000, message: `broker ${follower} to catch up and rejoin the ISR` });
    expect(logBytes(follower, 'catch-up').equals(logBytes(initial.leader, 'catch-up'))).toBe(true);
  });

  test('a follower behind the leader\'s log start (retention deleted it) starts over at the leader\'s log start', async () => {
    const initial = await createTopic('retained', { 'segment.bytes': String(64 * 1024), 'retention.bytes': String(256 * 1024) });
    const leader = await cluster.connect(initial.leader);
    const follower = initial.isr.find((id) => id !== initial.leader) as number;
    await cluster.cluster.stopBroker(follower, 'SIGKILL');
    await waitFor(isrIs('retained', initial.isr.filter((id) => id !== follower)), { timeoutMs: 30_000, message: `broker ${follower} to leave the ISR` });
    for (let i = 0; i < 100; i++) {
      const values = Array.from({ length: 40 }, (_, j) => `r-${i}-${j}-${'y'.repeat(90)}`);
      expect((await leader.send(ApiKey.Produce, produce('retained', batch(values), 1))).topics[0].partitions[0].errorCode).toBe(0);
    }
    const earliest = async (): Promise<number> => {
      const r = await leader.send(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: 'retained', partitions: [{ partition: 0, timestamp: -2 }] }] });
      return r.topics[0].partitions[0].offset;
    };
    const logStart = await waitFor(async () => { const o = await earliest(); return o > 0 ? o : undefined; }, { timeoutMs: 10_000, message: 'retention to delete the oldest segments' });
    await cluster.cluster.startBroker(follower);
    await waitFor(isrIs('retained', initial.isr), { timeoutMs: 30_000, message: `broker ${follower} to rejoin the ISR` });
    const dir = path.join(cluster.cluster.broker(follower).logDir, 'retained', '0');
    const firstSegment = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort()[0];
    expect(Number(firstSegment.replace('.log', ''))).toBeGreaterThanOrEqual(logStart);
  });
});
