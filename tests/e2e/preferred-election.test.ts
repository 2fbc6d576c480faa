/**
 * Preferred-leader election with real broker processes: three brokers and an RF=3 topic; the
 * preferred leader is stopped (SIGTERM: controlled shutdown moves its leadership away) and
 * started again; once it is back in the ISR, `josef topic elect-leaders` gives it the leadership
 * back, and with auto.leader.rebalance.enable on a short interval the controller does so by itself.
 */
import { ZkClient } from '../../src/coordination/zk-client';
import { ZkPaths } from '../../src/coordination/paths';
import { parsePartitionState, parseTopicAssignment, type PartitionStateZnode } from '../../src/coordination/znodes';
import { ApiKey } from '../../src/protocol/api-keys';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const overrides = { 'zookeeper.session.timeout.ms': '4000', 'replica.lag.time.max.ms': '3000', 'replica.fetch.backoff.ms': '100' };

interface Story {
  cluster: TestCluster;
  zk: ZkClient;
}

async function startStory(name: string, extra: Record<string, string>): Promise<Story> {
  const cluster = await startTestCluster(name, { brokers: 3, overrides: { ...overrides, ...extra } });
  const zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect });
  return { cluster, zk };
}

async function endStory(story: Story | undefined): Promise<void> {
  await story?.zk.close();
  await story?.cluster.stop();
}

async function state({ zk }: Story, topic: string): Promise<PartitionStateZnode> {
  const path = ZkPaths.partitionState(topic, 0);
  return parsePartitionState(path, (await zk.getData(path)).data);
}

/** Creates an RF=3 topic of one partition and returns its preferred replica, once it leads with a full ISR. */
async function createTopic(story: Story, name: string): Promise<number> {
  const conn = await story.cluster.connect(story.cluster.cluster.brokers()[0].id);
  const response = await conn.send(ApiKey.CreateTopics, {
    topics: [{ name, numPartitions: 1, replicationFactor: 3, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
  });
  expect(response.topics[0].errorCode).toBe(0);
  const preferred = parseTopicAssignment(ZkPaths.topic(name), (await story.zk.getData(ZkPaths.topic(name))).data).get(0)?.[0] as number;
  await waitFor(async () => {
    const s = await state(story, name);
    return s.leader === preferred && s.isr.length === 3;
  }, { timeoutMs: 20_000, message: `${name} to be led by broker ${preferred} with a full ISR` });
  return preferred;
}

/** SIGTERM the preferred leader (leadership moves), start it again, and wait until it is back in the ISR. */
async function bouncePreferred(story: Story, topic: string, preferred: number): Promise<PartitionStateZnode> {
  expect(await story.cluster.cluster.stopBroker(preferred, 'SIGTERM')).toBe(0);
  const moved = await waitFor(async () => {
    const s = await state(story, topic);
    return s.leader >= 0 && s.leader !== preferred ? s : undefined;
  }, { timeoutMs: 20_000, message: `${topic} to be led by another broker than ${preferred}` });
  await story.cluster.cluster.startBroker(preferred);
  return waitFor(async () => {
    const s = await state(story, topic);
    return s.isr.includes(preferred) ? s : undefined;
  }, { timeoutMs: 30_000, message: `broker ${preferred} back in the ISR of ${topic} (led by ${moved.leader})` });
}

/** Every broker's metadata names `leader` for partition 0 of `topic`. */
async function everyBrokerSees(story: Story, topic: string, leader: number): Promise<void> {
  for (const b of story.cluster.cluster.brokers()) {
    const conn = await story.cluster.connect(b.id);
    await waitFor(async () => {
      const md = await conn.send(ApiKey.Metadata, { topics: [topic], allowAutoTopicCreation: false });
      return md.topics[0]?.partitions[0]?.leader === leader;
    }, { timeoutMs: 10_000, message: `broker ${b.id} to know broker ${leader} leads ${topic}` });
  }
}

describe('josef topic elect-leaders', () => {
  let story: Story | undefined;
  beforeAll(async () => {
    story = await startStory('e2e-preferred-cli', { 'auto.leader.rebalance.enable': 'false' });
  });
  afterAll(() => endStory(story));

  it('moves leadership back to the preferred replica once it has rejoined the ISR', async () => {
    const s = story as Story;
    const preferred = await createTopic(s, 'back-home');
    const rejoined = await bouncePreferred(s, 'back-home', preferred);
    expect(rejoined.leader).not.toBe(preferred);

    const run = await runJosef(['topic', 'elect-leaders', '--topic', 'back-home', '--zookeeper', s.cluster.zookeeperConnect]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const row = run.stdout.split('\n').find((l) => l.startsWith('back-home'));
    expect(row?.split(/\s{2,}/)).toEqual(['back-home', '0', String(preferred), String(rejoined.leader), String(preferred), 'moved']);
    expect(run.stdout).toContain('1 partition(s): 1 moved to their preferred replica, 0 not led by it.');
    expect(await state(s, 'back-home')).toMatchObject({ leader: preferred, leaderEpoch: rejoined.leaderEpoch + 1 });
    await everyBrokerSees(s, 'back-home', preferred);
    expect(await s.zk.exists(ZkPaths.preferredReplicaElection)).toBeNull();
  });
});

describe('auto.leader.rebalance.enable', () => {
  let story: Story | undefined;
  beforeAll(async () => {
    story = await startStory('e2e-preferred-auto', { 'leader.imbalance.check.interval.seconds': '1' });
  });
  afterAll(() => endStory(story));

  it('gives the returning preferred replica its leadership back without being asked', async () => {
    const s = story as Story;
    const preferred = await createTopic(s, 'rebalanced');
    await bouncePreferred(s, 'rebalanced', preferred);
    await waitFor(async () => (await state(s, 'rebalanced')).leader === preferred, { timeoutMs: 20_000, message: `broker ${preferred} leading rebalanced again` });
    await everyBrokerSees(s, 'rebalanced', preferred);
  });
});
