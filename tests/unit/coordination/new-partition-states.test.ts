/**
 * The controller's first leaderships for new partitions (PartitionStateMachine.electLeaders on
 * partitions without a state znode), against the simulated ZooKeeper: many partitions' znodes
 * created per fenced multi, a state znode an earlier controller left standing, and a deposed
 * controller writing nothing.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { createLogger } from '../../../src/common/logger';
import { partitionKey } from '../../../src/common/topic';
import { ControllerContext } from '../../../src/coordination/controller/controller-context';
import { ControllerMovedError, partitionsPerWrite, PartitionStateMachine } from '../../../src/coordination/controller/partition-state-machine';
import { ZkPaths } from '../../../src/coordination/paths';
import { SimScheduler } from '../../../src/coordination/sim/sim-scheduler';
import { SimZooKeeperServer, type SimZooKeeper } from '../../../src/coordination/sim/sim-zookeeper';
import { parsePartitionState, serializeControllerEpoch, serializePartitionState } from '../../../src/coordination/znodes';

const quiet = createLogger('test', () => undefined);
const topic = 't';

async function setUp(partitions: number, scheduler: SimScheduler): Promise<{ zk: SimZooKeeper; context: ControllerContext; states: PartitionStateMachine }> {
  const zk = new SimZooKeeperServer(scheduler).connect('controller');
  await zk.create(ZkPaths.controllerEpoch, serializeControllerEpoch(1));
  await zk.mkdirp(ZkPaths.topic(topic));
  const context = new ControllerContext('PLAINTEXT');
  context.epoch = 1;
  context.epochZkVersion = 0;
  for (const id of [1, 2, 3]) context.liveBrokers.set(id, { id, endpoints: [plaintextEndpoint('h', 9090 + id)], rack: null, epoch: id });
  for (let partition = 0; partition < partitions; partition++) {
    context.setFullAssignment({ topic, partition }, { replicas: [1 + (partition % 3), 1 + ((partition + 1) % 3), 1 + ((partition + 2) % 3)], addingReplicas: [], removingReplicas: [] });
  }
  return { zk, context, states: new PartitionStateMachine(zk, context, false, quiet) };
}

const all = (n: number): { topic: string; partition: number }[] => Array.from({ length: n }, (_, partition) => ({ topic, partition }));

describe('new partitions\' state znodes', () => {
  let scheduler: SimScheduler;
  beforeEach(() => {
    scheduler = new SimScheduler(1);
    scheduler.runFreely();
  });
  afterEach(() => scheduler.stopRunningFreely());

  it('creates every partition\'s state znode, its first replica leading with the whole ISR, over several multis', async () => {
    const count = partitionsPerWrite * 2 + 3;
    const { zk, context, states } = await setUp(count, scheduler);
    const multi = jest.spyOn(zk, 'multi');
    const changed = await states.electLeaders(all(count), 'test');
    expect(changed).toHaveLength(count);
    // The topic's partitions znode, then three multis of partitions, each opening with the epoch check.
    expect(multi).toHaveBeenCalledTimes(4);
    for (const [ops] of multi.mock.calls) expect(ops[0]).toEqual({ op: 'check', path: ZkPaths.controllerEpoch, expectedVersion: 0 });
    for (const partition of [0, partitionsPerWrite, count - 1]) {
      const path = ZkPaths.partitionState(topic, partition);
      const state = parsePartitionState(path, (await zk.getData(path)).data);
      const replicas = context.replicasOf({ topic, partition });
      expect(state).toMatchObject({ leader: replicas[0], leaderEpoch: 0, isr: replicas, controllerEpoch: 1 });
      expect(context.leadership.get(partitionKey(topic, partition))).toMatchObject({ leader: replicas[0], zkVersion: 0 });
    }
  });

  it('keeps a state znode an earlier controller created and creates the rest of its multi one by one', async () => {
    const { zk, context, states } = await setUp(5, scheduler);
    const standing = { leader: 3, leaderEpoch: 4, isr: [3], controllerEpoch: 0 };
    await zk.mkdirp(ZkPaths.partition(topic, 2));
    await zk.create(ZkPaths.partitionState(topic, 2), serializePartitionState(standing));
    const changed = await states.electLeaders(all(5), 'test');
    expect(changed.map((tp) => tp.partition).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(context.leadership.get(partitionKey(topic, 2))).toMatchObject(standing);
    const path = ZkPaths.partitionState(topic, 4);
    expect(parsePartitionState(path, (await zk.getData(path)).data).leaderEpoch).toBe(0);
  });

  it('writes nothing once /controller_epoch has moved: another controller is in charge', async () => {
    const { zk, states } = await setUp(3, scheduler);
    await zk.setData(ZkPaths.controllerEpoch, serializeControllerEpoch(2), 0);
    await expect(states.electLeaders(all(3), 'test')).rejects.toThrow(ControllerMovedError);
    expect(await zk.exists(ZkPaths.partition(topic, 0))).toBeNull();
  });
});
