import { ApiKey } from '../../../src/protocol/api-keys';
import { BrokerIdTakenError, registerBroker } from '../../../src/coordination/broker-registry';
import { getOrCreateClusterId } from '../../../src/coordination/cluster-id';
import type { ControllerChannel, ControllerApiKey } from '../../../src/coordination/controller/controller-channel';
import { Controller } from '../../../src/coordination/controller/controller';
import { ZkPaths, basePaths } from '../../../src/coordination/paths';
import { ZkTopicAdmin } from '../../../src/coordination/topic-admin';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parsePartitionState } from '../../../src/coordination/znodes';
import { quietLogger } from '../../helpers/log';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

/** Records what the controller would send, per broker. */
class RecordingChannel implements ControllerChannel {
  sent: { brokerId: number; apiKey: number; body: any }[] = [];
  addBroker(): void {}
  removeBroker(): void {}
  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: unknown): void {
    this.sent.push({ brokerId, apiKey, body });
  }
  close(): void {}
}

const clients: ZkClient[] = [];
const controllers: Controller[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) await c.shutdown();
  for (const c of clients.splice(0)) await c.close();
});

async function session(connectString: string): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 4000, logger: quietLogger });
  clients.push(zk);
  for (const p of basePaths) await zk.mkdirp(p);
  return zk;
}

async function broker(connectString: string, id: number): Promise<{ zk: ZkClient; controller: Controller; channel: RecordingChannel }> {
  const zk = await session(connectString);
  await registerBroker(zk, { brokerId: id, host: '127.0.0.1', port: 19000 + id, rack: null, staleSessionWaitMs: 10_000 }, quietLogger);
  const channel = new RecordingChannel();
  const controller = new Controller({ zk, brokerId: id, uncleanLeaderElectionEnable: false, logger: quietLogger, channel });
  controllers.push(controller);
  await controller.startup();
  return { zk, controller, channel };
}

async function state(zk: ZkClient, topic: string, partition: number) {
  const path = ZkPaths.partitionState(topic, partition);
  return parsePartitionState(path, (await zk.getData(path)).data);
}

describe('controller', () => {
  it('is elected once, raises /controller_epoch, and a survivor takes over with a higher epoch', async () => {
    const chroot = testChroot('controller-election');
    const b1 = await broker(chroot, 1);
    const b2 = await broker(chroot, 2);
    expect(b1.controller.isActive).toBe(true);
    expect(b2.controller.isActive).toBe(false);
    expect(b2.controller.activeControllerId).toBe(1);
    const epoch1 = Number((await b2.zk.getData(ZkPaths.controllerEpoch)).data.toString());
    await b1.controller.shutdown();
    await b1.zk.close();
    await waitFor(() => b2.controller.isActive, { timeoutMs: 15_000, message: 'broker 2 to become controller' });
    expect(Number((await b2.zk.getData(ZkPaths.controllerEpoch)).data.toString())).toBe(epoch1 + 1);
  });

  it('gives new partitions leaders and tells the replicas; moves leadership when the leader dies', async () => {
    const chroot = testChroot('controller-topics');
    const b1 = await broker(chroot, 1);
    const b2 = await broker(chroot, 2);
    const b3 = await broker(chroot, 3);
    await new ZkTopicAdmin(b1.zk, () => 0).createTopic({ name: 'orders', numPartitions: 3, replicationFactor: 3, configs: {} }, [1, 2, 3]);
    await waitFor(async () => (await b1.zk.exists(ZkPaths.partitionState('orders', 2))) !== null, { timeoutMs: 10_000, message: 'state znodes' });
    await b1.controller.idle();
    const p0 = await state(b1.zk, 'orders', 0);
    expect(p0).toMatchObject({ leader: 1, leaderEpoch: 0, isr: [1, 2, 3] });
    const leaderAndIsr = b1.channel.sent.filter((s) => s.apiKey === ApiKey.LeaderAndIsr);
    expect(new Set(leaderAndIsr.map((s) => s.brokerId))).toEqual(new Set([1, 2, 3]));
    expect(b1.channel.sent.some((s) => s.apiKey === ApiKey.UpdateMetadata && s.brokerId === 3)).toBe(true);
    // Brokers already alive learn of each new one (broker 1 hears of broker 3).
    expect(b1.channel.sent.some((s) => s.apiKey === ApiKey.UpdateMetadata && s.brokerId === 1 && s.body.liveBrokers.length === 3)).toBe(true);

    // Broker 1 (leader of partition 0 and the controller) dies: broker 2 or 3 takes over as controller
    // and moves the leadership of partition 0 with a higher leader epoch, out of the ISR.
    await b1.controller.shutdown();
    await b1.zk.close();
    const next = await waitFor(() => [b2, b3].find((b) => b.controller.isActive), { timeoutMs: 15_000, message: 'a new controller' });
    await waitFor(async () => (await state(next.zk, 'orders', 0)).leader !== 1, { timeoutMs: 15_000, message: 'a new leader for orders-0' });
    await next.controller.idle();
    const moved = await state(next.zk, 'orders', 0);
    expect([2, 3]).toContain(moved.leader);
    expect(moved.leaderEpoch).toBe(1);
    expect(moved.isr).not.toContain(1);
    expect(next.channel.sent.some((s) => s.apiKey === ApiKey.LeaderAndIsr && s.body.partitionStates.some((p: any) => p.topic === 'orders' && p.partition === 0 && p.leaderEpoch === 1))).toBe(true);
  });

  it('deletes a topic marked under /admin/delete_topics and tells the replicas to delete files', async () => {
    const chroot = testChroot('controller-delete');
    const b1 = await broker(chroot, 1);
    const admin = new ZkTopicAdmin(b1.zk);
    await admin.createTopic({ name: 'gone', numPartitions: 2, replicationFactor: 1, configs: {} }, [1]);
    await waitFor(async () => (await b1.zk.exists(ZkPaths.partitionState('gone', 1))) !== null, { timeoutMs: 10_000, message: 'topic created' });
    await admin.markTopicForDeletion('gone');
    await waitFor(async () => (await b1.zk.exists(ZkPaths.topic('gone'))) === null && (await b1.zk.exists(ZkPaths.deleteTopic('gone'))) === null, { timeoutMs: 10_000, message: 'topic deleted' });
    await b1.controller.idle();
    expect(b1.channel.sent.some((s) => s.apiKey === ApiKey.StopReplica && s.body.deletePartitions && s.body.partitions.length === 2)).toBe(true);
    await expect(admin.createTopic({ name: 'x', numPartitions: 1, replicationFactor: 1, configs: {} }, [1])).resolves.toBeUndefined();
    await expect(admin.createTopic({ name: 'x', numPartitions: 1, replicationFactor: 1, configs: {} }, [1])).rejects.toThrow(/already exists/);
  });

  it('refuses a broker id held by another live broker, and creates the cluster id once', async () => {
    const chroot = testChroot('registry');
    const zk1 = await session(chroot);
    const zk2 = await session(chroot);
    await registerBroker(zk1, { brokerId: 7, host: '127.0.0.1', port: 1, rack: null, staleSessionWaitMs: 1000 }, quietLogger);
    await expect(registerBroker(zk2, { brokerId: 7, host: '127.0.0.1', port: 2, rack: null, staleSessionWaitMs: 1000 }, quietLogger)).rejects.toBeInstanceOf(BrokerIdTakenError);
    const id = await getOrCreateClusterId(zk1);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await getOrCreateClusterId(zk2)).toBe(id);
  });
});
