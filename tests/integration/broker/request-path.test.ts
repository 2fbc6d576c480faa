/**
 * The broker's request path over real loopback TCP and real log files, without ZooKeeper: the
 * test plays the controller (LeaderAndIsr, UpdateMetadata) and a client sending raw requests.
 */
import { allowEverything } from '../../../src/server/handlers/authorization';
import * as fs from 'fs';
import net from 'net';
import * as path from 'path';
import { Connection } from '../../../src/client/connection';
import { systemClock } from '../../../src/common/clock';
import { loadBrokerConfig, type BrokerConfig } from '../../../src/common/config';
import { brokerLogConfig } from '../../../src/server/broker-log-config';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { LeaderAndIsrPartitionState, ProduceRequest } from '../../../src/protocol/messages';
import { decodeBatches, encodeRecordBatch } from '../../../src/protocol/record-batch';
import { Dispatcher } from '../../../src/server/dispatcher';
import { registerBrokerHandlers } from '../../../src/server/handlers';
import { MetadataCache } from '../../../src/server/metadata-cache';
import { ReplicaManager } from '../../../src/server/replica-manager';
import { SocketServer } from '../../../src/server/socket-server';
import { LogManager } from '../../../src/storage/log-manager';
import { adminPortsWithoutZooKeeper } from '../../helpers/admin-ports';
import { plaintextBroker } from '../../helpers/live-brokers';
import { quietLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

const host = '127.0.0.1';

function state(topic: string, partition: number, leader: number, leaderEpoch = 0): LeaderAndIsrPartitionState {
  return {
    topic, partition, controllerEpoch: 1, leader, leaderEpoch, isr: [leader], zkVersion: 0,
    replicas: [leader], addingReplicas: [], removingReplicas: [], isNew: true,
  };
}

describe('broker request path (sockets, handlers, replica manager, logs)', () => {
  let dir: string;
  let config: BrokerConfig;
  let logManager: LogManager;
  let replicaManager: ReplicaManager;
  let server: SocketServer;
  let port: number;
  const connections: Connection[] = [];

  const connect = async (): Promise<Connection> => {
    const c = await Connection.connect(host, port, { clientId: 'test', requestTimeoutMs: 10_000 });
    connections.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = tmpDir('request-path');
    config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': dir, port: '0', 'socket.request.max.bytes': String(64 * 1024) } }).config;
    logManager = LogManager.open(config.logDirs, brokerLogConfig(config), { clock: systemClock, logger: quietLogger });
    const metadataCache = new MetadataCache();
    replicaManager = new ReplicaManager({
      config, logManager, clock: systemClock, logger: quietLogger, isKnownPartition: (t, p) => metadataCache.hasPartition(t, p),
    });
    const dispatcher = new Dispatcher(quietLogger);
    registerBrokerHandlers(dispatcher, {
      config, metadataCache, replicaManager, logger: quietLogger, clusterId: () => 'test-cluster', controller: () => undefined, authorize: allowEverything,
      ...adminPortsWithoutZooKeeper,
    });
    server = new SocketServer({ host, port: 0, dispatcher, logger: quietLogger, maxRequestBytes: config.socketRequestMaxBytes });
    port = await server.start();
    // Play the controller: broker 1 leads orders-0 and orders-1; broker 2 leads orders-2.
    const controller = await connect();
    const liveBrokers = [plaintextBroker(1, host, port), plaintextBroker(2, host, 1)];
    const leaderAndIsr = await controller.send(ApiKey.LeaderAndIsr, {
      controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: [state('orders', 0, 1), state('orders', 1, 1)], liveLeaders: [],
    });
    expect(leaderAndIsr.partitions.every((p) => p.errorCode === 0)).toBe(true);
    const updated = await controller.send(ApiKey.UpdateMetadata, {
      controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, liveBrokers, deletedTopics: [],
      partitionStates: [0, 1, 2].map((p) => ({ ...state('orders', p, p === 2 ? 2 : 1), offlineReplicas: [] })),
    });
    expect(updated.errorCode).toBe(0);
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await replicaManager.shutdown();
    await server.close();
    logManager.close(replicaManager.highWatermarkOf);
    rmDir(dir);
  });

  const produce = (partition: number, records: Buffer, acks: 0 | 1 | -1 = 1): ProduceRequest =>
    ({ acks, timeoutMs: 5000, topics: [{ name: 'orders', partitions: [{ partition, records }] }] });

  const fetchRequest = (partition: number, fetchOffset: number, maxWaitMs = 0) => ({
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
    topics: [{ name: 'orders', partitions: [{ partition, fetchOffset, currentLeaderEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  });

  it('round-trips records with keys, headers and timestamps, in order, as the stored bytes', async () => {
    const client = await connect();
    const batches = [0, 1, 2].map((b) => encodeRecordBatch([0, 1].map((i) => ({
      key: Buffer.from(`key-${b}-${i}`), value: Buffer.from(`value-${b}-${i}`), timestamp: 1_700_000_000_000 + b * 10 + i,
      headers: [{ key: 'trace', value: Buffer.from(`t${b}${i}`) }, { key: 'empty', value: null }],
    }))));
    const offsets: number[] = [];
    for (const batch of batches) {
      const response = await client.send(ApiKey.Produce, produce(0, batch));
      expect(response.topics[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, logStartOffset: 0 });
      offsets.push(response.topics[0].partitions[0].baseOffset);
    }
    expect(offsets).toEqual([0, 2, 4]);
    const fetched = await client.send(ApiKey.Fetch, fetchRequest(0, 0));
    const partition = fetched.topics[0].partitions[0];
    expect(partition).toMatchObject({ errorCode: 0, highWatermark: 6, logEndOffset: 6, logStartOffset: 0 });
    const records = decodeBatches(partition.records as Buffer);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records[3]).toEqual({
      offset: 3, timestamp: 1_700_000_000_011, key: Buffer.from('key-1-1'), value: Buffer.from('value-1-1'),
      headers: [{ key: 'trace', value: Buffer.from('t11') }, { key: 'empty', value: null }],
    });
    const onDisk = fs.readFileSync(path.join(dir, 'orders', '0', '00000000000000000000.log'));
    expect(Buffer.compare(onDisk, partition.records as Buffer)).toBe(0);
    const listed = await client.send(ApiKey.ListOffsets, { replicaId: -1, topics: [{ name: 'orders', partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: -2 }] }] });
    expect(listed.topics[0].partitions.map((p) => p.offset)).toEqual([6, 0]);
  });

  it('DescribeLogDirs reports each hosted partition log with its size on disk, all or those asked', async () => {
    const client = await connect();
    await client.send(ApiKey.Produce, produce(0, encodeRecordBatch([{ value: Buffer.alloc(1000, 'x') }])));
    const onDisk = fs.statSync(path.join(dir, 'orders', '0', '00000000000000000000.log')).size;
    expect(onDisk).toBeGreaterThan(1000);
    const all = await client.send(ApiKey.DescribeLogDirs, { topics: null });
    expect(all.results).toEqual([{
      errorCode: 0, logDir: dir,
      topics: [{ name: 'orders', partitions: expect.arrayContaining([
        { partition: 0, size: onDisk, offsetLag: 0, isFuture: false }, { partition: 1, size: 0, offsetLag: 0, isFuture: false },
      ]) }],
    }]);
    const asked = await client.send(ApiKey.DescribeLogDirs, { topics: [{ topic: 'orders', partitions: [0, 7] }] });
    expect(asked.results[0].topics).toEqual([{ name: 'orders', partitions: [{ partition: 0, size: onDisk, offsetLag: 0, isFuture: false }] }]);
    await expect(client.send(ApiKey.DescribeLogDirs, { topics: [{ topic: 'orders', partitions: 'all' }] } as never))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST.code });
  });

  it('a long-polling fetch returns as soon as a record arrives', async () => {
    const consumer = await connect();
    const producer = await connect();
    const started = Date.now();
    const polling = consumer.send(ApiKey.Fetch, fetchRequest(1, 0, 20_000), { timeoutMs: 30_000 });
    await producer.send(ApiKey.Produce, produce(1, encodeRecordBatch([{ value: Buffer.from('wake up') }])));
    const response = await polling;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(decodeBatches(response.topics[0].partitions[0].records as Buffer).map((r) => r.value?.toString())).toEqual(['wake up']);
  });

  it('answers NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION and CORRUPT_MESSAGE per partition', async () => {
    const client = await connect();
    const notLeader = await client.send(ApiKey.Produce, produce(2, encodeRecordBatch([{ value: Buffer.from('x') }])));
    expect(notLeader.topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
    const unknown = await client.send(ApiKey.Fetch, { ...fetchRequest(0, 0), topics: [{ name: 'nope', partitions: fetchRequest(0, 0).topics[0].partitions }] });
    expect(unknown.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    const corrupt = encodeRecordBatch([{ value: Buffer.from('precious') }]);
    corrupt[corrupt.length - 3] ^= 0x01;
    const refused = await client.send(ApiKey.Produce, produce(0, corrupt));
    expect(refused.topics[0].partitions[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE.code);
    const outOfRange = await client.send(ApiKey.Fetch, fetchRequest(0, 99));
    expect(outOfRange.topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE.code);
  });

  it('acks=0 gets no response; acks=all with the leader alone in the ISR is answered at once', async () => {
    const client = await connect();
    await client.send(ApiKey.Produce, produce(0, encodeRecordBatch([{ value: Buffer.from('fire') }]), 0), { expectResponse: false });
    const all = await client.send(ApiKey.Produce, produce(0, encodeRecordBatch([{ value: Buffer.from('forget') }]), -1));
    expect(all.topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 1 });
  });

  it('an oversized frame closes only that connection; the broker serves the others', async () => {
    const bystander = await connect();
    const socket = net.connect({ host, port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(10 * 1024 * 1024);
    socket.write(header);
    await closed;
    const response = await bystander.send(ApiKey.Metadata, { topics: ['orders'], allowAutoTopicCreation: false });
    expect(response.topics[0].partitions.map((p) => p.leader)).toEqual([1, 1, 2]);
    expect(response.clusterId).toBe('test-cluster');
  });

  it('refuses UpdateMetadata and LeaderAndIsr from an older controller epoch', async () => {
    const controller = await connect();
    await controller.send(ApiKey.UpdateMetadata, { controllerId: 2, controllerEpoch: 3, brokerEpoch: 1, liveBrokers: [], deletedTopics: [], partitionStates: [] });
    // A body holding only an error code comes back to the client as a rejected send.
    await expect(controller.send(ApiKey.UpdateMetadata, { controllerId: 1, controllerEpoch: 2, brokerEpoch: 1, liveBrokers: [], deletedTopics: [], partitionStates: [] }))
      .rejects.toMatchObject({ code: ErrorCode.STALE_CONTROLLER_EPOCH.code });
    const staleLeaderAndIsr = await controller.send(ApiKey.LeaderAndIsr, { controllerId: 1, controllerEpoch: 2, brokerEpoch: 1, partitionStates: [state('orders', 0, 1, 5)], liveLeaders: [] });
    expect(staleLeaderAndIsr.errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH.code);
    const versions = await controller.send(ApiKey.ApiVersions, {});
    expect(versions.apiKeys.map((k) => k.apiKey)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 17, 18, 19, 20, 21, 23, 32, 33, 35, 36, 37, 43]);
  });
});
