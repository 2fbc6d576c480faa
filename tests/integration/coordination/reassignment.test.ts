/**
 * Partition reassignment by the controller against the real ZooKeeper, with a recording channel
 * for what it tells brokers: bad and pointless request entries dropped, the good one started
 * (RS with adding/removing replicas in the topic znode, LeaderAndIsr to RS with the new replica
 * new), completed when the leader adds the new replica to the ISR (seen through the state znode's
 * watch alone), and a reassignment whose controller died finished by the next one.
 */
import { writeLeaderAndIsr } from '../../../src/coordination/isr-change';
import { ZkPaths } from '../../../src/coordination/paths';
import { createTopic } from '../../../src/admin/topic-admin';
import type { ZkClient } from '../../../src/coordination/zk-client';
import { parsePartitionReassignment, parseTopicZnode, type TopicZnode } from '../../../src/coordination/znodes';
import { ApiKey } from '../../../src/protocol/api-keys';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { ControllerHarness, type TestBroker } from './controller-harness';

jest.setTimeout(60_000);

let h: ControllerHarness;
afterEach(async () => {
  await h.close();
});

const topicZnode = async (zk: ZkClient, topic: string): Promise<TopicZnode> => parseTopicZnode(ZkPaths.topic(topic), (await zk.getData(ZkPaths.topic(topic))).data);

async function topicWithLeaders(c: TestBroker, topic: string, assignment: [number, number[]][]): Promise<void> {
  await createTopic(c.zk, { name: topic, numPartitions: -1, replicationFactor: -1, assignments: new Map(assignment), configs: {} }, []);
  await waitFor(async () => (await c.zk.exists(ZkPaths.partitionState(topic, assignment.length - 1))) !== null, { timeoutMs: 10_000, message: `state znodes of ${topic}` });
  await c.controller.idle();
}

/** What a leader does when a follower caught up: add it to the ISR with a conditional write (no isr_change_notification). */
async function addToIsr(zk: ZkClient, topic: string, replica: number): Promise<void> {
  const s = await h.state(zk, topic, 0);
  expect(await writeLeaderAndIsr(zk, { topic, partition: 0 }, { ...s, isr: [...s.isr, replica] }, s.zkVersion)).toMatchObject({ updated: true });
}

async function request(zk: ZkClient, partitions: unknown[]): Promise<void> {
  await zk.create(ZkPaths.reassignPartitions, Buffer.from(JSON.stringify({ version: 1, partitions })), 'persistent', { createParents: true });
}

const requestGone = (zk: ZkClient) => waitFor(async () => (await zk.exists(ZkPaths.reassignPartitions)) === null, {
  timeoutMs: 15_000, message: `the controller to delete ${ZkPaths.reassignPartitions}`,
});

describe('partition reassignment through /admin/reassign_partitions', () => {
  it('drops bad and pointless entries, moves the good one once the new replica is in the ISR, and deletes the request', async () => {
    h = new ControllerHarness(testChroot('reassignment'));
    const c = await h.broker(1);
    for (const id of [2, 3]) await h.broker(id, { start: false });
    await topicWithLeaders(c, 't', [[0, [1, 2]], [1, [1, 2]]]);
    const before = await h.state(c.zk, 't', 0);
    c.channel.clear();

    await request(c.zk, [
      { topic: 't', partition: 0, replicas: [2, 3] },
      { topic: 't', partition: 1, replicas: [1, 2] }, // already so
      { topic: 'gone', partition: 0, replicas: [1] }, // unknown topic
      { topic: 't', partition: 7, replicas: [1] }, // unknown partition
      { topic: 't', partition: 1, replicas: [] }, // malformed
      'junk',
    ]);
    await waitFor(async () => (await topicZnode(c.zk, 't')).addingReplicas.has(0), { timeoutMs: 10_000, message: 'the move to start' });
    await c.controller.idle();
    const moving = await topicZnode(c.zk, 't');
    expect(moving.partitions.get(0)).toEqual([2, 3, 1]);
    expect(moving.addingReplicas.get(0)).toEqual([3]);
    expect(moving.removingReplicas.get(0)).toEqual([1]);
    expect(moving.partitions.get(1)).toEqual([1, 2]);
    const node = await c.zk.getData(ZkPaths.reassignPartitions);
    expect(parsePartitionReassignment(ZkPaths.reassignPartitions, node.data)).toEqual({ valid: [{ topic: 't', partition: 0, replicas: [2, 3] }], invalid: [] });
    expect((await h.state(c.zk, 't', 0)).leaderEpoch).toBe(before.leaderEpoch + 1);
    const toNew = c.channel.of(ApiKey.LeaderAndIsr, 3).flatMap((r) => r.partitionStates);
    expect(toNew).toEqual([expect.objectContaining({ topic: 't', partition: 0, replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1], isNew: true })]);
    expect(c.channel.of(ApiKey.LeaderAndIsr, 1).flatMap((r) => r.partitionStates)).toEqual([expect.objectContaining({ isNew: false, leader: 1 })]);

    await addToIsr(c.zk, 't', 3);
    await requestGone(c.zk);
    await c.controller.idle();
    const done = await topicZnode(c.zk, 't');
    expect(done.partitions.get(0)).toEqual([2, 3]);
    expect(done.addingReplicas.size + done.removingReplicas.size).toBe(0);
    // Broker 1 led and is not in the target: broker 2, first of the target in the ISR, leads; 1 left the ISR.
    expect(await h.state(c.zk, 't', 0)).toMatchObject({ leader: 2, isr: [2, 3] });
    const stops = c.channel.of(ApiKey.StopReplica, 1);
    expect(stops.map((s) => [s.deletePartitions, s.partitions])).toEqual([[false, [{ topic: 't', partition: 0 }]], [true, [{ topic: 't', partition: 0 }]]]);
    expect(c.channel.of(ApiKey.UpdateMetadata, 2).at(-1)?.partitionStates).toEqual([expect.objectContaining({ topic: 't', partition: 0, replicas: [2, 3], leader: 2 })]);
  });

  it('a new controller finishes a reassignment its predecessor started', async () => {
    h = new ControllerHarness(testChroot('reassignment-failover'));
    const first = await h.broker(1);
    const second = await h.broker(2);
    for (const id of [3, 4]) await h.broker(id, { start: false });
    expect(first.controller.isActive).toBe(true);
    await topicWithLeaders(first, 'f', [[0, [2, 3]]]);
    await request(first.zk, [{ topic: 'f', partition: 0, replicas: [3, 4] }]);
    await waitFor(async () => (await topicZnode(first.zk, 'f')).addingReplicas.has(0), { timeoutMs: 10_000, message: 'the move to start' });
    await first.controller.idle();
    await first.kill();
    await waitFor(() => second.controller.isActive, { timeoutMs: 15_000, message: 'broker 2 to become controller' });
    await second.controller.idle();
    // The new controller resumed it: the new replica heard LeaderAndIsr from it.
    expect(second.channel.of(ApiKey.LeaderAndIsr, 4).flatMap((r) => r.partitionStates)).toContainEqual(expect.objectContaining({ topic: 'f', addingReplicas: [4], isNew: true }));

    await addToIsr(second.zk, 'f', 4);
    await requestGone(second.zk);
    await second.controller.idle();
    expect((await topicZnode(second.zk, 'f')).partitions.get(0)).toEqual([3, 4]);
    expect(await h.state(second.zk, 'f', 0)).toMatchObject({ leader: 3, isr: [3, 4] });
    expect(second.channel.of(ApiKey.StopReplica, 2).map((s) => s.deletePartitions)).toEqual([false, true]);
  });
});
