/**
 * Two broker processes with Kafka's EXTERNAL/INTERNAL pair, EXTERNAL listed first and INTERNAL the
 * inter-broker listener. INTERNAL is advertised through a TCP proxy per broker, so the test sees
 * and can cut the traffic between brokers: clients get each listener's own addresses, and a
 * follower replicates over INTERNAL only, leaving the ISR when its leader's INTERNAL is cut while
 * EXTERNAL still serves, and coming back when it is restored.
 */
import { Connection } from '../../src/client/connection';
import { ZkClient } from '../../src/coordination/zk-client';
import { ApiKey } from '../../src/protocol/api-keys';
import type { ProduceRequest } from '../../src/protocol/messages';
import { encodeRecordBatch } from '../../src/protocol/record-batch';
import { freePorts, startTestCluster, type TestCluster } from '../helpers/cluster';
import { partitionState, replicaLogBytes } from '../helpers/replicas';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const lagMs = 3_000;

describe('brokers whose inter-broker listener is not their first', () => {
  let cluster: TestCluster;
  let zk: ZkClient;
  let externalPorts: number[];
  let internalPorts: number[];
  /** proxies[i]: broker i + 1's advertised INTERNAL address, forwarding to its INTERNAL port. */
  let proxies: TcpProxy[] = [];

  beforeAll(async () => {
    const ports = await freePorts(4);
    externalPorts = ports.slice(0, 2);
    internalPorts = ports.slice(2);
    proxies = await Promise.all(internalPorts.map((port) => startTcpProxy('127.0.0.1', port)));
    const listenersOf = (i: number): Record<string, string> => ({
      listeners: `EXTERNAL://127.0.0.1:${externalPorts[i]},INTERNAL://127.0.0.1:${internalPorts[i]}`,
      'advertised.listeners': `EXTERNAL://localhost:${externalPorts[i]},INTERNAL://127.0.0.1:${proxies[i].port}`,
    });
    cluster = await startTestCluster('e2e-listeners', {
      brokers: 2,
      // The cluster's own connections (readiness, connect()) go to EXTERNAL.
      ports: externalPorts,
      overrides: {
        'listener.security.protocol.map': 'EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT',
        'inter.broker.listener.name': 'INTERNAL',
        'replica.lag.time.max.ms': String(lagMs),
        'replica.fetch.backoff.ms': '100',
        'offsets.topic.replication.factor': '2',
      },
      brokerOverrides: { 1: listenersOf(0), 2: listenersOf(1) },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect });
  });
  afterAll(async () => {
    await zk?.close();
    await cluster?.stop();
    await Promise.all(proxies.map((p) => p.close()));
  });

  const produce = (values: string[], acks: 1 | -1): ProduceRequest => ({
    acks, timeoutMs: 10_000, topics: [{ name: 'replicated', partitions: [{ partition: 0, records: encodeRecordBatch(values.map((v) => ({ value: Buffer.from(v) }))) }] }],
  });
  const isrIs = (expected: number[]) => async (): Promise<boolean> => [...(await partitionState(zk, 'replicated')).isr].sort().join() === expected.join();

  test('each listener answers Metadata with its own addresses', async () => {
    const external = await cluster.connect(1);
    const metadata = await external.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
    expect(metadata.brokers).toEqual([1, 2].map((id) => ({ nodeId: id, host: 'localhost', port: externalPorts[id - 1], rack: null })));
    const internal = await Connection.connect('127.0.0.1', internalPorts[0], { clientId: 'e2e-listeners', requestTimeoutMs: 10_000 });
    try {
      const seenInside = await internal.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
      expect(seenInside.brokers).toEqual([1, 2].map((id) => ({ nodeId: id, host: '127.0.0.1', port: proxies[id - 1].port, rack: null })));
    } finally {
      await internal.close();
    }
    expect(cluster.cluster.broker(2).endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`))
      .toEqual([`EXTERNAL://localhost:${externalPorts[1]}`, `INTERNAL://127.0.0.1:${proxies[1].port}`]);
  });

  test('a follower replicates over INTERNAL: cut there, it leaves the ISR while EXTERNAL serves; restored, it returns', async () => {
    const admin = await cluster.connect(1);
    const created = await admin.send(ApiKey.CreateTopics, {
      topics: [{ name: 'replicated', numPartitions: 1, replicationFactor: 2, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(0);
    await waitFor(isrIs([1, 2]), { timeoutMs: 20_000, message: 'replicated to have both brokers in its ISR' });
    const { leader: leaderId } = await partitionState(zk, 'replicated');
    const followerId = 3 - leaderId;
    const leader = await cluster.connect(leaderId);
    await waitFor(async () => {
      const md = await leader.send(ApiKey.Metadata, { topics: ['replicated'], allowAutoTopicCreation: false });
      return md.topics[0]?.partitions[0]?.leader === leaderId;
    }, { timeoutMs: 20_000, message: `broker ${leaderId} to know it leads replicated-0` });

    // acks=all: answered once the follower has fetched the batch, over the only listener it may use.
    expect((await leader.send(ApiKey.Produce, produce(['a', 'b'], -1))).topics[0].partitions[0].errorCode).toBe(0);
    await waitFor(() => replicaLogBytes(cluster, followerId, 'replicated').equals(replicaLogBytes(cluster, leaderId, 'replicated')),
      { timeoutMs: 10_000, message: `broker ${followerId} to hold the leader's log` });
    expect(proxies[leaderId - 1].connectionsAccepted()).toBeGreaterThan(0);

    proxies[leaderId - 1].cut();
    try {
      // EXTERNAL still takes writes; the follower, cut from the leader's INTERNAL, cannot copy them.
      expect((await leader.send(ApiKey.Produce, produce(['c'], 1))).topics[0].partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 2 });
      await waitFor(isrIs([leaderId]), { timeoutMs: lagMs * 5, message: `broker ${followerId} to leave the ISR` });
      expect(replicaLogBytes(cluster, followerId, 'replicated').length).toBeLessThan(replicaLogBytes(cluster, leaderId, 'replicated').length);
    } finally {
      proxies[leaderId - 1].restore();
    }
    await waitFor(isrIs([1, 2]), { timeoutMs: 30_000, message: `broker ${followerId} to rejoin the ISR` });
    expect(replicaLogBytes(cluster, followerId, 'replicated').equals(replicaLogBytes(cluster, leaderId, 'replicated'))).toBe(true);
  });
});
