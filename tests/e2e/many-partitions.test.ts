/**
 * Issue 24's suite case, kept short: 5,000 partitions (RF 3 on three brokers, 5,000 replicas each)
 * created and all led, `josef topic describe` listing every one of them; a controlled shutdown
 * (SIGTERM) of a broker that is not the controller, whose leaderships must all have moved before
 * its ZooKeeper session closed (moved by the shutdown, not by the controller noticing it gone); then
 * a SIGKILL of the other broker that is not the controller, after which the controller leads every
 * partition and describe says so. The timings against the partition count are the partitions
 * benchmark's (bench/partitions.ts); here only that it works at this size.
 */
import { Admin } from '../../src/client/admin';
import { ZkPaths } from '../../src/coordination/paths';
import { ZkClient } from '../../src/coordination/zk-client';
import { pipelined } from '../../src/coordination/zk-pipeline';
import { parsePartitionState } from '../../src/coordination/znodes';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(900_000);

const topic = 'many';
const partitions = 5_000;
const replicationFactor = 3;
/**
 * Each step's deadline, generous for a loaded 2-core machine: quiet, 5,000 partitions RF 3 are led
 * in about 5 s and led again after a SIGKILL in 6.5 s (docs/benchmarks.md, partitions); at load
 * 15-25 creation took 20-60 s.
 */
const stepTimeoutMs = 240_000;

type Described = { partition: number; leader: number; replicas: number[]; isr: number[] };

/** Partition lines of `josef topic describe` (Kafka's format). */
function describedPartitions(stdout: string): Described[] {
  return [...stdout.matchAll(/^\tTopic: many +Partition: (\d+) +Leader: (-?\d+|none) +Replicas: ([\d,]+) +Isr: ([\d,]*)/gm)].map((m) => ({
    partition: Number(m[1]),
    leader: m[2] === 'none' ? -1 : Number(m[2]),
    replicas: m[3].split(',').map(Number),
    isr: m[4] === '' ? [] : m[4].split(',').map(Number),
  }));
}

/** Polls Metadata from `bootstrapServers` until every partition of the topic satisfies `led`. */
async function untilEveryPartition(bootstrapServers: string, led: (p: { leader: number; isr: number[] }) => boolean, message: string): Promise<void> {
  const admin = new Admin({ bootstrapServers, logger: quietLogger, requestTimeoutMs: 30_000 });
  try {
    await waitFor(async () => {
      const now = (await admin.describeTopics([topic]).catch(() => []))[0]?.partitions ?? [];
      return now.length === partitions && now.every(led);
    }, { timeoutMs: stepTimeoutMs, intervalMs: 500, message });
  } finally {
    await admin.close();
  }
}

describe('5,000 partitions', () => {
  let cluster: TestCluster | undefined;
  let zk: ZkClient | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-many-partitions', {
      brokers: 3,
      overrides: { 'zookeeper.session.timeout.ms': '6000', 'auto.leader.rebalance.enable': 'false' },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
  });
  afterAll(async () => {
    await zk?.close();
    // A clean stop of brokers holding thousands of partitions would take most of the test's time again.
    for (const b of cluster?.cluster.brokers() ?? []) if (b.running) await cluster?.cluster.stopBroker(b.id, 'SIGKILL');
    await cluster?.stop();
  });

  it('are created and led, described, moved by a controlled shutdown, and led by the last broker after a SIGKILL', async () => {
    const c = (cluster as TestCluster).cluster;
    const admin = new Admin({ bootstrapServers: c.bootstrapServers, logger: quietLogger, requestTimeoutMs: stepTimeoutMs + 30_000 });
    try {
      await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor }], { timeoutMs: stepTimeoutMs });
    } finally {
      await admin.close();
    }
    await untilEveryPartition(c.bootstrapServers, (p) => p.leader >= 1 && p.isr.length === replicationFactor, `all ${partitions} partitions led with a full ISR`);

    const zookeeper = ['--zookeeper', (cluster as TestCluster).zookeeperConnect];
    const described = await runJosef(['topic', 'describe', topic, '--bootstrap-server', c.bootstrapServers, ...zookeeper]);
    expect([described.code, described.stderr]).toEqual([0, '']);
    const lines = describedPartitions(described.stdout);
    expect(lines).toHaveLength(partitions);
    expect(lines.every((l) => l.replicas.includes(l.leader))).toBe(true);

    // Controlled shutdown: when the broker's registration goes (its session closed as it exits),
    // the state znodes must already show none of its leaderships; read at once, before the
    // controller could have handled the broker's disappearance itself.
    const controller = await c.controllerId() as number;
    const [leaving, killed] = [1, 2, 3].filter((id) => id !== controller);
    expect(lines.filter((l) => l.leader === leaving).length).toBeGreaterThan(partitions / 6);
    const zkClient = zk as ZkClient;
    let gone: () => void = () => undefined;
    const deregistered = new Promise<void>((resolve) => { gone = resolve; });
    expect(await zkClient.exists(ZkPaths.broker(leaving), (event) => { if (event.type === 'deleted') gone(); })).not.toBeNull();
    const exited = c.stopBroker(leaving, 'SIGTERM');
    await deregistered;
    const stillLed = (await pipelined(lines, async ({ partition }) => {
      const path = ZkPaths.partitionState(topic, partition);
      return parsePartitionState(path, (await zkClient.getData(path)).data).leader === leaving ? partition : undefined;
    })).filter((p) => p !== undefined);
    expect(stillLed).toEqual([]);
    expect(await exited).toBe(0);
    const others = c.bootstrapServers;
    await untilEveryPartition(others, (p) => p.leader >= 1 && p.leader !== leaving, `every partition led by a broker other than ${leaving}`);

    // Failover after a SIGKILL: the controller, the last ISR member left, leads everything.
    await c.stopBroker(killed, 'SIGKILL');
    await untilEveryPartition(c.bootstrapServers, (p) => p.leader === controller, `every partition led by broker ${controller}`);
    const after = await runJosef(['topic', 'describe', topic, '--under-replicated-partitions', '--bootstrap-server', c.bootstrapServers, ...zookeeper]);
    expect([after.code, after.stderr]).toEqual([0, '']);
    const underReplicated = describedPartitions(after.stdout);
    expect(underReplicated).toHaveLength(partitions);
    expect(underReplicated.every((l) => l.leader === controller && l.isr.join(',') === String(controller))).toBe(true);
  });
});
