/**
 * The reassignment tool's znodes against the real ZooKeeper, with no controller running: what
 * --generate reads, what --execute writes (and what it refuses before writing anything), the
 * throttle configs and their change notifications, and what --verify reports and cleans up.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import {
  executeReassignment, generateReassignment, planProblems, ReassignmentInProgressError, verifyReassignment,
} from '../../../src/admin/reassignment-admin';
import type { ReassignmentPlan } from '../../../src/admin/reassignment-plan';
import { createTopic } from '../../../src/admin/topic-admin';
import { ZkClient } from '../../../src/coordination/zk-client';
import { serializeBrokerRegistration, serializeTopicZnode } from '../../../src/coordination/znodes';
import { quietLogger } from '../../helpers/log';
import { testChroot } from '../../helpers/zk';

let zk: ZkClient;
beforeEach(async () => {
  zk = await ZkClient.connect({ connectString: testChroot('reassignment-admin'), sessionTimeoutMs: 4000, logger: quietLogger });
  await ensureBasePaths(zk);
});
afterEach(async () => zk.close());

async function registerBrokers(ids: number[], racks: Record<number, string> = {}): Promise<void> {
  for (const id of ids) {
    await zk.create(ZkPaths.broker(id), serializeBrokerRegistration({ brokerId: id, endpoints: [plaintextEndpoint('127.0.0.1', 9000 + id)], rack: racks[id] ?? null, timestampMs: 0 }), 'ephemeral');
  }
}

const json = async (path: string): Promise<unknown> => JSON.parse((await zk.getData(path)).data.toString('utf8'));
const plan = (...partitions: Array<[string, number, number[]]>): ReassignmentPlan =>
  ({ version: 1, partitions: partitions.map(([topic, partition, replicas]) => ({ topic, partition, replicas })) });

/** Every znode under the chroot with its data: to show that a refused plan changed nothing. */
async function snapshot(path = '/'): Promise<string[]> {
  const children = (await zk.getChildren(path)).sort();
  const out: string[] = [];
  for (const child of children) {
    const full = path === '/' ? `/${child}` : `${path}/${child}`;
    if (full.startsWith('/brokers/ids')) continue;
    out.push(`${full}=${(await zk.getData(full)).data.toString('utf8')}`, ...(await snapshot(full)));
  }
  return out;
}

describe('partition reassignment (the tool side)', () => {
  it('generates a plan that moves only broker 4\'s share, from the live brokers and the topic znodes', async () => {
    await registerBrokers([1, 2, 3, 4]);
    await createTopic(zk, { name: 'orders', numPartitions: 4, replicationFactor: 3, configs: {} }, [1, 2, 3], () => 0);
    const { current, proposed } = await generateReassignment(zk, ['orders'], [1, 2, 3, 4]);
    expect(current.partitions.map((p) => p.replicas)).toEqual([[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2]]);
    const on4 = proposed.partitions.filter((p) => p.replicas.includes(4));
    expect(on4).toHaveLength(3);
    await expect(generateReassignment(zk, ['orders', 'nope'], [1, 5])).rejects.toThrow(/topic nope does not exist[\s\S]*broker 5 is not alive/);
  });

  it('executes: writes /admin/reassign_partitions with the partitions that change, and refuses a second one', async () => {
    await registerBrokers([1, 2, 3]);
    await createTopic(zk, { name: 't', numPartitions: 2, replicationFactor: 2, assignments: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: {} }, []);
    const result = await executeReassignment(zk, plan(['t', 0, [1, 2]], ['t', 1, [3, 2]]));
    expect(result.moving).toEqual([{ topic: 't', partition: 1, replicas: [3, 2] }]);
    expect(result.rollback).toEqual(plan(['t', 1, [2, 1]]));
    expect(await json(ZkPaths.reassignPartitions)).toEqual({ version: 1, partitions: [{ topic: 't', partition: 1, replicas: [3, 2] }] });
    await expect(executeReassignment(zk, plan(['t', 0, [3, 1]]))).rejects.toThrow(ReassignmentInProgressError);
  });

  it.each([
    { what: 'a dead or unknown broker', plan: plan(['t', 0, [1, 9]]), message: /t-0: broker 9 is not alive or unknown \(alive: 1,2\)/ },
    { what: 'an unknown topic', plan: plan(['nope', 0, [1]]), message: /nope-0: topic nope does not exist/ },
    { what: 'an unknown partition', plan: plan(['t', 7, [1]]), message: /t-7: topic t has no partition 7 \(it has 1\)/ },
    { what: 'duplicate replicas', plan: plan(['t', 0, [1, 1]]), message: /t-0: a broker is listed twice in \[1,1\]/ },
    { what: 'an empty replica list', plan: plan(['t', 0, []]), message: /t-0: the replica list is empty/ },
  ])('refuses $what before writing anything', async ({ plan: bad, message }) => {
    await registerBrokers([1, 2]);
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 1, assignments: new Map([[0, [1]]]), configs: {} }, []);
    const before = await snapshot();
    const attempt = executeReassignment(zk, bad, { throttleBytesPerSec: 1000 });
    await expect(attempt).rejects.toThrow(/the plan is refused, nothing was changed/);
    await expect(attempt).rejects.toThrow(message);
    expect(await snapshot()).toEqual(before);
    expect(await zk.exists(ZkPaths.reassignPartitions)).toBeNull();
  });

  it('lists every problem of a plan at once', async () => {
    await registerBrokers([1]);
    expect(await planProblems(zk, plan(['a', 0, [1]], ['b', 0, [2]]))).toEqual([
      'a-0: topic a does not exist', 'b-0: topic b does not exist',
    ]);
  });

  it('sets throttles as Kafka\'s tool does, each write followed by a config change notification', async () => {
    await registerBrokers([1, 2, 3, 4]);
    await createTopic(zk, { name: 't', numPartitions: 2, replicationFactor: 2, assignments: new Map([[0, [1, 2]], [1, [2, 3]]]), configs: { 'retention.ms': '1000' } }, []);
    await executeReassignment(zk, plan(['t', 0, [1, 2]], ['t', 1, [4, 3]]), { throttleBytesPerSec: 50_000 });
    expect(await json(ZkPaths.topicConfig('t'))).toEqual({
      version: 1,
      config: { 'retention.ms': '1000', 'leader.replication.throttled.replicas': '1:2,1:3', 'follower.replication.throttled.replicas': '1:4' },
    });
    for (const id of [2, 3, 4]) {
      expect(await json(ZkPaths.brokerConfig(id))).toEqual({
        version: 1, config: { 'leader.replication.throttled.rate': '50000', 'follower.replication.throttled.rate': '50000' },
      });
    }
    expect(await zk.exists(ZkPaths.brokerConfig(1))).toBeNull(); // partition 0 does not move
    const changes = (await zk.getChildren(ZkPaths.configChanges)).sort();
    expect(changes.every((c) => /^config_change_\d{10}$/.test(c))).toBe(true);
    const entities = await Promise.all(changes.map((c) => json(ZkPaths.configChange(c))));
    expect(entities).toEqual([
      { version: 2, entity_path: 'topics/t' },
      { version: 2, entity_path: 'brokers/2' }, { version: 2, entity_path: 'brokers/3' }, { version: 2, entity_path: 'brokers/4' },
    ]);
  });

  it('verifies: in progress while the controller has it, then done or failed, and removes the throttles once none is in progress', async () => {
    await registerBrokers([1, 2, 3]);
    await createTopic(zk, { name: 't', numPartitions: 2, replicationFactor: 1, assignments: new Map([[0, [1]], [1, [2]]]), configs: {} }, []);
    const target = plan(['t', 0, [3]], ['t', 1, [3]]);
    await executeReassignment(zk, target, { throttleBytesPerSec: 1000 });
    let verified = await verifyReassignment(zk, target);
    expect(verified.partitions.map((p) => p.status)).toEqual(['in progress', 'in progress']);
    expect(verified.throttlesRemoved).toBe(false);
    // The controller, midway (KIP-455): partition 0 being added to, partition 1 gave up on, the request znode gone.
    await zk.delete(ZkPaths.reassignPartitions, -1);
    await zk.setData(ZkPaths.topic('t'), serializeTopicZnode({
      partitions: new Map([[0, [3, 1]], [1, [2]]]), addingReplicas: new Map([[0, [3]]]), removingReplicas: new Map([[0, [1]]]),
    }), -1);
    verified = await verifyReassignment(zk, target);
    expect(verified.partitions.map((p) => [p.status, p.assigned])).toEqual([['in progress', [3, 1]], ['failed', [2]]]);
    await zk.setData(ZkPaths.topic('t'), serializeTopicZnode({ partitions: new Map([[0, [3]], [1, [2]]]), addingReplicas: new Map(), removingReplicas: new Map() }), -1);
    verified = await verifyReassignment(zk, target);
    expect(verified.partitions.map((p) => p.status)).toEqual(['done', 'failed']);
    expect(verified.throttlesRemoved).toBe(true);
    expect(await json(ZkPaths.topicConfig('t'))).toEqual({ version: 1, config: {} });
    for (const id of [1, 2, 3]) expect(await json(ZkPaths.brokerConfig(id))).toEqual({ version: 1, config: {} });
  });
});
