/**
 * Preferred-leader election against the real ZooKeeper, with a recording channel for what the
 * controller tells brokers: a request in /admin/preferred_replica_election (handled, then deleted),
 * a request left over from a dead controller (finished by the next one at failover), the periodic
 * imbalance check of auto.leader.rebalance.enable, and `josef topic elect-leaders` refusing to
 * start a second election or waiting forever when no controller runs.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { registerBroker } from '../../../src/coordination/broker-registry';
import { Controller } from '../../../src/coordination/controller/controller';
import type { AutoLeaderRebalanceOptions } from '../../../src/coordination/controller/preferred-replica-election';
import { notifyIsrChange, writeLeaderAndIsr } from '../../../src/coordination/isr-change';
import { ZkPaths } from '../../../src/coordination/paths';
import { createTopic } from '../../../src/admin/topic-admin';
import { serializePreferredReplicaElection, type TopicPartitionRef } from '../../../src/coordination/znodes';
import { ApiKey } from '../../../src/protocol/api-keys';
import { runJosef } from '../../helpers/cluster';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { capturingLogger, ControllerHarness, RecordingChannel } from './controller-harness';

jest.setTimeout(60_000);

let h: ControllerHarness;
const ownControllers: Controller[] = [];
afterEach(async () => {
  for (const c of ownControllers.splice(0)) await c.shutdown();
  await h.close();
});

/** A broker whose controller has the options the harness does not pass; it starts first, so it is the controller. */
async function controllerBroker(id: number, autoLeaderRebalance?: AutoLeaderRebalanceOptions) {
  const zk = await h.session();
  await registerBroker(zk, { brokerId: id, endpoints: [plaintextEndpoint('127.0.0.1', 19000 + id)], rack: null, staleSessionWaitMs: 10_000 }, capturingLogger().logger);
  const channel = new RecordingChannel();
  const { logger, lines } = capturingLogger();
  const controller = new Controller({ zk, brokerId: id, uncleanLeaderElectionEnable: false, autoLeaderRebalance, logger, channel });
  ownControllers.push(controller);
  await controller.startup();
  expect(controller.isActive).toBe(true);
  return { id, zk, controller, channel, lines };
}

type Controlling = Awaited<ReturnType<typeof controllerBroker>>;

async function topicWithLeaders(c: Controlling, topic: string, assignment: [number, number[]][]): Promise<void> {
  await createTopic(c.zk, { name: topic, numPartitions: -1, replicationFactor: -1, assignments: new Map(assignment), configs: {} }, []);
  await waitFor(async () => (await c.zk.exists(ZkPaths.partitionState(topic, assignment.length - 1))) !== null, { timeoutMs: 10_000, message: `state znodes of ${topic}` });
  await c.controller.idle();
}

/** What a leader does when a follower has caught up: add it to the ISR, conditionally, and tell the controller. */
async function expandIsr(c: Controlling, tp: TopicPartitionRef, replica: number): Promise<void> {
  const s = await h.state(c.zk, tp.topic, tp.partition);
  expect(await writeLeaderAndIsr(c.zk, tp, { ...s, isr: [...s.isr, replica] }, s.zkVersion)).toMatchObject({ updated: true });
  await notifyIsrChange(c.zk, [tp]);
  await waitFor(async () => (await c.zk.getChildren(ZkPaths.isrChangeNotifications)).length === 0, { timeoutMs: 10_000, message: 'the ISR change handled' });
  await c.controller.idle();
}

async function requestElection(c: Controlling, partitions: TopicPartitionRef[]): Promise<void> {
  await c.zk.create(ZkPaths.preferredReplicaElection, serializePreferredReplicaElection(partitions), 'persistent', { createParents: true });
}

const requestGone = (c: Controlling) => waitFor(async () => (await c.zk.exists(ZkPaths.preferredReplicaElection)) === null, {
  timeoutMs: 15_000, message: `the controller to delete ${ZkPaths.preferredReplicaElection}`,
});

describe('preferred replica election through /admin/preferred_replica_election', () => {
  it('moves leadership back to a preferred replica in the ISR, skips one out of it, and deletes the request', async () => {
    h = new ControllerHarness(testChroot('preferred-election'));
    const c = await controllerBroker(2);
    const b1 = await h.broker(1, { start: false });
    await h.broker(3, { start: false });
    await topicWithLeaders(c, 'pref', [[0, [1, 2, 3]], [1, [2, 3, 1]]]);
    await topicWithLeaders(c, 'lag', [[0, [1, 3, 2]]]);
    await b1.kill();
    await waitFor(async () => (await h.state(c.zk, 'pref', 0)).leader === 2 && (await h.state(c.zk, 'lag', 0)).leader === 3, { timeoutMs: 10_000, message: 'leaders other than broker 1' });
    await h.broker(1, { start: false });
    await waitFor(() => c.lines.some((l) => l.includes('new [1]')), { timeoutMs: 10_000, message: 'broker 1 back' });
    await c.controller.idle();
    // Broker 1 catches up on pref-0 only; on lag-0 it is still out of the ISR.
    await expandIsr(c, { topic: 'pref', partition: 0 }, 1);
    const before = { pref0: await h.state(c.zk, 'pref', 0), pref1: await h.state(c.zk, 'pref', 1), lag0: await h.state(c.zk, 'lag', 0) };
    c.channel.clear();

    await requestElection(c, [{ topic: 'pref', partition: 0 }, { topic: 'pref', partition: 1 }, { topic: 'lag', partition: 0 }, { topic: 'gone', partition: 0 }]);
    await requestGone(c);
    await c.controller.idle();

    expect(await h.state(c.zk, 'pref', 0)).toMatchObject({
      leader: 1, isr: before.pref0.isr, leaderEpoch: before.pref0.leaderEpoch + 1, controllerEpoch: c.controller.epoch, zkVersion: before.pref0.zkVersion + 1,
    });
    expect(await h.state(c.zk, 'pref', 1)).toEqual(before.pref1);
    expect(await h.state(c.zk, 'lag', 0)).toEqual(before.lag0);
    expect(c.lines.some((l) => l.includes('lag-0: leadership not moved to preferred replica 1: preferred replica is not in the ISR'))).toBe(true);
    expect(c.lines.some((l) => l.includes('skipping unknown partition(s) gone-0'))).toBe(true);
    for (const id of [1, 2, 3]) {
      const leaderAndIsr = c.channel.of(ApiKey.LeaderAndIsr, id).flatMap((r) => r.partitionStates);
      expect(leaderAndIsr.map((s) => [`${s.topic}-${s.partition}`, s.leader, s.leaderEpoch])).toEqual([['pref-0', 1, before.pref0.leaderEpoch + 1]]);
      const metadata = c.channel.of(ApiKey.UpdateMetadata, id).flatMap((r) => r.partitionStates);
      expect(metadata.map((s) => [`${s.topic}-${s.partition}`, s.leader])).toEqual([['pref-0', 1]]);
    }

    // The watch is set again: a second request is handled too (nothing left to move).
    await requestElection(c, [{ topic: 'pref', partition: 0 }]);
    await requestGone(c);
    expect((await h.state(c.zk, 'pref', 0)).leaderEpoch).toBe(before.pref0.leaderEpoch + 1);
  });

  it('deletes a malformed request without electing anything', async () => {
    h = new ControllerHarness(testChroot('preferred-election-malformed'));
    const c = await controllerBroker(1);
    await c.zk.create(ZkPaths.preferredReplicaElection, Buffer.from('{"version":1,"partitions":"all"}'), 'persistent', { createParents: true });
    await requestGone(c);
    expect(c.lines.some((l) => l.includes('malformed znode /admin/preferred_replica_election') && l.includes('no election'))).toBe(true);
    expect(c.controller.isActive).toBe(true);
  });

  it('is finished by the next controller when the controller died with the request pending', async () => {
    h = new ControllerHarness(testChroot('preferred-election-failover'));
    const c1 = await controllerBroker(1);
    const b2 = await h.broker(2, { start: false });
    await h.broker(3, { start: false });
    await topicWithLeaders(c1, 'fo', [[0, [2, 3, 1]]]);
    // Leadership left on broker 3, as an earlier failover would have left it.
    const s = await h.state(c1.zk, 'fo', 0);
    await writeLeaderAndIsr(c1.zk, { topic: 'fo', partition: 0 }, { ...s, leader: 3, leaderEpoch: s.leaderEpoch + 1 }, s.zkVersion);
    await ownControllers.splice(0)[0].shutdown();
    await c1.zk.close();
    const observer = await h.session();
    await waitFor(async () => (await observer.exists(ZkPaths.controller)) === null, { timeoutMs: 10_000, message: 'no controller' });
    await observer.create(ZkPaths.preferredReplicaElection, serializePreferredReplicaElection([{ topic: 'fo', partition: 0 }]), 'persistent', { createParents: true });

    await b2.controller.startup();
    expect(b2.controller.isActive).toBe(true);
    await b2.controller.idle();
    expect(await observer.exists(ZkPaths.preferredReplicaElection)).toBeNull();
    // Failover takes dead broker 1 out of the ISR first, then broker 2 leads again.
    expect(await h.state(observer, 'fo', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: s.leaderEpoch + 3, controllerEpoch: b2.controller.epoch });
  });
});

describe('auto leader rebalance', () => {
  it('moves leadership back by itself once the returning preferred replica is in the ISR', async () => {
    h = new ControllerHarness(testChroot('preferred-election-auto'));
    const c = await controllerBroker(3, { enable: true, checkIntervalMs: 300, imbalancePerBrokerPercentage: 10 });
    const b1 = await h.broker(1, { start: false });
    await h.broker(2, { start: false });
    await topicWithLeaders(c, 'auto', [[0, [1, 2, 3]], [1, [2, 3, 1]]]);
    await b1.kill();
    await waitFor(async () => (await h.state(c.zk, 'auto', 0)).leader === 2, { timeoutMs: 10_000, message: 'broker 2 leading auto-0' });
    await h.broker(1, { start: false });
    await waitFor(() => c.lines.some((l) => l.includes('new [1]')), { timeoutMs: 10_000, message: 'broker 1 back' });
    const moved = await h.state(c.zk, 'auto', 0);
    // Out of the ISR, broker 1 is no candidate (the unit tests show it); once the leader adds it, it is.
    await expandIsr(c, { topic: 'auto', partition: 0 }, 1);
    await waitFor(async () => (await h.state(c.zk, 'auto', 0)).leader === 1, { timeoutMs: 10_000, message: 'broker 1 leading auto-0 again' });
    expect(await h.state(c.zk, 'auto', 0)).toMatchObject({ leader: 1, isr: [2, 3, 1], leaderEpoch: moved.leaderEpoch + 1 });
    expect((await h.state(c.zk, 'auto', 1)).leader).toBe(2);
  });

  it('does nothing when auto.leader.rebalance.enable is false', async () => {
    h = new ControllerHarness(testChroot('preferred-election-auto-off'));
    const c = await controllerBroker(3, { enable: false, checkIntervalMs: 100, imbalancePerBrokerPercentage: 10 });
    await h.broker(1, { start: false });
    await topicWithLeaders(c, 'off', [[0, [1, 3]]]);
    const s = await h.state(c.zk, 'off', 0);
    await writeLeaderAndIsr(c.zk, { topic: 'off', partition: 0 }, { ...s, leader: 3, leaderEpoch: s.leaderEpoch + 1 }, s.zkVersion);
    await notifyIsrChange(c.zk, [{ topic: 'off', partition: 0 }]);
    // The first check would come 5 s after the failover; a manual election proves the controller is alive afterwards.
    await expect(waitFor(async () => (await h.state(c.zk, 'off', 0)).leader === 1, { timeoutMs: 7_000, message: 'an automatic election' })).rejects.toThrow('timed out');
    await requestElection(c, [{ topic: 'off', partition: 0 }]);
    await requestGone(c);
    expect((await h.state(c.zk, 'off', 0)).leader).toBe(1);
  });
});

describe('josef topic elect-leaders without a controller', () => {
  it('refuses while an election is in progress, and says so when nobody finishes it in time', async () => {
    h = new ControllerHarness(testChroot('preferred-election-cli'));
    const zk = await h.session();
    await createTopic(zk, { name: 'cli', numPartitions: 1, replicationFactor: -1, assignments: new Map([[0, [1]]]), configs: {} }, []);
    const connect = h.connectString;

    const [waited, unknown] = await Promise.all([
      runJosef(['topic', 'elect-leaders', '--topic', 'cli', '--zookeeper', connect, '--timeout-ms', '1000']),
      runJosef(['topic', 'elect-leaders', '--topic', 'nope', '--zookeeper', connect]),
    ]);
    expect(unknown.stderr).toContain('topic nope does not exist');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain(`waiting for the controller to run the election and delete ${ZkPaths.preferredReplicaElection}`);
    expect(JSON.parse((await zk.getData(ZkPaths.preferredReplicaElection)).data.toString())).toEqual({ version: 1, partitions: [{ topic: 'cli', partition: 0 }] });

    const refused = await runJosef(['topic', 'elect-leaders', '--zookeeper', connect]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a preferred replica election is already in progress (/admin/preferred_replica_election exists)');
  });
});
