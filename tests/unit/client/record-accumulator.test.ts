import { Cluster } from '../../../src/client/cluster';
import { RecordAccumulator, type AccumulatorConfig, type AppendResult } from '../../../src/client/record-accumulator';
import { BATCH_HEADER_BYTES } from '../../../src/protocol/record-batch';

const t0 = 1_700_000_000_000;

function cluster(leaders: Record<string, number[]>): Cluster {
  return Cluster.fromMetadata({
    brokers: [1, 2].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9091 + nodeId, rack: null })),
    clusterId: 'c',
    controllerId: 1,
    topics: Object.entries(leaders).map(([name, ls]) => ({
      errorCode: 0,
      name,
      isInternal: false,
      partitions: ls.map((leader, partition) => ({ errorCode: 0, partition, leader, leaderEpoch: 0, replicas: [leader], isr: [leader], offlineReplicas: [] })),
    })),
  });
}

function accumulator(overrides: Partial<AccumulatorConfig> = {}): RecordAccumulator {
  return new RecordAccumulator({ batchSizeBytes: 1024, lingerMs: 0, bufferMemoryBytes: 1 << 20, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, ...overrides });
}

const record = (size: number) => ({ key: null, value: Buffer.alloc(size, 1) });

/** Appends and expects buffer memory to have had room. */
function add(acc: RecordAccumulator, topic: string, partition: number, valueBytes: number, nowMs = t0): AppendResult {
  const appended = acc.append(topic, partition, record(valueBytes), nowMs, nowMs);
  if (appended === undefined) throw new Error('no buffer memory');
  return appended;
}

describe('RecordAccumulator', () => {
  it('fills a batch up to batch.size and then starts the next one', () => {
    const acc = accumulator();
    const first = add(acc, 't', 0, 100, t0);
    expect(first).toMatchObject({ relativeOffset: 0, newBatch: true });
    let appended = first;
    let count = 1;
    while (!appended.newBatch || count === 1) {
      appended = add(acc, 't', 0, 100, t0);
      count++;
      if (appended.newBatch) break;
      expect(appended.batch).toBe(first.batch);
    }
    // A record with a 100-byte value takes 109 bytes (107 and a 2-byte length); 1024 - 61 header bytes hold 8.
    expect(first.batch.recordCount).toBe(8);
    expect(first.batch.sizeBytes).toBe(BATCH_HEADER_BYTES + 8 * 109);
    expect(first.batch.isFull).toBe(true);
    expect(first.batch.encode().length).toBe(first.batch.sizeBytes);
    expect(acc.bufferedByteCount).toBe(2 * 1024); // buffer memory counts whole batch buffers, as Kafka's BufferPool
  });

  it('gives a record larger than batch.size a batch of its own', () => {
    const acc = accumulator();
    add(acc, 't', 0, 10, t0);
    const big = add(acc, 't', 0, 5000, t0);
    expect(big).toMatchObject({ relativeOffset: 0, newBatch: true });
    expect(big.batch.isFull).toBe(true);
  });

  it('is ready at once with linger 0, after linger.ms otherwise, and at once when full or flushing', () => {
    const c = cluster({ t: [1, 2] });
    const eager = accumulator();
    add(eager, 't', 0, 10, t0);
    expect([...eager.ready(c, t0).readyNodes]).toEqual([1]);

    const lingering = accumulator({ lingerMs: 5 });
    add(lingering, 't', 1, 10, t0);
    const early = lingering.ready(c, t0 + 2);
    expect(early.readyNodes.size).toBe(0);
    expect(early.nextReadyCheckDelayMs).toBe(3);
    expect([...lingering.ready(c, t0 + 5).readyNodes]).toEqual([2]);

    lingering.beginFlush();
    add(lingering, 't', 0, 10, t0 + 5);
    expect([...lingering.ready(c, t0 + 5).readyNodes].sort()).toEqual([1, 2]);
    lingering.endFlush();
    while (!add(lingering, 't', 0, 100, t0 + 5).newBatch);
    expect(lingering.ready(c, t0 + 5).readyNodes.has(1)).toBe(true); // a full batch goes without lingering
  });

  it('reports topics whose partitions have no leader', () => {
    const acc = accumulator();
    add(acc, 't', 1, 10, t0);
    const check = acc.ready(cluster({ t: [1, -1] }), t0);
    expect(check.readyNodes.size).toBe(0);
    expect([...check.unknownLeaderTopics]).toEqual(['t']);
  });

  it('drains one batch per partition of each ready leader, within max.request.size', () => {
    const c = cluster({ t: [1, 1, 1, 2] });
    const acc = accumulator();
    for (let p = 0; p < 4; p++) {
      add(acc, 't', p, 400, t0);
      add(acc, 't', p, 400, t0);
      add(acc, 't', p, 400, t0); // starts a second batch
    }
    const drained = acc.drain(c, [1, 2], 2000, t0);
    expect(drained.get(1)!.map((b) => b.partition)).toEqual([0, 1]); // a third 900-byte batch would pass 2000
    expect(drained.get(2)!.map((b) => b.partition)).toEqual([3]);
    // Kafka's drain index moves past the partition that did not fit too; the next drain starts after it.
    const next = acc.drain(c, [1], 2000, t0);
    expect(next.get(1)!.map((b) => b.partition)).toEqual([0, 1, 2]);
  });

  it('takes turns between partitions when a request holds one batch', () => {
    const c = cluster({ t: [1, 1, 1] });
    const acc = accumulator();
    for (let i = 0; i < 3; i++) for (let p = 0; p < 3; p++) add(acc, 't', p, 2000, t0);
    const order = Array.from({ length: 6 }, () => acc.drain(c, [1], 1, t0).get(1)!.map((b) => b.partition)[0]);
    // As in Kafka, the index also moves past the partition that did not fit: 0, then 2 (1 was
    // looked at and skipped), then 1. Every partition still gets a turn in every round of three.
    expect(order).toEqual([0, 2, 1, 0, 2, 1]);
  });

  it('puts a retried batch back in front, held back for retry.backoff.ms', () => {
    const c = cluster({ t: [1] });
    const acc = accumulator();
    add(acc, 't', 0, 10, t0);
    const [batch] = acc.drain(c, [1], 1 << 20, t0).get(1)!;
    add(acc, 't', 0, 10, t0);
    acc.reenqueue(batch, t0 + 10);
    expect(batch.attempts).toBe(1);
    const check = acc.ready(c, t0 + 50);
    expect(check.readyNodes.size).toBe(0);
    expect(check.nextReadyCheckDelayMs).toBe(60);
    expect(acc.drain(c, [1], 1 << 20, t0 + 110).get(1)).toEqual([batch]);
  });

  it('expires queued batches past delivery.timeout.ms and returns their bytes on deallocate', () => {
    const acc = accumulator({ deliveryTimeoutMs: 1000 });
    const { batch } = add(acc, 't', 0, 10, t0);
    expect(acc.ready(cluster({ t: [-1] }), t0 + 400).nextExpiryDelayMs).toBe(600);
    expect(acc.expiredBatches(t0 + 999)).toEqual([]);
    expect(acc.expiredBatches(t0 + 1000)).toEqual([batch]);
    expect(acc.bufferedByteCount).toBe(1024);
    acc.deallocate(batch);
    expect(acc.bufferedByteCount).toBe(0);
    expect(acc.incomplete.size).toBe(0);
  });

  it('refuses a new batch when buffer.memory is used up, and reuses given-back buffers', () => {
    const acc = accumulator({ bufferMemoryBytes: 2048 });
    const first = add(acc, 't', 0, 300);
    add(acc, 't', 1, 300);
    expect(acc.hasRoomFor(1)).toBe(false);
    expect(acc.append('t', 2, record(10), t0, t0)).toBeUndefined();
    expect(acc.append('t', 0, record(10), t0, t0)).toMatchObject({ newBatch: false }); // the open batch still has room
    acc.deallocate(first.batch);
    expect(add(acc, 't', 2, 10).batch.buffer).toBe(first.batch.buffer);
  });
});
