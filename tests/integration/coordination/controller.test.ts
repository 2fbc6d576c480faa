/**
 * The controller against the real ZooKeeper, with a recording channel for what it tells brokers:
 * election and epochs, fencing, new topics, broker failure and return, topic deletion, ISR change
 * notifications and controlled shutdown.
 */
import { ErrorCode } from '../../../src/common/errors';
import { writeLeaderAndIsr, notifyIsrChange } from '../../../src/coordination/isr-change';
import { ZkPaths } from '../../../src/coordination/paths';
import { createTopic, markTopicForDeletion } from '../../../src/admin/topic-admin';
import { parseController } from '../../../src/coordination/znodes';
import { ApiKey } from '../../../src/protocol/api-keys';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { ControllerHarness, type TestBroker } from './controller-harness';

let h: ControllerHarness;
afterEach(async () => h.close());

const epochOf = async (b: TestBroker): Promise<number> => Number((await b.zk.getData(ZkPaths.controllerEpoch)).data.toString());
const first = () => 0;
const idle = (...brokers: TestBroker[]) => Promise.all(brokers.map((b) => b.controller.idle()));

async function topicWithLeaders(b: TestBroker, topic: string, assignment: [number, number[]][]): Promise<void> {
  await createTopic(b.zk, { name: topic, numPartitions: -1, replicationFactor: -1, assignments: new Map(assignment), configs: {} }, [], first);
  const last = assignment.length - 1;
  await waitFor(async () => (await b.zk.exists(ZkPaths.partitionState(topic, last))) !== null, { timeoutMs: 10_000, message: `state znodes of ${topic}` });
  await b.controller.idle();
}

describe('controller election', () => {
  it('elects one controller, raises /controller_epoch, and a survivor takes over with a higher epoch', async () => {
    h = new ControllerHarness(testChroot('controller-election'));
    const b1 = await h.broker(1);
    const b2 = await h.broker(2);
    expect([b1.controller.isActive, b2.controller.isActive]).toEqual([true, false]);
    expect(b1.controller.epoch).toBe(1);
    expect(b2.controller.activeControllerId).toBe(1);
    expect(parseController(ZkPaths.controller, (await b2.zk.getData(ZkPaths.controller)).data).brokerId).toBe(1);
    expect(await epochOf(b2)).toBe(1);

    const resigned = new Promise<void>((resolve) => b1.controller.once('resigned', resolve));
    const elected = new Promise<number>((resolve) => b2.controller.once('elected', resolve));
    await b1.kill();
    await resigned;
    expect(await elected).toBe(2);
    expect(b2.controller.isActive).toBe(true);
    expect(await epochOf(b2)).toBe(2);
  });

  it('races again when /controller is deleted by hand, and exactly one broker wins with a higher epoch', async () => {
    h = new ControllerHarness(testChroot('controller-delete-znode'));
    const brokers = [await h.broker(1), await h.broker(2), await h.broker(3)];
    const observer = await h.session();
    await observer.delete(ZkPaths.controller, -1);
    await waitFor(async () => (await observer.exists(ZkPaths.controller)) !== null && (await epochOf(brokers[0])) === 2, { timeoutMs: 10_000, message: 'a new controller with epoch 2' });
    await idle(...brokers);
    const active = brokers.filter((b) => b.controller.isActive);
    expect(active).toHaveLength(1);
    expect(active[0].controller.epoch).toBe(2);
    for (const b of brokers) expect(b.controller.activeControllerId).toBe(active[0].id);
  });

  it('is fenced: once /controller_epoch moved on, its writes fail, it resigns, frees /controller and races again', async () => {
    h = new ControllerHarness(testChroot('controller-fencing'));
    const b1 = await h.broker(1);
    const observer = await h.session();
    // As if another controller had raised the epoch meanwhile (a zombie controller's view).
    await observer.setData(ZkPaths.controllerEpoch, Buffer.from('5'), -1);
    const resigned = new Promise<void>((resolve) => b1.controller.once('resigned', resolve));
    const elected = new Promise<number>((resolve) => b1.controller.once('elected', resolve));
    await createTopic(observer, { name: 'fenced', numPartitions: 1, replicationFactor: 1, configs: {} }, [1]);
    await resigned;
    expect(await elected).toBe(6);
    await waitFor(async () => (await observer.exists(ZkPaths.partitionState('fenced', 0))) !== null, { timeoutMs: 10_000, message: 'the partition state, written by the new term' });
    expect(await h.state(observer, 'fenced', 0)).toMatchObject({ leader: 1, controllerEpoch: 6 });
  });
});

describe('controller and topics', () => {
  it('gives a new topic leaders in state znodes and sends LeaderAndIsr to its replicas and UpdateMetadata to all', async () => {
    h = new ControllerHarness(testChroot('controller-new-topic'));
    const [b1, b2, b3] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    b1.channel.clear();
    const assignment = await createTopic(b1.zk, { name: 'orders', numPartitions: 3, replicationFactor: 3, configs: {} }, [1, 2, 3], first);
    expect(Object.fromEntries(assignment)).toEqual({ 0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2] });
    await waitFor(async () => (await b1.zk.exists(ZkPaths.partitionState('orders', 2))) !== null, { timeoutMs: 10_000, message: 'state znodes' });
    await b1.controller.idle();
    expect(await h.state(b1.zk, 'orders', 0)).toEqual({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1, zkVersion: 0 });
    expect(await h.state(b1.zk, 'orders', 2)).toMatchObject({ leader: 3, isr: [3, 1, 2] });
    for (const b of [b1, b2, b3]) {
      const [leaderAndIsr] = b1.channel.of(ApiKey.LeaderAndIsr, b.id);
      expect(leaderAndIsr).toMatchObject({ controllerId: 1, controllerEpoch: 1, brokerEpoch: b.brokerEpoch });
      expect(leaderAndIsr.partitionStates.map((p) => [p.partition, p.leader, p.isNew])).toEqual([[0, 1, true], [1, 2, true], [2, 3, true]]);
      expect(leaderAndIsr.liveLeaders.map((e) => e.nodeId)).toEqual([1, 2, 3]);
      const updates = b1.channel.of(ApiKey.UpdateMetadata, b.id);
      expect(updates.some((u) => u.partitionStates.length === 3 && u.brokerEpoch === b.brokerEpoch && u.liveBrokers.length === 3)).toBe(true);
    }
  });

  it('goes on serving the other topics when one topic znode is malformed', async () => {
    h = new ControllerHarness(testChroot('controller-malformed'));
    const b1 = await h.broker(1);
    await b1.zk.create(ZkPaths.topic('garbled'), Buffer.from('{"partitions":"zero"}'));
    await topicWithLeaders(b1, 'fine', [[0, [1]]]);
    expect(b1.controller.isActive).toBe(true);
    expect(b1.controller.epoch).toBe(1);
    expect(await b1.zk.exists(ZkPaths.topicPartitions('garbled'))).toBeNull();
  });

  it('initializes topics created while no controller was running', async () => {
    h = new ControllerHarness(testChroot('controller-startup-topics'));
    const observer = await h.session();
    await createTopic(observer, { name: 'early', numPartitions: 2, replicationFactor: 1, assignments: new Map([[0, [1]], [1, [1]]]), configs: {} }, []);
    const b1 = await h.broker(1);
    await b1.controller.idle();
    expect(await h.state(observer, 'early', 1)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 0 });
  });

  it('deletes a topic once every replica stopped and deleted it, waiting for a replica whose broker is down', async () => {
    h = new ControllerHarness(testChroot('controller-delete'));
    const b1 = await h.broker(1);
    const b2 = await h.broker(2);
    await topicWithLeaders(b1, 'gone', [[0, [1, 2]], [1, [2, 1]]]);
    await b2.kill();
    await waitFor(() => b1.channel.of(ApiKey.UpdateMetadata, 1).some((u) => u.liveBrokers.length === 1), { timeoutMs: 10_000, message: 'broker 2 seen dead' });
    b1.channel.clear();
    await markTopicForDeletion(b1.zk, 'gone');
    await waitFor(() => b1.channel.of(ApiKey.StopReplica, 1).length > 0, { timeoutMs: 10_000, message: 'StopReplica to broker 1' });
    await b1.controller.idle();
    expect(b1.channel.of(ApiKey.UpdateMetadata, 1).some((u) => u.deletedTopics.includes('gone'))).toBe(true);
    expect(b1.channel.of(ApiKey.StopReplica, 1)[0]).toMatchObject({ deletePartitions: true, partitions: [{ topic: 'gone', partition: 0 }, { topic: 'gone', partition: 1 }] });
    expect(await b1.zk.exists(ZkPaths.topic('gone'))).not.toBeNull(); // broker 2 still holds replicas

    const b2again = await h.broker(2);
    await waitFor(async () => (await b1.zk.exists(ZkPaths.topic('gone'))) === null, { timeoutMs: 10_000, message: 'the topic znode deleted' });
    await b1.controller.idle();
    expect(b1.channel.of(ApiKey.StopReplica, 2)[0]).toMatchObject({ deletePartitions: true, brokerEpoch: b2again.brokerEpoch });
    expect(await b1.zk.exists(ZkPaths.topicConfig('gone'))).toBeNull();
    expect(await b1.zk.exists(ZkPaths.deleteTopic('gone'))).toBeNull();
    // The name is free again.
    await topicWithLeaders(b1, 'gone', [[0, [2]]]);
    expect(await h.state(b1.zk, 'gone', 0)).toMatchObject({ leader: 2 });
  });

  it('re-reads partitions named by an ISR change notification, tells every broker, and deletes the notification', async () => {
    h = new ControllerHarness(testChroot('controller-isr-change'));
    const b1 = await h.broker(1);
    await h.broker(2);
    await topicWithLeaders(b1, 'isr', [[0, [1, 2]]]);
    const before = await h.state(b1.zk, 'isr', 0);
    const tp = { topic: 'isr', partition: 0 };
    // The leader shrinks the ISR as Kafka's Partition.updateIsr does: conditional on the zkVersion it knows.
    const shrunk = { ...before, isr: [1] };
    expect(await writeLeaderAndIsr(b1.zk, tp, shrunk, before.zkVersion)).toEqual({ updated: true, zkVersion: before.zkVersion + 1 });
    expect(await writeLeaderAndIsr(b1.zk, tp, { ...before, isr: [1, 2] }, before.zkVersion)).toMatchObject({ updated: false });
    b1.channel.clear();
    const path = await notifyIsrChange(b1.zk, [tp]);
    expect(path).toMatch(/^\/isr_change_notification\/isr_change_\d{10}$/);
    await waitFor(async () => (await b1.zk.exists(path)) === null, { timeoutMs: 10_000, message: 'the notification handled' });
    await b1.controller.idle();
    for (const id of [1, 2]) {
      expect(b1.channel.of(ApiKey.UpdateMetadata, id).some((u) => u.partitionStates.some((p) => p.topic === 'isr' && p.isr.join() === '1'))).toBe(true);
    }
  });
});

describe('controller and broker failures', () => {
  it('moves leaderships of a dead broker (leader epoch raised), shrinks ISRs, and brings partitions back when it returns', async () => {
    h = new ControllerHarness(testChroot('controller-broker-failure'));
    const [b1, b2, b3] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    await topicWithLeaders(b1, 'orders', [[0, [1, 2, 3]], [1, [2, 3, 1]], [2, [3, 1, 2]]]);
    await topicWithLeaders(b1, 'solo', [[0, [3]]]);
    b1.channel.clear();
    await b3.kill();
    await waitFor(async () => (await h.state(b1.zk, 'orders', 2)).leader !== 3, { timeoutMs: 10_000, message: 'a new leader for orders-2' });
    await b1.controller.idle();
    expect(await h.state(b1.zk, 'orders', 2)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2] });
    expect(await h.state(b1.zk, 'orders', 0)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2] });
    expect(await h.state(b1.zk, 'solo', 0)).toMatchObject({ leader: -1, leaderEpoch: 1, isr: [3] });
    expect(b1.channel.of(ApiKey.LeaderAndIsr, 3)).toEqual([]);
    for (const id of [1, 2]) {
      const states = b1.channel.of(ApiKey.LeaderAndIsr, id).flatMap((r) => r.partitionStates);
      expect(states.find((p) => p.topic === 'orders' && p.partition === 2)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 2] });
      // Two batches, Kafka's order: the partitions broker 3 led (solo-0, orders-2), then the ISRs it leaves.
      const updates = b1.channel.of(ApiKey.UpdateMetadata, id);
      expect(updates.map((u) => u.liveBrokers.map((b) => b.id))).toEqual([[1, 2], [1, 2]]);
      expect(updates[0].partitionStates.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(['orders-2', 'solo-0']);
      expect(updates[0].partitionStates.find((p) => p.topic === 'solo')).toMatchObject({ leader: -1, offlineReplicas: [3] });
      expect(updates[1].partitionStates.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(['orders-0', 'orders-1']);
    }

    b1.channel.clear();
    const back = await h.broker(3);
    await waitFor(async () => (await h.state(b1.zk, 'solo', 0)).leader === 3, { timeoutMs: 10_000, message: 'solo-0 back online' });
    await b1.controller.idle();
    expect(await h.state(b1.zk, 'solo', 0)).toMatchObject({ leader: 3, leaderEpoch: 2, isr: [3] });
    const toReturned = b1.channel.of(ApiKey.LeaderAndIsr, 3).flatMap((r) => r.partitionStates.map((p) => `${p.topic}-${p.partition}`));
    expect(new Set(toReturned)).toEqual(new Set(['orders-0', 'orders-1', 'orders-2', 'solo-0']));
    expect(b1.channel.of(ApiKey.LeaderAndIsr, 3).every((r) => r.brokerEpoch === back.brokerEpoch)).toBe(true);
    expect(b1.channel.of(ApiKey.UpdateMetadata, 3).some((u) => u.partitionStates.length === 4)).toBe(true);
    expect(b1.channel.of(ApiKey.UpdateMetadata, 2).some((u) => u.liveBrokers.length === 3)).toBe(true);
  });

  it('re-reads a state znode its leader changed meanwhile (even from zkVersion 0) instead of electing from a stale ISR', async () => {
    h = new ControllerHarness(testChroot('controller-stale-isr'));
    const [b1, b2] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    await topicWithLeaders(b1, 'orders', [[0, [2, 3, 1]]]);
    const s = await h.state(b1.zk, 'orders', 0);
    expect(s).toMatchObject({ leader: 2, isr: [2, 3, 1], zkVersion: 0 });
    // Leader 2 drops lagging broker 3 from the ISR; the controller has not heard of it yet.
    await writeLeaderAndIsr(b1.zk, { topic: 'orders', partition: 0 }, { ...s, isr: [2, 1] }, s.zkVersion);
    await b2.kill();
    await waitFor(async () => (await h.state(b1.zk, 'orders', 0)).leader !== 2, { timeoutMs: 10_000, message: 'a new leader for orders-0' });
    // Broker 3 comes first in the replica list but is out of sync: broker 1 must lead.
    expect(await h.state(b1.zk, 'orders', 0)).toMatchObject({ leader: 1, isr: [1], leaderEpoch: 1, zkVersion: 2 });
  });

  it('takes a dying follower out of an ISR its leader expanded meanwhile, though its cached ISR lacks it', async () => {
    h = new ControllerHarness(testChroot('controller-expanded-isr'));
    const [b1, , b3] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    await topicWithLeaders(b1, 'orders', [[0, [2, 3, 1]]]);
    const s = await h.state(b1.zk, 'orders', 0);
    // The controller's copy says [2, 1] (3 left the ISR and it heard of it)...
    const shrunk = await writeLeaderAndIsr(b1.zk, { topic: 'orders', partition: 0 }, { ...s, isr: [2, 1] }, s.zkVersion);
    await notifyIsrChange(b1.zk, [{ topic: 'orders', partition: 0 }]);
    const told = (): boolean => b1.channel.of(ApiKey.UpdateMetadata).some((u) => u.partitionStates.some((p) => p.topic === 'orders' && p.isr.join() === '2,1'));
    await waitFor(told, { timeoutMs: 10_000, message: 'the controller to learn ISR [2,1]' });
    // ...then leader 2 takes 3 back, and the notification is not sent yet (leaders batch them).
    if (!shrunk.updated) throw new Error('shrink not written');
    await writeLeaderAndIsr(b1.zk, { topic: 'orders', partition: 0 }, { ...s, isr: [2, 1, 3] }, shrunk.zkVersion);
    await b3.kill();
    await waitFor(async () => !(await h.state(b1.zk, 'orders', 0)).isr.includes(3), { timeoutMs: 10_000, message: 'broker 3 out of the ISR' });
    expect(await h.state(b1.zk, 'orders', 0)).toMatchObject({ leader: 2, isr: [2, 1] });
  });

  it('a new controller moves the leaderships of the controller that died', async () => {
    h = new ControllerHarness(testChroot('controller-failover'));
    const [b1, b2, b3] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    await topicWithLeaders(b1, 'orders', [[0, [1, 2, 3]], [1, [2, 3, 1]]]);
    await b1.kill();
    const next = await waitFor(() => [b2, b3].find((b) => b.controller.isActive), { timeoutMs: 10_000, message: 'a new controller' });
    await waitFor(async () => (await h.state(next.zk, 'orders', 0)).leader !== 1, { timeoutMs: 10_000, message: 'a new leader for orders-0' });
    await next.controller.idle();
    expect(await h.state(next.zk, 'orders', 0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3], controllerEpoch: 2 });
    const sent = next.channel.of(ApiKey.LeaderAndIsr).flatMap((r) => r.partitionStates);
    expect(sent.some((p) => p.topic === 'orders' && p.partition === 0 && p.leaderEpoch === 1 && p.controllerEpoch === 2)).toBe(true);
  });

  it('elects an unclean leader only when unclean.leader.election.enable is true', async () => {
    h = new ControllerHarness(testChroot('controller-unclean'));
    const b1 = await h.broker(1, { uncleanLeaderElectionEnable: true });
    const b2 = await h.broker(2);
    await topicWithLeaders(b1, 'risky', [[0, [2, 1]]]);
    const s = await h.state(b1.zk, 'risky', 0);
    await writeLeaderAndIsr(b1.zk, { topic: 'risky', partition: 0 }, { ...s, isr: [2] }, s.zkVersion);
    await notifyIsrChange(b1.zk, [{ topic: 'risky', partition: 0 }]);
    await waitFor(async () => (await b1.zk.getChildren(ZkPaths.isrChangeNotifications)).length === 0, { timeoutMs: 10_000, message: 'ISR change handled' });
    await b2.kill();
    await waitFor(async () => (await h.state(b1.zk, 'risky', 0)).leader === 1, { timeoutMs: 10_000, message: 'broker 1 leading risky-0' });
    expect(await h.state(b1.zk, 'risky', 0)).toMatchObject({ leader: 1, isr: [1] });
  });
});

describe('controlled shutdown', () => {
  it('moves the shutting-down broker\'s leaderships to ISR members, takes it out of ISRs and returns what it still leads', async () => {
    h = new ControllerHarness(testChroot('controller-controlled-shutdown'));
    const [b1, b2, b3] = [await h.broker(1), await h.broker(2), await h.broker(3)];
    await topicWithLeaders(b1, 'orders', [[0, [2, 1, 3]], [1, [1, 2, 3]]]);
    await topicWithLeaders(b1, 'solo', [[0, [2]]]);
    b1.channel.clear();
    expect(await b1.controller.controlledShutdown(2, b2.brokerEpoch)).toEqual([]);
    expect(await h.state(b1.zk, 'orders', 0)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3] });
    expect(await h.state(b1.zk, 'orders', 1)).toMatchObject({ leader: 1, leaderEpoch: 1, isr: [1, 3] });
    expect(await h.state(b1.zk, 'solo', 0)).toMatchObject({ leader: 2, leaderEpoch: 0 });
    expect(b1.channel.of(ApiKey.StopReplica, 2)).toEqual([expect.objectContaining({ deletePartitions: false, partitions: [{ topic: 'orders', partition: 1 }] })]);
    expect(b1.channel.of(ApiKey.LeaderAndIsr, 3).flatMap((r) => r.partitionStates).map((p) => p.leader)).toEqual([1, 1]);

    await expect(b1.controller.controlledShutdown(3, b3.brokerEpoch - 1)).rejects.toMatchObject({ code: ErrorCode.STALE_BROKER_EPOCH.code });
    await expect(b1.controller.controlledShutdown(9, -1)).rejects.toMatchObject({ code: ErrorCode.BROKER_NOT_AVAILABLE.code });
    await expect(b2.controller.controlledShutdown(2, b2.brokerEpoch)).rejects.toMatchObject({ code: ErrorCode.NOT_CONTROLLER.code });
  });

  it('keeps the leadership when no other ISR member can take it, and says so', async () => {
    h = new ControllerHarness(testChroot('controller-controlled-shutdown-stuck'));
    const b1 = await h.broker(1);
    const b2 = await h.broker(2);
    await topicWithLeaders(b1, 'lonely', [[0, [2, 1]]]);
    const s = await h.state(b1.zk, 'lonely', 0);
    await writeLeaderAndIsr(b1.zk, { topic: 'lonely', partition: 0 }, { ...s, isr: [2] }, s.zkVersion);
    await notifyIsrChange(b1.zk, [{ topic: 'lonely', partition: 0 }]);
    await waitFor(async () => (await b1.zk.getChildren(ZkPaths.isrChangeNotifications)).length === 0, { timeoutMs: 10_000, message: 'ISR change handled' });
    await b1.controller.idle();
    expect(await b1.controller.controlledShutdown(2, b2.brokerEpoch)).toEqual([{ topic: 'lonely', partition: 0 }]);
    expect(await h.state(b1.zk, 'lonely', 0)).toMatchObject({ leader: 2, isr: [2] });
  });
});
