/**
 * Failover with real broker processes killed for real, while an acks=all producer writes
 * (three brokers, RF=3, min.insync.replicas=2): a new leader from the ISR serves within the
 * session timeout plus 2 s, every acknowledged value is read back, and once the killed brokers
 * are back all replicas hold identical bytes.
 */
import { AckedWriter, deliveryVerdict, readAllValues, type DeliveryVerdict } from '../../src/harness/delivery-check';
import { ZkClient } from '../../src/coordination/zk-client';
import { ZkPaths } from '../../src/coordination/paths';
import { parseController, type PartitionStateZnode } from '../../src/coordination/znodes';
import { ApiKey } from '../../src/protocol/api-keys';
import { quietLogger } from '../helpers/log';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { partitionState, replicaLogBytes } from '../helpers/replicas';
import { waitFor } from '../helpers/wait';

jest.setTimeout(150_000);

const sessionTimeoutMs = 4_000;

describe('failover under an acks=all producer', () => {
  let cluster: TestCluster;
  let zk: ZkClient;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-failover', {
      brokers: 3,
      overrides: {
        'zookeeper.session.timeout.ms': String(sessionTimeoutMs),
        'min.insync.replicas': '2',
        'replica.lag.time.max.ms': '3000',
        'replica.fetch.backoff.ms': '100',
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

  const controllerId = async (): Promise<number> => parseController(ZkPaths.controller, (await zk.getData(ZkPaths.controller)).data).brokerId;

  const createTopic = async (name: string): Promise<PartitionStateZnode> => {
    const live = cluster.cluster.brokers().filter((b) => b.running).map((b) => b.id);
    const conn = await cluster.connect(live[0]);
    const response = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name, numPartitions: 1, replicationFactor: 3, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(response.topics[0].errorCode).toBe(0);
    return waitFor(async () => {
      const s = await state(name);
      return s.isr.length === 3 ? s : undefined;
    }, { timeoutMs: 20_000, message: `${name} to have a leader and a full ISR` });
  };

  const logBytes = (brokerId: number, topic: string): Buffer => replicaLogBytes(cluster, brokerId, topic);

  /** A new leader other than `old`, with the time it took from `since`. */
  const newLeader = async (topic: string, old: number, since: number): Promise<{ leader: number; ms: number }> =>
    waitFor(async () => {
      const s = await state(topic);
      return s.leader >= 0 && s.leader !== old ? { leader: s.leader, ms: Date.now() - since } : undefined;
    }, { timeoutMs: sessionTimeoutMs + 20_000, message: `${topic} to get a leader other than ${old}` });

  const restartStopped = async (): Promise<void> => {
    for (const b of cluster.cluster.brokers()) if (!b.running) await cluster.cluster.startBroker(b.id);
  };

  /** After the story: everyone back, full ISR, identical replicas, and the verdict on what was acknowledged. */
  const finish = async (topic: string, writer: AckedWriter): Promise<DeliveryVerdict> => {
    await writer.stop();
    await restartStopped();
    await waitFor(async () => (await state(topic)).isr.length === 3, { timeoutMs: 60_000, message: `${topic} to have a full ISR again` });
    await waitFor(() => {
      const copies = [1, 2, 3].map((id) => logBytes(id, topic));
      return copies.every((c) => c.length > 0 && c.equals(copies[0]));
    }, { timeoutMs: 30_000, message: `the three replicas of ${topic} to hold identical bytes` });
    const verdict = deliveryVerdict(writer.acknowledged, await readAllValues(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger));
    expect(verdict.acknowledged).toBeGreaterThan(0);
    expect(verdict.lost).toEqual([]);
    return verdict;
  };

  const writerFor = (topic: string, requestTimeoutMs = 30_000): AckedWriter => {
    const writer = new AckedWriter({
      bootstrapServers: cluster.cluster.bootstrapServers, topic, logger: quietLogger,
      producer: { requestTimeoutMs, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
    });
    writer.start();
    return writer;
  };

  test('kill -9 of the leader: a new leader within the session timeout + 2 s, nothing acknowledged lost', async () => {
    const initial = await createTopic('hard-kill');
    const writer = writerFor('hard-kill');
    await writer.acknowledgedMore(500);
    const killedAt = Date.now();
    await cluster.cluster.stopBroker(initial.leader, 'SIGKILL');
    const { ms } = await newLeader('hard-kill', initial.leader, killedAt);
    expect(ms).toBeLessThan(sessionTimeoutMs + 2_000);
    await writer.acknowledgedMore(500);
    const verdict = await finish('hard-kill', writer);
    expect(writer.failures).toEqual([]);
    expect(verdict.consumed).toBeGreaterThanOrEqual(verdict.acknowledged);
  });

  test('kill -9 of the controller: another broker takes over and failover still works', async () => {
    const initial = await createTopic('controller-kill');
    const writer = writerFor('controller-kill');
    await writer.acknowledgedMore(300);
    const controller = await controllerId();
    await cluster.cluster.stopBroker(controller, 'SIGKILL');
    await waitFor(async () => {
      try {
        const id = await controllerId();
        return id !== controller ? id : undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: sessionTimeoutMs + 20_000, message: 'another broker to become controller' });
    if (controller === initial.leader) await newLeader('controller-kill', initial.leader, Date.now());
    await writer.acknowledgedMore(300);
    await finish('controller-kill', writer);
    expect(writer.failures).toEqual([]);
  });

  test('a SIGSTOPped leader resumed after its session expired acknowledges nothing more as leader and truncates its divergent tail', async () => {
    const initial = await createTopic('paused-leader');
    const writer = writerFor('paused-leader', 5_000);
    await writer.acknowledgedMore(300);
    const pid = cluster.cluster.broker(initial.leader).pid as number;
    const stoppedAt = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await newLeader('paused-leader', initial.leader, stoppedAt);
      await writer.acknowledgedMore(300);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The old leader comes back as a follower of the new one.
    await waitFor(async () => (await state('paused-leader')).isr.includes(initial.leader), { timeoutMs: 60_000, message: 'the old leader to rejoin as follower' });
    await writer.acknowledgedMore(200);
    await finish('paused-leader', writer);
  });

  test('two brokers killed one after the other: writes wait for min.insync.replicas, then go on with nothing lost', async () => {
    const initial = await createTopic('two-kills');
    const writer = writerFor('two-kills');
    await writer.acknowledgedMore(300);
    const first = initial.leader;
    let killedAt = Date.now();
    await cluster.cluster.stopBroker(first, 'SIGKILL');
    const { leader: second } = await newLeader('two-kills', first, killedAt);
    await writer.acknowledgedMore(200);
    killedAt = Date.now();
    await cluster.cluster.stopBroker(second, 'SIGKILL');
    await newLeader('two-kills', second, killedAt);
    // One broker left: below min.insync.replicas, acks=all waits (retriable NOT_ENOUGH_REPLICAS) until one returns.
    await cluster.cluster.startBroker(first);
    await writer.acknowledgedMore(200);
    await finish('two-kills', writer);
    expect(writer.failures).toEqual([]);
  });

  test('controlled shutdown (SIGTERM) of the leader under load: no producer error', async () => {
    const initial = await createTopic('controlled');
    const writer = writerFor('controlled');
    await writer.acknowledgedMore(300);
    const stoppedAt = Date.now();
    expect(await cluster.cluster.stopBroker(initial.leader, 'SIGTERM')).toBe(0);
    const { ms } = await newLeader('controlled', initial.leader, stoppedAt);
    expect(ms).toBeLessThan(sessionTimeoutMs);
    await writer.acknowledgedMore(300);
    await finish('controlled', writer);
    expect(writer.failures).toEqual([]);
  });
});
