/**
 * The producer and consumer across a leader change, over real sockets: two toy brokers (the net
 * layer's SocketServer and Dispatcher with scripted handlers) where partition 0's leadership
 * moves from broker 1 to broker 2. Broker 1 then answers NOT_LEADER_OR_FOLLOWER, and the clients
 * must refresh metadata and go to broker 2 without losing or reordering records.
 */
import { Consumer } from '../../../src/client/consumer';
import { Producer } from '../../../src/client/producer';
import { ErrorCode } from '../../../src/common/errors';
import { createLogger } from '../../../src/common/logger';
import { ApiKey, EARLIEST_TIMESTAMP } from '../../../src/protocol/api-keys';
import type { MetadataResponse } from '../../../src/protocol/messages';
import { assignOffsetsInPlace, batchLocations, checkBatch, decodeBatches } from '../../../src/protocol/record-batch';
import { Dispatcher } from '../../../src/server/dispatcher';
import { SocketServer } from '../../../src/server/socket-server';

const quiet = createLogger('test', () => undefined);
const host = '127.0.0.1';

/** The shared state of the toy cluster: who leads partition 0, and its log (one list for both brokers). */
interface ToyCluster {
  leader: number;
  ports: Map<number, number>;
  log: Buffer[];
  produceRequests: Array<{ brokerId: number; errorCode: number }>;
}

function metadata(cluster: ToyCluster): MetadataResponse {
  return {
    brokers: [...cluster.ports].map(([nodeId, port]) => ({ nodeId, host, port, rack: null })),
    clusterId: 'toy',
    controllerId: 1,
    topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partition: 0, leader: cluster.leader, leaderEpoch: cluster.leader, replicas: [1, 2], isr: [1, 2], offlineReplicas: [] }] }],
  };
}

function logEndOffset(cluster: ToyCluster): number {
  return cluster.log.reduce((n, b) => n + b.readInt32BE(57), 0);
}

async function startToyBroker(brokerId: number, cluster: ToyCluster): Promise<SocketServer> {
  const dispatcher = new Dispatcher(quiet);
  dispatcher.register(ApiKey.Metadata, () => metadata(cluster));
  dispatcher.register(ApiKey.Produce, (body) => ({
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const notLeader = cluster.leader !== brokerId;
        const errorCode = notLeader ? ErrorCode.NOT_LEADER_OR_FOLLOWER.code : ErrorCode.NONE.code;
        cluster.produceRequests.push({ brokerId, errorCode });
        if (notLeader) return { partition: p.partition, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0 };
        const baseOffset = logEndOffset(cluster);
        let next = baseOffset;
        for (const { position, size } of batchLocations(p.records)) {
          const batch = Buffer.from(p.records.subarray(position, position + size));
          expect(checkBatch(batch, 0).ok).toBe(true);
          assignOffsetsInPlace(batch, 0, next, cluster.leader);
          next += batch.readInt32BE(57);
          cluster.log.push(batch);
        }
        return { partition: p.partition, errorCode: 0, baseOffset, logAppendTimeMs: -1, logStartOffset: 0 };
      }),
    })),
  }));
  dispatcher.register(ApiKey.ListOffsets, (body) => ({
    topics: body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        errorCode: cluster.leader === brokerId ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER.code,
        timestamp: -1,
        offset: p.timestamp === EARLIEST_TIMESTAMP ? 0 : logEndOffset(cluster),
      })),
    })),
  }));
  dispatcher.register(ApiKey.Fetch, async (body) => {
    const leads = cluster.leader === brokerId;
    const fetchOffset = body.topics[0].partitions[0].fetchOffset;
    const batches = cluster.log.filter((b) => Number(b.readBigInt64BE(0)) + b.readInt32BE(57) > fetchOffset);
    if (leads && batches.length === 0) await new Promise((resolve) => setTimeout(resolve, body.maxWaitMs));
    const end = logEndOffset(cluster);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode: leads ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER.code,
          highWatermark: end,
          logStartOffset: 0,
          logEndOffset: end,
          records: leads && batches.length > 0 ? Buffer.concat(batches) : null,
        })),
      })),
    };
  });
  const server = new SocketServer({ host, port: 0, dispatcher, logger: quiet, drainTimeoutMs: 1000, closeLingerMs: 100 });
  cluster.ports.set(brokerId, await server.start());
  return server;
}

describe('clients across a leader change (toy brokers on real sockets)', () => {
  const cluster: ToyCluster = { leader: 1, ports: new Map(), log: [], produceRequests: [] };
  let servers: SocketServer[] = [];

  beforeAll(async () => {
    servers = [await startToyBroker(1, cluster), await startToyBroker(2, cluster)];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('the producer retries on NOT_LEADER_OR_FOLLOWER at the new leader, in order; the consumer follows', async () => {
    const bootstrapServers = `${host}:${cluster.ports.get(1)}`;
    const producer = new Producer({ bootstrapServers, logger: quiet, retryBackoffMs: 20, maxInFlightRequestsPerConnection: 1 });
    const consumer = new Consumer({ bootstrapServers, logger: quiet, retryBackoffMs: 20, fetchMaxWaitMs: 100, autoOffsetReset: 'earliest' });
    try {
      const first = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 't', key: 'k', value: `a${i}` })));
      expect(first.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      consumer.assign([{ topic: 't', partition: 0 }]);
      const seen: string[] = [];
      while (seen.length < 10) seen.push(...(await consumer.poll(1000)).map((r) => r.value!.toString()));

      cluster.leader = 2; // the "controller" moved leadership; broker 1 no longer accepts writes or fetches
      const second = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 't', key: 'k', value: `b${i}` })));
      expect(second.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
      expect(cluster.produceRequests.some((r) => r.brokerId === 1 && r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER.code)).toBe(true);
      expect(cluster.produceRequests[cluster.produceRequests.length - 1]).toEqual({ brokerId: 2, errorCode: 0 });

      while (seen.length < 20) seen.push(...(await consumer.poll(1000)).map((r) => r.value!.toString()));
      expect(seen).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `b${i}`)]);
      expect(cluster.log.flatMap((b) => decodeBatches(b)).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await producer.close();
      await consumer.close();
    }
  });
});
