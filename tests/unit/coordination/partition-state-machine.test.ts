/**
 * The controller's batched state-znode writes (PartitionStateMachine.updateAll) against the
 * simulated ZooKeeper: many partitions to a fenced multi, a partition changed behind the
 * controller's back decided again on its znode without holding up the others, and a moved
 * /controller_epoch failing the writes whole.
 */
import { createLogger } from '../../../src/common/logger';
import { partitionKey } from '../../../src/common/topic';
import { ControllerContext } from '../../../src/coordination/controller/controller-context';
import { removeReplicaFromIsr } from '../../../src/coordination/controller/election';
import { ControllerMovedError, partitionsPerWrite, PartitionStateMachine } from '../../../src/coordination/controller/partition-state-machine';
import { ZkPaths } from '../../../src/coordination/paths';
import { SimScheduler } from '../../../src/coordination/sim/sim-scheduler';
import { SimZooKeeperServer, type SimZooKeeper } from '../../../src/coordination/sim/sim-zookeeper';
import { parsePartitionState, serializeControllerEpoch, serializePartitionState } from '../../../src/coordination/znodes';

const topic = 't';
/** Three multis' worth, the last one partial. */
const partitionCount = 2 * partitionsPerWrite + 20;
const partitions = Array.from({ length: partitionCount }, (_, partition) => ({ topic, partition }));

let scheduler: SimScheduler;
let zk: SimZooKeeper;
let context: ControllerContext;
let states: PartitionStateMachine;
let multis: number;

beforeEach(async () => {
  scheduler = new SimScheduler(1);
  scheduler.runFreely();
  zk = new SimZooKeeperServer(scheduler).connect('controller');
  const multi = zk.multi.bind(zk);
  multis = 0;
  zk.multi = (ops) => {
    multis++;
    return multi(ops);
  };
  await zk.create(ZkPaths.controllerEpoch, serializeControllerEpoch(3));
  context = new ControllerContext('PLAINTEXT');
  context.epoch = 3;
  context.epochZkVersion = 0;
  context.assignments.set(topic, new Map(partitions.map((tp) => [tp.partition, [1, 2, 3]])));
  for (const path of ['/brokers', ZkPaths.brokerTopics, ZkPaths.topic(topic), ZkPaths.topicPartitions(topic)]) await zk.create(path);
  for (const tp of partitions) {
    await zk.create(ZkPaths.partition(topic, tp.partition));
    const state = { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 3 };
    await zk.create(ZkPaths.partitionState(topic, tp.partition), serializePartitionState(state));
    context.leadership.set(partitionKey(topic, tp.partition), { ...state, zkVersion: 0 });
  }
  states = new PartitionStateMachine(zk, context, false, createLogger('test', () => undefined));
  multis = 0;
});

afterEach(() => scheduler.stopRunningFreely());

async function znode(partition: number): Promise<{ isr: number[]; leaderEpoch: number; version: number }> {
  const path = ZkPaths.partitionState(topic, partition);
  const node = await zk.getData(path);
  return { ...parsePartitionState(path, node.data), version: node.stat.version };
}

test('many partitions change in a few fenced multis, the context following ZooKeeper', async () => {
  const changed = await states.updateAll(partitions, 'broker 2 shuts down', (_, current) => removeReplicaFromIsr(current, 2));
  expect(changed).toEqual(partitions);
  expect(multis).toBe(3);
  for (const tp of [partitions[0], partitions[77], partitions[partitionCount - 1]]) {
    const now = await znode(tp.partition);
    expect(now).toMatchObject({ isr: [1, 3], leaderEpoch: 1, version: 1 });
    expect(context.leadershipOf(tp)).toMatchObject({ isr: [1, 3], leaderEpoch: 1, zkVersion: 1 });
  }
});

test('a partition changed behind the controller is decided again on its znode; the rest of its multi is still written', async () => {
  // Leaders shrank two ISRs themselves (their isr_change_notification not handled yet).
  for (const partition of [10, 11]) {
    await zk.setData(ZkPaths.partitionState(topic, partition), serializePartitionState({ leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 3 }), 0);
  }
  const changed = await states.updateAll(partitions, 'broker 2 shuts down', (_, current) => removeReplicaFromIsr(current, 2));
  expect(changed).toHaveLength(partitionCount);
  expect(await znode(10)).toMatchObject({ isr: [1], leaderEpoch: 1, version: 2 });
  expect(await znode(12)).toMatchObject({ isr: [1, 3], leaderEpoch: 1, version: 1 });
  expect(context.leadershipOf(partitions[11])).toMatchObject({ isr: [1], zkVersion: 2 });
  // Two multis retried without the partition that failed them, and two partitions written alone: not one write per partition.
  expect(multis).toBeLessThan(12);
});

test('a moved /controller_epoch fails the writes and changes no state znode', async () => {
  await zk.setData(ZkPaths.controllerEpoch, serializeControllerEpoch(4), 0);
  await expect(states.updateAll(partitions, 'broker 2 shuts down', (_, current) => removeReplicaFromIsr(current, 2))).rejects.toBeInstanceOf(ControllerMovedError);
  for (const partition of [0, 60, partitionCount - 1]) expect(await znode(partition)).toMatchObject({ isr: [1, 2, 3], version: 0 });
});

test('a topic\'s znodes are deleted children first, many to a fenced multi', async () => {
  await states.deleteRecursiveFenced(ZkPaths.topic(topic));
  expect(await zk.exists(ZkPaths.topic(topic))).toBeNull();
  expect(await zk.getChildren(ZkPaths.brokerTopics)).toEqual([]);
  // A level at a time, up to 100 to a multi: five for the 420 state znodes, five for the partitions', one each for /partitions and the topic; not 842 deletes.
  expect(partitionCount).toBe(420);
  expect(multis).toBe(12);
  await states.deleteRecursiveFenced(ZkPaths.topic(topic));
});

test('a deposed controller deletes nothing of a topic', async () => {
  await zk.setData(ZkPaths.controllerEpoch, serializeControllerEpoch(4), 0);
  await expect(states.deleteRecursiveFenced(ZkPaths.topic(topic))).rejects.toBeInstanceOf(ControllerMovedError);
  expect(await zk.getChildren(ZkPaths.topicPartitions(topic))).toHaveLength(partitionCount);
});
