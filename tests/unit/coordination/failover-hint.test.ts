/**
 * The controller's failover with a leaderlessHint (its broker's metadata cache), against the
 * simulated ZooKeeper: the hinted partitions' state znodes are read before the others and those
 * without a live leader elected and announced before the rest is read; a partition wrongly hinted
 * keeps its live leader, one of a topic marked for deletion is left alone, and the failover still
 * ends with every other partition led and every broker told the whole state.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { createLogger } from '../../../src/common/logger';
import { ApiKey } from '../../../src/protocol/api-keys';
import type { LeaderAndIsrRequest, TopicPartition, UpdateMetadataRequest } from '../../../src/protocol/messages';
import { registerBroker } from '../../../src/coordination/broker-registry';
import type { ControllerApiKey, ControllerChannel } from '../../../src/coordination/controller/controller-channel';
import { Controller } from '../../../src/coordination/controller/controller';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { SimScheduler } from '../../../src/coordination/sim/sim-scheduler';
import { SimZooKeeperServer, type SimZooKeeper } from '../../../src/coordination/sim/sim-zookeeper';
import { parsePartitionState, serializeControllerEpoch, serializePartitionState, serializeTopicAssignment, type PartitionStateZnode } from '../../../src/coordination/znodes';

const quiet = createLogger('test', () => undefined);
const topic = 't';
const deleted = 'd';
const partitionCount = 9;
/** Broker 1 was the controller and died: it led t-0, t-3, t-6 and d-0. */
const deadBroker = 1;
const ledByDead = [0, 3, 6];

interface Sent {
  brokerId: number;
  apiKey: ControllerApiKey;
  partitions: string[];
}

/**
 * Records every request the controller sends (StopReplica's partitions left out); with `answer`,
 * answers each (but those to `silentBrokerId`) `afterMs` after it was sent, else none.
 */
class RecordingChannel implements ControllerChannel {
  readonly sent: Sent[] = [];
  answer: { scheduler: SimScheduler; afterMs: number; silentBrokerId?: number } | undefined;
  addBroker(): void {}
  removeBroker(): void {}
  close(): void {}
  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: unknown, onResponse?: (response: never) => void): void {
    const { partitionStates = [] } = body as Partial<LeaderAndIsrRequest | UpdateMetadataRequest>;
    this.sent.push({ brokerId, apiKey, partitions: partitionStates.map((p) => `${p.topic}-${p.partition}`) });
    if (!this.answer || !onResponse || brokerId === this.answer.silentBrokerId) return;
    this.answer.scheduler.schedule(this.answer.afterMs, () => onResponse({} as never));
  }
}

async function clusterAfterControllerDeath(zk: SimZooKeeper, scheduler: SimScheduler): Promise<void> {
  await ensureBasePaths(zk);
  await zk.create(ZkPaths.controllerEpoch, serializeControllerEpoch(1));
  for (const brokerId of [2, 3]) {
    await registerBroker(zk, { brokerId, endpoints: [plaintextEndpoint('127.0.0.1', 9090 + brokerId)], rack: null, staleSessionWaitMs: 0, clock: scheduler }, quiet);
  }
  const write = async (name: string, partition: number, leader: number): Promise<void> => {
    await zk.mkdirp(ZkPaths.partition(name, partition));
    await zk.create(ZkPaths.partitionState(name, partition), serializePartitionState({ leader, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 1 }));
  };
  await zk.create(ZkPaths.topic(topic), serializeTopicAssignment(new Map(Array.from({ length: partitionCount }, (_, p) => [p, [1, 2, 3]]))));
  for (let p = 0; p < partitionCount; p++) await write(topic, p, ledByDead.includes(p) ? deadBroker : 2 + (p % 2));
  await zk.create(ZkPaths.topic(deleted), serializeTopicAssignment(new Map([[0, [1, 2, 3]]])));
  await write(deleted, 0, deadBroker);
  await zk.create(ZkPaths.deleteTopic(deleted));
}

async function stateOf(zk: SimZooKeeper, name: string, partition: number): Promise<PartitionStateZnode> {
  const path = ZkPaths.partitionState(name, partition);
  return parsePartitionState(path, (await zk.getData(path)).data);
}

describe('a controller failover with a leaderless hint', () => {
  let scheduler: SimScheduler;
  let zk: SimZooKeeper;
  let channel: RecordingChannel;
  let controller: Controller | undefined;

  beforeEach(async () => {
    scheduler = new SimScheduler(1);
    scheduler.runFreely();
    zk = new SimZooKeeperServer(scheduler).connect('broker-2');
    channel = new RecordingChannel();
    await clusterAfterControllerDeath(zk, scheduler);
  });

  afterEach(async () => {
    await controller?.shutdown();
    scheduler.stopRunningFreely();
  });

  async function failover(hint: TopicPartition[]): Promise<{ stateReads: string[]; hintedWith: number[][]; readsAtMs: number[] }> {
    const hintedWith: number[][] = [];
    controller = new Controller({
      zk, brokerId: 2, uncleanLeaderElectionEnable: false, logger: quiet, clock: scheduler, scheduler, channel,
      leaderlessHint: (live) => {
        hintedWith.push([...live].sort());
        return hint;
      },
    });
    // The paths read, one getData at a time or many in one getDataMany, in the order asked.
    const reads: string[] = [];
    // When each getDataMany was asked, on the simulated clock.
    const readsAtMs: number[] = [];
    const getData = zk.getData.bind(zk);
    const getDataMany = zk.getDataMany.bind(zk);
    jest.spyOn(zk, 'getData').mockImplementation((path, watcher) => {
      reads.push(path);
      return getData(path, watcher);
    });
    jest.spyOn(zk, 'getDataMany').mockImplementation((paths) => {
      reads.push(...paths);
      readsAtMs.push(scheduler.nowMs());
      return getDataMany(paths);
    });
    await controller.startup();
    return { stateReads: reads.filter((path) => path.endsWith('/state')), hintedWith, readsAtMs };
  }

  it('reads, elects and announces the partitions hinted first, before reading the others', async () => {
    const hinted = ledByDead.map((partition) => ({ topic, partition }));
    const { stateReads, hintedWith } = await failover(hinted);
    expect(hintedWith).toEqual([[2, 3]]);
    expect(stateReads.slice(0, 3)).toEqual(ledByDead.map((p) => ZkPaths.partitionState(topic, p)));
    // Each partition's state znode is read once: the full load skips those read first.
    expect(stateReads.filter((path) => path === ZkPaths.partitionState(topic, 0))).toHaveLength(1);
    // The first requests carry only the partitions the dead broker led, now led by a live one.
    const early = ledByDead.map((p) => `${topic}-${p}`);
    expect(channel.sent[0]).toMatchObject({ apiKey: ApiKey.LeaderAndIsr, partitions: early });
    expect(channel.sent.filter((s) => s.apiKey === ApiKey.UpdateMetadata)[0].partitions).toEqual(early);
    for (const p of ledByDead) {
      const state = await stateOf(zk, topic, p);
      expect([2, 3]).toContain(state.leader);
      expect(state.leaderEpoch).toBe(6);
    }
    // Then, as Kafka's failover, every broker learns every partition.
    const full = channel.sent.find((s) => s.apiKey === ApiKey.UpdateMetadata && s.partitions.length === partitionCount);
    expect(full).toBeDefined();
  });

  it('reads the other partitions once its own broker has answered the early UpdateMetadata, or after 1.5 s without an answer', async () => {
    const hinted = ledByDead.map((partition) => ({ topic, partition }));
    channel.answer = { scheduler, afterMs: 300 };
    const answered = await failover(hinted);
    const electedAtMs = answered.readsAtMs[0];
    const waitedMs = answered.readsAtMs[1] - electedAtMs;
    // The early elections' writes take a few ms of ZooKeeper latency; the answer 300 ms.
    expect(waitedMs).toBeGreaterThanOrEqual(300);
    expect(waitedMs).toBeLessThan(400);
    // Answered only by another broker: broker 2, the controller, never answers.
    await controller?.shutdown();
    scheduler.stopRunningFreely();
    scheduler = new SimScheduler(1);
    scheduler.runFreely();
    zk = new SimZooKeeperServer(scheduler).connect('broker-2');
    await clusterAfterControllerDeath(zk, scheduler);
    channel = new RecordingChannel();
    channel.answer = { scheduler, afterMs: 100, silentBrokerId: 2 };
    const unanswered = await failover(hinted);
    const unansweredWaitMs = unanswered.readsAtMs[1] - unanswered.readsAtMs[0];
    expect(unansweredWaitMs).toBeGreaterThanOrEqual(1_500);
    expect(unansweredWaitMs).toBeLessThan(1_600);
  });

  it('elects nothing early for a partition wrongly hinted, nor for a topic marked for deletion', async () => {
    const { stateReads } = await failover([{ topic, partition: 1 }, { topic: deleted, partition: 0 }, { topic: 'unknown', partition: 0 }]);
    expect(stateReads[0]).toBe(ZkPaths.partitionState(topic, 1));
    // Partition 1's leader lives and d is being deleted: nothing elected early, nothing announced
    // before the full load; only then the dead broker leaves partition 1's ISR.
    expect(channel.sent[0].partitions).toHaveLength(partitionCount);
    expect((await stateOf(zk, topic, 1)).leader).toBe(3);
    expect((await stateOf(zk, deleted, 0)).leader).toBe(deadBroker);
    // The partitions the hint left out are elected by the full pass.
    for (const p of ledByDead) expect([2, 3]).toContain((await stateOf(zk, topic, p)).leader);
  });

  it('with an empty hint, fails over as before: one announcement of every partition', async () => {
    await failover([]);
    expect(channel.sent[0].partitions).toHaveLength(partitionCount);
    for (const p of ledByDead) expect([2, 3]).toContain((await stateOf(zk, topic, p)).leader);
  });
});
