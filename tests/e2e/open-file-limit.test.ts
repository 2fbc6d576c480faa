/**
 * Issue 24's zombie case with real broker processes under a low open-file limit (`prlimit
 * --nofile=256:256`, so log.max.open.files defaults to 128): given 200 partitions RF 3 (600
 * segment files per broker, where without the file-handle cache it would run out at about 70
 * partitions), every broker stays registered and serves every partition, produced to with
 * acks=all and read back. Then broker 3 is made to run out of descriptors for real, by
 * connections held open to it: it must end deregistered (its session closed, saying why on
 * stderr), not registered and dead; its leaderships move, and nothing acknowledged is lost.
 */
import * as fs from 'fs';
import * as net from 'net';
import { Admin } from '../../src/client/admin';
import { deliveryVerdict, readAllRecords } from '../../src/harness/delivery-check';
import { Producer } from '../../src/client/producer';
import { ZkClient } from '../../src/coordination/zk-client';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { quietLogger } from '../helpers/log';
import { partitionState } from '../helpers/replicas';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const topic = 'many';
const partitions = 200;
const openFileLimit = 256;
const recordsPerPartition = 3;

/**
 * Descriptors process `pid` holds on segment files under `folder`: the ones the cache bounds (a
 * checkpoint's temporary file is held open meanwhile during its fsync, which takes long under load).
 */
function descriptorsUnder(pid: number, folder: string): number {
  let count = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(folder) && /\.(log|index|timeindex)$/.test(target)) count++;
    } catch {
      // Closed while listed.
    }
  }
  return count;
}

describe('brokers under a low open-file limit', () => {
  let cluster: TestCluster;
  let zk: ZkClient;
  let admin: Admin;
  const acknowledged: string[] = [];
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-open-file-limit', {
      brokers: 3,
      openFileLimits: { 1: openFileLimit, 2: openFileLimit, 3: openFileLimit },
      overrides: {
        'zookeeper.session.timeout.ms': '4000',
        'min.insync.replicas': '2',
        'auto.leader.rebalance.enable': 'false',
      },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    admin = new Admin({ bootstrapServers: cluster.cluster.bootstrapServers, logger: quietLogger });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await admin?.close();
    await zk?.close();
    await cluster?.stop();
  });

  const produceToEvery = async (round: string): Promise<void> => {
    const producer = new Producer({ bootstrapServers: cluster.cluster.bootstrapServers, acks: 'all', logger: quietLogger, requestTimeoutMs: 10_000 });
    try {
      const sends: Promise<unknown>[] = [];
      for (let p = 0; p < partitions; p++) {
        for (let i = 0; i < recordsPerPartition; i++) {
          const value = `${round}-${p}-${i}`;
          sends.push(producer.send({ topic, partition: p, value }).then(() => acknowledged.push(value)));
        }
      }
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
  };

  it('200 partitions RF 3 (600 segment files per broker) are all led, produced to and read back', async () => {
    await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 3 }]);
    await waitFor(async () => {
      const described = (await admin.describeTopics([topic]))[0]?.partitions ?? [];
      return described.length === partitions && described.every((p) => p.leader >= 1 && p.isr.length === 3);
    }, { timeoutMs: 90_000, intervalMs: 500, message: `all ${partitions} partitions led with a full ISR` });
    await produceToEvery('first');
    const records = await readAllRecords(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger);
    expect(new Set(records.map((r) => r.partition)).size).toBe(partitions);
    expect(deliveryVerdict(acknowledged, records.map((r) => r.value)).lost).toEqual([]);
    expect(await cluster.cluster.registeredIds()).toEqual([1, 2, 3]);
    for (const b of cluster.cluster.brokers()) {
      // Each broker holds 600 segment files; the cache keeps at most half its limit open.
      expect(descriptorsUnder(b.pid as number, b.logDir)).toBeLessThanOrEqual(openFileLimit / 2);
      expect(fs.readFileSync(b.logFile, 'utf8')).not.toMatch(/EMFILE|is offline/);
    }
  });

  it('a broker that runs out of descriptors ends deregistered, saying why; its partitions move and nothing acknowledged is lost', async () => {
    const broker3 = cluster.cluster.broker(3);
    // Connections held open take broker 3's descriptors until it can accept no more.
    await waitFor(async () => {
      if (!(await cluster.cluster.registeredIds()).includes(3)) return true;
      for (let i = 0; i < 50 && sockets.length < 4 * openFileLimit; i++) {
        const socket = net.connect(broker3.port, broker3.host);
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      return false;
    }, { timeoutMs: 60_000, intervalMs: 200, message: 'broker 3 to deregister once out of file descriptors' });
    await waitFor(() => !cluster.cluster.broker(3).running, { timeoutMs: 60_000, message: 'broker 3 to exit' });
    // Whichever notices first stops it: the watchdog (no descriptor to accept with), or a checkpoint
    // or log that cannot be opened taking the only log dir offline.
    const log = fs.readFileSync(broker3.logFile, 'utf8');
    expect(log).toMatch(/out of file descriptors \(EMFILE\)|EMFILE: too many open files/);
    expect(log).toMatch(/josef: broker 3 stopped: (out of file descriptors|every log dir .* has failed)/);
    for (const socket of sockets.splice(0)) socket.destroy();

    await waitFor(async () => {
      for (let p = 0; p < partitions; p++) {
        const state = await partitionState(zk, topic, p);
        if (state.leader === 3 || state.leader < 0 || state.isr.includes(3)) return false;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500, message: 'every partition led by broker 1 or 2, broker 3 out of every ISR' });
    await produceToEvery('second');
    const records = await readAllRecords(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger);
    const verdict = deliveryVerdict(acknowledged, records.map((r) => r.value));
    expect(verdict.lost).toEqual([]);
    expect(verdict.acknowledged).toBe(2 * partitions * recordsPerPartition);
  });
});
