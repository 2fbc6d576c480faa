/**
 * One broker's real request path for integration tests, without ZooKeeper: log files in a temp
 * folder, the replica manager, the handlers and the socket server on loopback. The test plays the
 * controller: this broker (id 1) leads every partition of `orders` as their only replica, and
 * partition 0 holds one record ("kept") before the test starts.
 */
import { allowEverything } from '../../src/server/handlers/authorization';
import * as fs from 'fs';
import * as path from 'path';
import { Connection } from '../../src/client/connection';
import { systemClock } from '../../src/common/clock';
import { loadBrokerConfig } from '../../src/common/config';
import { brokerLogConfig } from '../../src/server/broker-log-config';
import { ApiKey } from '../../src/protocol/api-keys';
import type { LeaderAndIsrPartitionState } from '../../src/protocol/messages';
import { encodeRecordBatch } from '../../src/protocol/record-batch';
import { Dispatcher } from '../../src/server/dispatcher';
import { registerBrokerHandlers } from '../../src/server/handlers';
import { MetadataCache } from '../../src/server/metadata-cache';
import { ReplicaManager } from '../../src/server/replica-manager';
import { SocketServer } from '../../src/server/socket-server';
import { LogManager } from '../../src/storage/log-manager';
import { adminPortsWithoutZooKeeper } from './admin-ports';
import { plaintextBroker } from './live-brokers';
import { quietLogger } from './log';
import { rmDir, tmpDir } from './tmp';

export const host = '127.0.0.1';
export const topic = 'orders';

export interface SingleBroker {
  readonly dir: string;
  readonly port: number;
  readonly server: SocketServer;
  /** Which APIs the broker has handlers for (what it offers on either protocol). */
  readonly dispatcher: Dispatcher;
  readonly replicaManager: ReplicaManager;
  /** A Josef client connection, closed by stop(). */
  connect(): Promise<Connection>;
  /** Each partition's log end offset (-1 for a partition without a log). */
  logEnds(): number[];
  /** Every file of the topic's logs with its size: what a write would change (none for a log not yet made on disk: logs are made by their first append). */
  logFiles(): Record<string, number>;
  stop(): Promise<void>;
}

function state(partition: number): LeaderAndIsrPartitionState {
  return { topic, partition, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1], addingReplicas: [], removingReplicas: [], isNew: true };
}

/** Starts the broker with `flags` (Kafka's setting names) over its defaults, leading `partitions` partitions of `orders`. */
export async function startSingleBroker(name: string, partitions: number, flags: Record<string, string> = {}): Promise<SingleBroker> {
  const dir = tmpDir(name);
  const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': dir, port: '0', ...flags } });
  const logManager = LogManager.open(config.logDirs, brokerLogConfig(config), { clock: systemClock, logger: quietLogger });
  const metadataCache = new MetadataCache();
  const replicaManager = new ReplicaManager({ config, logManager, clock: systemClock, logger: quietLogger, isKnownPartition: (t, p) => metadataCache.hasPartition(t, p) });
  const dispatcher = new Dispatcher(quietLogger);
  registerBrokerHandlers(dispatcher, {
    config, metadataCache, replicaManager, logger: quietLogger, clusterId: () => name, controller: () => undefined, authorize: allowEverything,
    ...adminPortsWithoutZooKeeper,
  });
  const server = new SocketServer({ host, port: 0, dispatcher, logger: quietLogger, maxRequestBytes: config.socketRequestMaxBytes });
  const port = await server.start();
  const connections: Connection[] = [];
  const connect = async (): Promise<Connection> => {
    const c = await Connection.connect(host, port, { clientId: 'test', requestTimeoutMs: 10_000 });
    connections.push(c);
    return c;
  };
  const numbers = Array.from({ length: partitions }, (_, p) => p);
  const controller = await connect();
  await controller.send(ApiKey.LeaderAndIsr, { controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: numbers.map(state), liveLeaders: [] });
  await controller.send(ApiKey.UpdateMetadata, {
    controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, liveBrokers: [plaintextBroker(1, host, port)], deletedTopics: [],
    partitionStates: numbers.map((p) => ({ ...state(p), offlineReplicas: [] })),
  });
  const produced = await controller.send(ApiKey.Produce, { acks: 1, timeoutMs: 1000, topics: [{ name: topic, partitions: [{ partition: 0, records: encodeRecordBatch([{ value: Buffer.from('kept') }]) }] }] });
  if (produced.topics[0].partitions[0].errorCode !== 0) throw new Error(`the first record was not appended: error ${produced.topics[0].partitions[0].errorCode}`);
  return {
    dir, port, server, dispatcher, replicaManager, connect,
    logEnds: () => numbers.map((p) => replicaManager.getPartition(topic, p)?.log.logEndOffset ?? -1),
    logFiles: () => Object.fromEntries(numbers.flatMap((p) => {
      const logDir = replicaManager.getPartition(topic, p)?.log.dir;
      return logDir === undefined || !fs.existsSync(logDir) ? [] : fs.readdirSync(logDir).map((file) => [path.join(`${p}`, file), fs.statSync(path.join(logDir, file)).size]);
    })),
    stop: async () => {
      await Promise.all(connections.splice(0).map((c) => c.close()));
      await replicaManager.shutdown();
      await server.close();
      logManager.close(replicaManager.highWatermarkOf);
      rmDir(dir);
    },
  };
}
