/**
 * The elections ElectLeaders asks the controller for, against the real ZooKeeper with a recording
 * channel: preferred (moved, not needed, preferred replica out of the ISR, unknown partitions) and
 * unclean (a leader from outside the ISR, none alive, a live leader already), each partition
 * answered with Kafka's error code; a broker that is not the controller refuses.
 */
import { ErrorCode } from '../../../src/common/errors';
import { writeLeaderAndIsr } from '../../../src/coordination/isr-change';
import { ZkPaths } from '../../../src/coordination/paths';
import { createTopic } from '../../../src/admin/topic-admin';
import { ApiKey } from '../../../src/protocol/api-keys';
import { ElectionType, type TopicPartition } from '../../../src/protocol/messages';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { ControllerHarness, type TestBroker } from './controller-harness';

jest.setTimeout(60_000);

let h: ControllerHarness;
afterEach(async () => h.close());

const tp = (topic: string, partition = 0): TopicPartition => ({ topic, partition });

async function topicWithLeaders(c: TestBroker, topic: string, assignment: [number, number[]][]): Promise<void> {
  await createTopic(c.zk, { name: topic, numPartitions: -1, replicationFactor: -1, assignments: new Map(assignment), configs: {} }, []);
  await waitFor(async () => (await c.zk.exists(ZkPaths.partitionState(topic, assignment.length - 1))) !== null, { timeoutMs: 10_000, message: `state znodes of ${topic}` });
  await c.controller.idle();
}

/** Changes a partition's leader and ISR behind the controller's back, as a leader or an earlier failover would have. */
async function setState(c: TestBroker, partition: TopicPartition, change: { leader?: number; isr?: number[] }): Promise<void> {
  const s = await h.state(c.zk, partition.topic, partition.partition);
  await writeLeaderAndIsr(c.zk, partition, { ...s, ...change, leaderEpoch: s.leaderEpoch + 1 }, s.zkVersion);
}

describe('ElectLeaders at the controller', () => {
  it('preferred: moves leadership to the preferred replica where it can, and says why not elsewhere', async () => {
    h = new ControllerHarness(testChroot('admin-election-preferred'));
    const c = await h.broker(1);
    const b2 = await h.broker(2, { start: false });
    await h.broker(3, { start: false });
    await topicWithLeaders(c, 'el', [[0, [2, 1, 3]], [1, [1, 2, 3]], [2, [3, 1, 2]]]);
    await setState(c, tp('el', 0), { leader: 1 });
    await setState(c, tp('el', 2), { leader: 1, isr: [1, 2] });
    const before = await h.state(c.zk, 'el', 0);
    c.channel.clear();

    const results = await c.controller.electLeaders([tp('el', 0), tp('el', 1), tp('el', 2), tp('el', 9), tp('ghost'), tp('el', 0)], ElectionType.PREFERRED);

    expect(results.map((r) => [`${r.topic}-${r.partition}`, r.errorCode, r.leader])).toEqual([
      ['el-0', 0, 2],
      ['el-1', ErrorCode.ELECTION_NOT_NEEDED.code, undefined],
      ['el-2', ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE.code, undefined],
      ['el-9', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, undefined],
      ['ghost-0', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, undefined],
    ]);
    expect(results.find((r) => r.partition === 2)?.errorMessage).toBe('el-2: preferred replica is not in the ISR (preferred replica 3)');
    expect(await h.state(c.zk, 'el', 0)).toMatchObject({ leader: 2, isr: before.isr, leaderEpoch: before.leaderEpoch + 1 });
    expect(c.channel.of(ApiKey.LeaderAndIsr).flatMap((r) => r.partitionStates.map((s) => `${s.topic}-${s.partition}:${s.leader}`))).toEqual(['el-0:2', 'el-0:2', 'el-0:2']);
    expect(c.channel.of(ApiKey.UpdateMetadata).flatMap((r) => r.partitionStates.map((s) => `${s.topic}-${s.partition}:${s.leader}`))).toContain('el-0:2');

    await expect(b2.controller.electLeaders([tp('el', 0)], ElectionType.PREFERRED)).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER.code });
  });

  it('unclean: a partition without a live leader gets any live replica, even outside its ISR', async () => {
    h = new ControllerHarness(testChroot('admin-election-unclean'));
    const c = await h.broker(1);
    const b2 = await h.broker(2, { start: false });
    await h.broker(3, { start: false });
    await topicWithLeaders(c, 'dirty', [[0, [2, 3]]]);
    await topicWithLeaders(c, 'lost', [[0, [2]]]);
    await topicWithLeaders(c, 'fine', [[0, [3, 2]]]);
    // Broker 3 fell behind on dirty-0; then broker 2, its only in-sync replica, dies: offline (unclean.leader.election.enable is false).
    await setState(c, tp('dirty'), { isr: [2] });
    await b2.kill();
    await waitFor(async () => (await h.state(c.zk, 'dirty', 0)).leader === -1 && (await h.state(c.zk, 'lost', 0)).leader === -1, {
      timeoutMs: 15_000, message: 'dirty-0 and lost-0 offline',
    });
    await c.controller.idle();

    const results = await c.controller.electLeaders([tp('dirty'), tp('lost'), tp('fine')], ElectionType.UNCLEAN);

    expect(results.map((r) => [r.topic, r.errorCode, r.leader])).toEqual([
      ['dirty', 0, 3],
      ['lost', ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE.code, undefined],
      ['fine', ErrorCode.ELECTION_NOT_NEEDED.code, undefined],
    ]);
    expect(await h.state(c.zk, 'dirty', 0)).toMatchObject({ leader: 3, isr: [3] });
    expect(await h.state(c.zk, 'lost', 0)).toMatchObject({ leader: -1 });
  });
});
