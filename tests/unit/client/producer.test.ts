import { partitionForKey } from '../../../src/client/partitioner';
import { Producer, type ProducerOptions } from '../../../src/client/producer';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { ProduceRequest } from '../../../src/protocol/messages';
import { FakeCluster } from './fake-cluster';

const quiet = createLogger('test', () => undefined);

function producerFor(cluster: FakeCluster, options: Partial<ProducerOptions> = {}): Producer {
  return new Producer({ bootstrapServers: '127.0.0.1:9092', connect: cluster.connect, logger: quiet, retryBackoffMs: 10, ...options });
}

describe('Producer (against a fake cluster)', () => {
  let producer: Producer | undefined;
  afterEach(async () => {
    await producer?.close({ timeoutMs: 1000 });
    producer = undefined;
  });

  it('sends keys, values, headers and timestamps and resolves each record with its offset', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster);
    const results = await Promise.all([
      producer.send({ topic: 't', key: 'k1', value: 'v1', headers: [{ key: 'h', value: 'x' }], timestamp: 1000 }),
      producer.send({ topic: 't', key: Buffer.from('k2'), value: null, timestamp: 2000 }),
      producer.send({ topic: 't', value: Buffer.from('v3'), timestamp: 3000 }),
    ]);
    expect(results).toEqual([
      { topic: 't', partition: 0, offset: 0, timestamp: 1000 },
      { topic: 't', partition: 0, offset: 1, timestamp: 2000 },
      { topic: 't', partition: 0, offset: 2, timestamp: 3000 },
    ]);
    const stored = cluster.records('t', 0);
    expect(stored.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      [0, 1000, 'k1', 'v1'],
      [1, 2000, 'k2', null],
      [2, 3000, null, 'v3'],
    ]);
    expect(stored[0].headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
  });

  it('puts a keyed record where Kafka would (murmur2) and keeps a key on one partition', async () => {
    const cluster = new FakeCluster(2);
    cluster.addTopic('t', [1, 2, 1, 2, 1]);
    producer = producerFor(cluster);
    for (const key of ['alpha', 'beta', 'gamma', 'delta', 'alpha', 'beta']) {
      const { partition } = await producer.send({ topic: 't', key, value: 'x' });
      expect(partition).toBe(partitionForKey(Buffer.from(key), 5));
    }
  });

  it('keeps unkeyed records on one partition per batch (sticky) and spreads batches', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1, 1, 1, 1]);
    producer = producerFor(cluster, { batchSize: 1000, lingerMs: 60_000 });
    const sends = Array.from({ length: 200 }, () => producer!.send({ topic: 't', value: Buffer.alloc(90) }));
    await producer.flush();
    const partitions = (await Promise.all(sends)).map((m) => m.partition);
    // 9 records of 100 bytes fill a 1000-byte batch; each run of a partition is a whole batch.
    const runs: number[] = [];
    for (let i = 0; i < partitions.length; i++) if (i === 0 || partitions[i] !== partitions[i - 1]) runs.push(1); else runs[runs.length - 1]++;
    expect(runs.slice(0, -1).every((n) => n % 9 === 0)).toBe(true);
    expect(new Set(partitions).size).toBeGreaterThan(1);
  });

  it('keeps the order of a partition and puts many partitions in one request per broker', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1, 1, 1]);
    producer = producerFor(cluster, { lingerMs: 60_000 });
    const sends = Array.from({ length: 300 }, (_, i) => producer!.send({ topic: 't', partition: i % 3, value: String(i) }));
    await producer.flush();
    for (let p = 0; p < 3; p++) {
      expect(cluster.records('t', p).map((r) => Number(r.value!.toString()))).toEqual(Array.from({ length: 100 }, (_, i) => i * 3 + p));
    }
    const offsets = await Promise.all(sends);
    expect(offsets[297]).toMatchObject({ partition: 0, offset: 99 });
    const produceRequests = cluster.requestsTo(ApiKey.Produce);
    expect(produceRequests).toHaveLength(1);
    expect((produceRequests[0].body as ProduceRequest).topics[0].partitions).toHaveLength(3);
  });

  it('retries after NOT_LEADER_OR_FOLLOWER, refreshing metadata to find the new leader', async () => {
    const cluster = new FakeCluster(2);
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster);
    await producer.send({ topic: 't', value: 'before' });
    cluster.addTopic('t', [2]); // leadership moved; broker 1 now answers NOT_LEADER_OR_FOLLOWER
    const metadataBefore = cluster.requestsTo(ApiKey.Metadata).length;
    const moved = await producer.send({ topic: 't', value: 'after' });
    expect(moved).toMatchObject({ partition: 0, offset: 1 });
    expect(cluster.requestsTo(ApiKey.Metadata).length).toBeGreaterThan(metadataBefore);
    // A retry may still go to broker 1 if its backoff ends before the refresh lands, as in Kafka.
    const brokers = cluster.requestsTo(ApiKey.Produce).map((r) => r.brokerId);
    expect(brokers.slice(0, 2)).toEqual([1, 1]);
    expect(brokers[brokers.length - 1]).toBe(2);
  });

  it('retries a retriable error and fails at once on one that is not', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster);
    cluster.produceErrors.set('t/0', [ErrorCode.NOT_ENOUGH_REPLICAS.code, ErrorCode.NOT_ENOUGH_REPLICAS.code]);
    await expect(producer.send({ topic: 't', value: 'a' })).resolves.toMatchObject({ offset: 0 });
    cluster.produceErrors.set('t/0', [ErrorCode.INVALID_TIMESTAMP.code]);
    const failure = producer.send({ topic: 't', value: 'b' });
    await expect(failure).rejects.toThrow(JosefError);
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.INVALID_TIMESTAMP.code });
  });

  it('gives up with retries exhausted or after delivery.timeout.ms', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster, { retries: 1 });
    cluster.produceErrors.set('t/0', [ErrorCode.NOT_ENOUGH_REPLICAS.code, ErrorCode.NOT_ENOUGH_REPLICAS.code]);
    await expect(producer.send({ topic: 't', value: 'a' })).rejects.toMatchObject({ code: ErrorCode.NOT_ENOUGH_REPLICAS.code });

    const leaderless = new FakeCluster();
    leaderless.addTopic('u', [-1]);
    const timed = producerFor(leaderless, { deliveryTimeoutMs: 200 });
    const started = Date.now();
    await expect(timed.send({ topic: 'u', value: 'a' })).rejects.toThrow(/Expiring 1 record\(s\) for u-0/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await timed.close({ timeoutMs: 100 });
  });

  it('waits for a topic to appear in metadata, for at most max.block.ms', async () => {
    const cluster = new FakeCluster();
    producer = producerFor(cluster, { maxBlockMs: 300 });
    const late = producer.send({ topic: 'late', value: 'x' });
    const never = producer.send({ topic: 'never', value: 'y' });
    setTimeout(() => cluster.addTopic('late', [1]), 50);
    await expect(late).resolves.toMatchObject({ topic: 'late', offset: 0 });
    await expect(never).rejects.toThrow('Topic never not present in metadata after 300 ms.');
  });

  it('applies backpressure: sends wait for buffer room, waitForRoom tells a loop when to go on', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster, { bufferMemory: 4096, batchSize: 1024 });
    await producer.send({ topic: 't', value: 'metadata is known now' });
    cluster.holdProduce = true;
    const sends = Array.from({ length: 50 }, (_, i) => producer!.send({ topic: 't', value: Buffer.alloc(100, i) }));
    let roomy = false;
    const room = producer.waitForRoom().then(() => (roomy = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(roomy).toBe(false);
    // About 4096 bytes are buffered and as many wait; beyond that sends fail fast.
    const overflow = Array.from({ length: 50 }, () => producer!.send({ topic: 't', value: Buffer.alloc(100) }));
    const settled = await Promise.allSettled(overflow.slice(-10));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect((settled[0] as PromiseRejectedResult).reason.message).toMatch(/buffer exhausted/);
    cluster.holdProduce = false;
    cluster.releaseProduce();
    const results = await Promise.all(sends);
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await room;
    expect(cluster.records('t', 0).map((r) => r.value![0]).slice(1, 51)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await Promise.allSettled(overflow);
  });

  it('fails a record larger than max.request.size without sending it', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster, { maxRequestSize: 1000 });
    await expect(producer.send({ topic: 't', value: Buffer.alloc(2000) })).rejects.toMatchObject({ code: ErrorCode.MESSAGE_TOO_LARGE.code });
    await expect(producer.send({ topic: 't', partition: 3, value: 'x' })).rejects.toThrow(/invalid partition 3 for t/);
  });

  it('resolves acks=0 sends with offset -1', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster, { acks: 0 });
    await expect(producer.send({ topic: 't', value: 'x' })).resolves.toMatchObject({ partition: 0, offset: -1 });
    expect((cluster.requestsTo(ApiKey.Produce)[0].body as ProduceRequest).acks).toBe(0);
  });

  it('flush sends lingering batches now; close sends what is left and refuses new sends', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    producer = producerFor(cluster, { lingerMs: 60_000 });
    const first = producer.send({ topic: 't', value: 'a' });
    await producer.flush();
    await expect(first).resolves.toMatchObject({ offset: 0 });
    const second = producer.send({ topic: 't', value: 'b' });
    await producer.close();
    await expect(second).resolves.toMatchObject({ offset: 1 });
    expect(() => producer!.send({ topic: 't', value: 'c' })).toThrow(/closed/);
  });

  it('close with a timeout fails what could not be sent', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [-1]);
    producer = producerFor(cluster);
    const stuck = producer.send({ topic: 't', value: 'a' });
    await producer.close({ timeoutMs: 100 });
    await expect(stuck).rejects.toThrow(/closed before the record was sent/);
  });

  it('does not turn the failure of an unobserved send into an unhandled rejection', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    cluster.produceErrors.set('t/0', [ErrorCode.INVALID_TIMESTAMP.code]);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      producer = producerFor(cluster);
      producer.send({ topic: 't', value: 'a' });
      await producer.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
