/**
 * Partition reassignment and partition addition with real broker processes (four brokers): an RF=3
 * partition moves from brokers 1,2,3 to 2,3,4 under an acks=all producer with nothing acknowledged
 * lost, the removed replica's files gone and the new replica's bytes equal to the others'; a
 * reassignment whose controller is killed (SIGKILL) halfway is finished by the next controller
 * from what ZooKeeper holds; and partitions added by writing the enlarged topic znode come online
 * and producers use them once their metadata is refreshed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AckedWriter, deliveryVerdict, readAllValues } from '../../src/harness/delivery-check';
import { Producer } from '../../src/client/producer';
import { ZkPaths } from '../../src/coordination/paths';
import { executeReassignment, verifyReassignment } from '../../src/admin/reassignment-admin';
import type { ReassignmentPlan } from '../../src/admin/reassignment-plan';
import { ZkClient } from '../../src/coordination/zk-client';
import { parseController, parseTopicZnode, serializePartitionReassignment, serializeTopicAssignment, type TopicZnode } from '../../src/coordination/znodes';
import { ApiKey } from '../../src/protocol/api-keys';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { quietLogger } from '../helpers/log';
import { partitionState, replicaLogBytes } from '../helpers/replicas';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const sessionTimeoutMs = 4_000;

describe('partition reassignment and new partitions', () => {
  let cluster: TestCluster;
  let zk: ZkClient;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-reassign', {
      brokers: 4,
      overrides: {
        'zookeeper.session.timeout.ms': String(sessionTimeoutMs),
        'replica.lag.time.max.ms': '3000',
        'replica.fetch.backoff.ms': '100',
      },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect });
  });
  afterAll(async () => {
    await zk?.close();
    await cluster?.stop();
  });

  const topicZnode = async (topic: string): Promise<TopicZnode> => parseTopicZnode(ZkPaths.topic(topic), (await zk.getData(ZkPaths.topic(topic))).data);

  const controllerId = async (): Promise<number> => parseController(ZkPaths.controller, (await zk.getData(ZkPaths.controller)).data).brokerId;

  /** Creates `topic` with explicit replica lists and waits until each partition has its full ISR. */
  const createTopic = async (topic: string, replicas: number[][]): Promise<void> => {
    const live = cluster.cluster.brokers().find((b) => b.running)?.id as number;
    const conn = await cluster.connect(live);
    const response = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments: replicas.map((brokerIds, partition) => ({ partition, brokerIds })), configs: {} }],
      timeoutMs: 20_000, validateOnly: false,
    });
    expect(response.topics[0].errorCode).toBe(0);
    for (let p = 0; p < replicas.length; p++) {
      await waitFor(async () => (await partitionState(zk, topic, p).catch(() => undefined))?.isr.length === replicas[p].length,
        { timeoutMs: 30_000, message: `${topic}-${p} to have a leader and a full ISR` });
    }
  };

  const planFor = (topic: string, replicas: number[]): ReassignmentPlan => ({ version: 1, partitions: [{ topic, partition: 0, replicas }] });

  /** What the reassignment tool writes (Kafka's ReassignPartitionsZNode), written directly: the tool refuses a plan naming a broker that is down. */
  const requestReassignment = async (topic: string, replicas: number[]): Promise<void> => {
    await zk.create(ZkPaths.reassignPartitions, serializePartitionReassignment([{ topic, partition: 0, replicas }]), 'persistent', { createParents: true });
  };

  /** The move is over: request znode gone, topic znode with the target alone, state znode led from it with the target as ISR. */
  const reassignmentDone = async (topic: string, target: number[]): Promise<void> => {
    await waitFor(async () => (await zk.exists(ZkPaths.reassignPartitions)) === null, { timeoutMs: 90_000, message: `${ZkPaths.reassignPartitions} to be deleted` });
    const znode = await topicZnode(topic);
    expect(znode.partitions.get(0)).toEqual(target);
    expect(znode.addingReplicas.size + znode.removingReplicas.size).toBe(0);
    const state = await waitFor(async () => {
      const s = await partitionState(zk, topic);
      return [...s.isr].sort().join(',') === [...target].sort().join(',') ? s : undefined;
    }, { timeoutMs: 30_000, message: `the ISR of ${topic}-0 to be [${target.join(',')}]` });
    expect(target).toContain(state.leader);
  };

  const partitionDirGone = (brokerId: number, topic: string): boolean =>
    !fs.existsSync(path.join(cluster.cluster.broker(brokerId).logDir, topic, '0'));

  const sameBytes = async (topic: string, replicas: number[]): Promise<void> => {
    await waitFor(() => {
      const copies = replicas.map((id) => replicaLogBytes(cluster, id, topic));
      return copies.every((c) => c.length > 0 && c.equals(copies[0]));
    }, { timeoutMs: 30_000, message: `the replicas [${replicas.join(',')}] of ${topic} to hold identical bytes` });
  };

  const writerFor = (topic: string): AckedWriter => {
    const writer = new AckedWriter({
      bootstrapServers: cluster.cluster.bootstrapServers, topic, logger: quietLogger,
      producer: { requestTimeoutMs: 30_000, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
    });
    writer.start();
    return writer;
  };

  const noAcknowledgedLoss = async (topic: string, writer: AckedWriter): Promise<void> => {
    await writer.stop();
    const verdict = deliveryVerdict(writer.acknowledged, await readAllValues(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger));
    expect(verdict.acknowledged).toBeGreaterThan(0);
    expect(verdict.lost).toEqual([]);
  };

  test('1,2,3 -> 2,3,4 under acks=all load: nothing acknowledged lost, broker 1\'s files gone, broker 4 a full copy', async () => {
    await createTopic('moving', [[1, 2, 3]]);
    const writer = writerFor('moving');
    await writer.acknowledgedMore(300);
    expect((await executeReassignment(zk, planFor('moving', [2, 3, 4]))).moving).toHaveLength(1);
    await reassignmentDone('moving', [2, 3, 4]);
    expect((await verifyReassignment(zk, planFor('moving', [2, 3, 4]))).partitions[0].status).toBe('done');
    await writer.acknowledgedMore(300);
    await noAcknowledgedLoss('moving', writer);
    await waitFor(() => partitionDirGone(1, 'moving'), { timeoutMs: 20_000, message: 'broker 1 to delete its replica of moving-0' });
    await sameBytes('moving', [2, 3, 4]);
  });

  test('the controller killed halfway (SIGKILL): the next controller finishes the reassignment from ZooKeeper', async () => {
    await createTopic('resumed', [[1, 2, 3]]);
    const writer = writerFor('resumed');
    await writer.acknowledgedMore(200);
    // With broker 4 down the new replica cannot catch up: the reassignment stays halfway.
    expect(await cluster.cluster.stopBroker(4, 'SIGTERM')).toBe(0);
    await requestReassignment('resumed', [2, 3, 4]);
    await waitFor(async () => (await topicZnode('resumed')).addingReplicas.get(0)?.join(',') === '4',
      { timeoutMs: 30_000, message: 'the topic znode to show broker 4 being added' });
    expect((await topicZnode('resumed')).partitions.get(0)).toEqual([2, 3, 4, 1]);
    const killed = await controllerId();
    await cluster.cluster.stopBroker(killed, 'SIGKILL');
    const successor = await waitFor(async () => {
      const id = await controllerId().catch(() => -1);
      return id >= 0 && id !== killed ? id : undefined;
    }, { timeoutMs: sessionTimeoutMs + 20_000, message: 'another broker to become controller' });
    // The killed broker first: were it broker 1, the move could otherwise finish while it is down,
    // and a removed replica on a dead broker keeps its files (as in Kafka).
    await cluster.cluster.startBroker(killed);
    await waitFor(async () => (await zk.exists(ZkPaths.broker(killed))) !== null, { timeoutMs: 30_000, message: `broker ${killed} to register again` });
    await cluster.cluster.startBroker(4);
    await reassignmentDone('resumed', [2, 3, 4]);
    expect(await controllerId()).toBe(successor);
    await writer.acknowledgedMore(200);
    await noAcknowledgedLoss('resumed', writer);
    await waitFor(() => partitionDirGone(1, 'resumed'), { timeoutMs: 20_000, message: 'broker 1 to delete its replica of resumed-0' });
    await sameBytes('resumed', [2, 3, 4]);
  });

  test('a throttled move copies at about the throttle\'s rate; the throttle goes with --verify', async () => {
    await createTopic('slow', [[1, 2, 3]]);
    const producer = new Producer({ bootstrapServers: cluster.cluster.bootstrapServers, acks: 'all', logger: quietLogger });
    const value = Buffer.alloc(1_000, 'x');
    try {
      await Promise.all(Array.from({ length: 3_000 }, (_, i) => producer.send({ topic: 'slow', key: Buffer.from(String(i)), value })));
    } finally {
      await producer.close();
    }
    const bytes = replicaLogBytes(cluster, 1, 'slow').length;
    expect(bytes).toBeGreaterThan(3_000_000);
    const rateBytesPerSec = 200_000;
    const startedMs = Date.now();
    await executeReassignment(zk, planFor('slow', [2, 3, 4]), { throttleBytesPerSec: rateBytesPerSec });
    await reassignmentDone('slow', [2, 3, 4]);
    const elapsedMs = Date.now() - startedMs;
    // The first fetch may take replica.fetch.max.bytes (1 MiB) before the rate is measured over it;
    // the rest comes at most at the rate. Unthrottled, the copy takes well under a second.
    expect(elapsedMs).toBeGreaterThan(((bytes - (1 << 20)) / rateBytesPerSec) * 1000 * 0.7);
    await sameBytes('slow', [2, 3, 4]);
    const verified = await verifyReassignment(zk, planFor('slow', [2, 3, 4]));
    expect(verified.throttlesRemoved).toBe(true);
  });

  test('partitions added to the topic znode come online with leaders, and producers use them', async () => {
    await createTopic('growing', [[1, 2]]);
    const producer = new Producer({ bootstrapServers: cluster.cluster.bootstrapServers, acks: 'all', metadataMaxAgeMs: 1_000, logger: quietLogger });
    try {
      expect((await producer.send({ topic: 'growing', value: Buffer.from('before') })).partition).toBe(0);
      const node = await zk.getData(ZkPaths.topic('growing'));
      const enlarged = new Map([[0, [1, 2]], [1, [2, 3]], [2, [3, 4]]]);
      await zk.setData(ZkPaths.topic('growing'), serializeTopicAssignment(enlarged), node.stat.version);
      for (const [p, replicas] of enlarged) {
        const s = await waitFor(async () => {
          const state = await partitionState(zk, 'growing', p).catch(() => undefined);
          return state && state.isr.length === replicas.length ? state : undefined;
        }, { timeoutMs: 30_000, message: `growing-${p} to have a leader and a full ISR` });
        expect(replicas).toContain(s.leader);
      }
      // The producer learns of them from its next metadata refresh (metadata.max.age.ms): keyed
      // records then hash over three partitions.
      const partitions = new Set<number>();
      let i = 0;
      await waitFor(async () => {
        i++;
        partitions.add((await producer.send({ topic: 'growing', key: Buffer.from(`key-${i}`), value: Buffer.from(`v-${i}`) })).partition);
        return partitions.size === 3;
      }, { timeoutMs: 30_000, intervalMs: 50, message: () => `keyed records to land on partitions 0, 1 and 2 (so far [${[...partitions].join(',')}])` });
    } finally {
      await producer.close();
    }
  });
});
