import { Consumer, type ConsumerOptions } from '../../../src/client/consumer';
import { Producer } from '../../../src/client/producer';
import type { ConsumerRecord } from '../../../src/client/records';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import { FakeCluster } from './fake-cluster';

const quiet = createLogger('test', () => undefined);

async function produce(cluster: FakeCluster, records: Array<{ topic: string; partition?: number; key?: string; value: string; timestamp?: number; headers?: { key: string; value: string }[] }>): Promise<void> {
  const producer = new Producer({ connect: cluster.connect, logger: quiet, lingerMs: 1000 });
  const sends = records.map((r) => producer.send(r));
  await producer.flush();
  await Promise.all(sends);
  await producer.close();
}

/** Polls until `count` records came back or `timeoutMs` passed. */
async function pollFor(consumer: Consumer, count: number, timeoutMs = 5000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(100)));
  return out;
}

describe('Consumer (against a fake cluster)', () => {
  let consumer: Consumer | undefined;
  const consumerFor = (cluster: FakeCluster, options: Partial<ConsumerOptions> = {}): Consumer =>
    (consumer = new Consumer({ connect: cluster.connect, logger: quiet, fetchMaxWaitMs: 50, retryBackoffMs: 10, ...options }));
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
  });

  it('reads records back with keys, values, headers and timestamps from the beginning', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1, 1]);
    await produce(cluster, [
      { topic: 't', partition: 0, key: 'k0', value: 'v0', timestamp: 1000, headers: [{ key: 'h', value: 'x' }] },
      { topic: 't', partition: 1, value: 'v1', timestamp: 2000 },
      { topic: 't', partition: 0, key: 'k2', value: 'v2', timestamp: 3000 },
    ]);
    const c = consumerFor(cluster, { autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    const records = await pollFor(c, 3);
    const shown = records.map((r) => [r.partition, r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()]);
    expect(shown.filter((r) => r[0] === 0)).toEqual([[0, 0, 1000, 'k0', 'v0'], [0, 1, 3000, 'k2', 'v2']]);
    expect(shown.filter((r) => r[0] === 1)).toEqual([[1, 0, 2000, null, 'v1']]);
    expect(records.find((r) => r.offset === 0 && r.partition === 0)!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    expect(await c.position({ topic: 't', partition: 0 })).toBe(2);
  });

  it('starts inside a batch at the seeked offset, skipping the records before it', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    await produce(cluster, Array.from({ length: 10 }, (_, i) => ({ topic: 't', value: String(i) })));
    expect(cluster.logs.get('t/0')).toHaveLength(1); // one batch of 10
    const c = consumerFor(cluster);
    c.assign([{ topic: 't', partition: 0 }]);
    c.seek({ topic: 't', partition: 0 }, 7);
    expect((await pollFor(c, 3)).map((r) => r.offset)).toEqual([7, 8, 9]);
  });

  it('hands out at most maxPollRecords per poll and continues where it stopped', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    await produce(cluster, Array.from({ length: 10 }, (_, i) => ({ topic: 't', value: String(i) })));
    const c = consumerFor(cluster, { maxPollRecords: 4, autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }]);
    const first = await c.poll(2000);
    expect(first.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(await c.position({ topic: 't', partition: 0 })).toBe(4);
    expect((await c.poll(2000)).map((r) => r.offset)).toEqual([4, 5, 6, 7]);
    expect((await c.poll(2000)).map((r) => r.offset)).toEqual([8, 9]);
  });

  it('starts at the end by default (latest) and sees records produced after', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    await produce(cluster, [{ topic: 't', value: 'old' }]);
    const c = consumerFor(cluster);
    c.assign([{ topic: 't', partition: 0 }]);
    expect(await c.position({ topic: 't', partition: 0 })).toBe(1);
    expect(await c.poll(100)).toEqual([]);
    await produce(cluster, [{ topic: 't', value: 'new' }]);
    expect((await pollFor(c, 1)).map((r) => r.value!.toString())).toEqual(['new']);
  });

  it('fails a poll without a position when auto.offset.reset is none', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    const c = consumerFor(cluster, { autoOffsetReset: 'none' });
    c.assign([{ topic: 't', partition: 0 }]);
    await expect(c.poll(100)).rejects.toThrow('undefined offset with no reset policy for partitions: t-0');
  });

  it('resets an out-of-range position with auto.offset.reset, or fails with none', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    await produce(cluster, [{ topic: 't', value: 'a' }, { topic: 't', value: 'b' }]);
    const c = consumerFor(cluster, { autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }]);
    c.seek({ topic: 't', partition: 0 }, 50);
    expect((await pollFor(c, 2)).map((r) => r.offset)).toEqual([0, 1]);

    const strict = new Consumer({ connect: cluster.connect, logger: quiet, autoOffsetReset: 'none', fetchMaxWaitMs: 50 });
    try {
      strict.assign([{ topic: 't', partition: 0 }]);
      strict.seek({ topic: 't', partition: 0 }, 50);
      await expect(pollFor(strict, 1)).rejects.toThrow(/offset 50 of t-0 is out of range/);
    } finally {
      await strict.close();
    }
  });

  it('follows a leader change: NOT_LEADER_OR_FOLLOWER refreshes metadata and the next fetch goes to the new leader', async () => {
    const cluster = new FakeCluster(2);
    cluster.addTopic('t', [1]);
    await produce(cluster, [{ topic: 't', value: 'a' }]);
    const c = consumerFor(cluster, { autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }]);
    expect(await pollFor(c, 1)).toHaveLength(1);
    cluster.addTopic('t', [2]);
    await produce(cluster, [{ topic: 't', value: 'b' }]);
    expect((await pollFor(c, 1)).map((r) => r.value!.toString())).toEqual(['b']);
    expect(cluster.requestsTo(ApiKey.Fetch).some((r) => r.brokerId === 2)).toBe(true);
  });

  it('pauses and resumes partitions', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1, 1]);
    await produce(cluster, [{ topic: 't', partition: 0, value: 'p0' }, { topic: 't', partition: 1, value: 'p1' }]);
    const c = consumerFor(cluster, { autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    c.pause([{ topic: 't', partition: 1 }]);
    expect(c.paused()).toEqual([{ topic: 't', partition: 1 }]);
    const first = await pollFor(c, 2, 400);
    expect(first.map((r) => r.partition)).toEqual([0]);
    c.resume([{ topic: 't', partition: 1 }]);
    expect((await pollFor(c, 1)).map((r) => r.partition)).toEqual([1]);
  });

  it('iterates records with for await until closed', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1]);
    await produce(cluster, Array.from({ length: 5 }, (_, i) => ({ topic: 't', value: String(i) })));
    const c = consumerFor(cluster, { autoOffsetReset: 'earliest' });
    c.assign([{ topic: 't', partition: 0 }]);
    const seen: string[] = [];
    for await (const record of c) {
      seen.push(record.value!.toString());
      if (seen.length === 5) void c.close();
    }
    expect(seen).toEqual(['0', '1', '2', '3', '4']);
  });

  it('reports beginning and end offsets', async () => {
    const cluster = new FakeCluster();
    cluster.addTopic('t', [1, 1]);
    await produce(cluster, [{ topic: 't', partition: 1, value: 'a' }, { topic: 't', partition: 1, value: 'b' }]);
    const c = consumerFor(cluster);
    const tps = [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }];
    expect(await c.endOffsets(tps)).toEqual(new Map([['t-0', 0], ['t-1', 2]]));
    expect(await c.beginningOffsets(tps)).toEqual(new Map([['t-0', 0], ['t-1', 0]]));
  });
});
