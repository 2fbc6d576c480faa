/**
 * CreatePartitions and ElectLeaders decided without ZooKeeper or a controller: fakes play them,
 * and, as the controller's UpdateMetadata would, bring the new leaders into the metadata cache
 * (or, for the timeouts, do not).
 */
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { allowEverything } from '../../../src/server/handlers/authorization';
import type { PartitionElectionResult } from '../../../src/coordination/controller/admin-leader-election';
import { ElectionType, type TopicPartition, type UpdateMetadataRequest } from '../../../src/protocol/messages';
import { createPartitionsHandler } from '../../../src/server/handlers/create-partitions';
import { electLeadersHandler } from '../../../src/server/handlers/elect-leaders';
import type { ControllerPort, PartitionAdminPort } from '../../../src/server/handlers/ports';
import { MetadataCache } from '../../../src/server/metadata-cache';
import type { RequestContext } from '../../../src/server/request-context';
import { plaintextBroker } from '../../helpers/live-brokers';
import { quietLogger } from '../../helpers/log';

const ctx: RequestContext = { protocol: 'kafka', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'test', correlationId: 1, apiVersion: 1, remoteAddress: '127.0.0.1:1' };
const brokers = [1, 2, 3].map((id) => plaintextBroker(id, '127.0.0.1', 9091 + id));

/** Tells the cache that `leader` leads these partitions, as an UpdateMetadata from the controller. */
function lead(cache: MetadataCache, partitions: TopicPartition[], leader: number): void {
  const update: UpdateMetadataRequest = {
    controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, deletedTopics: [], liveBrokers: brokers,
    partitionStates: partitions.map(({ topic, partition }) => ({
      topic, partition, controllerEpoch: 1, leader, leaderEpoch: 1, isr: [1, 2, 3], zkVersion: 1, replicas: [1, 2, 3], offlineReplicas: [],
    })),
  };
  cache.update(update);
}

const tps = (topic: string, partitions: number[]): TopicPartition[] => partitions.map((partition) => ({ topic, partition }));

class FakeController implements ControllerPort {
  isActive = true;
  asked: TopicPartition[][] = [];
  constructor(private readonly answer: (partitions: TopicPartition[]) => PartitionElectionResult[], private readonly onElected?: (elected: PartitionElectionResult[]) => void) {}
  async controlledShutdown(): Promise<TopicPartition[]> {
    return [];
  }
  async electLeaders(partitions: TopicPartition[]): Promise<PartitionElectionResult[]> {
    if (!this.isActive) throw new JosefError(ErrorCode.NOT_CONTROLLER, 'resigned');
    this.asked.push(partitions);
    const results = this.answer(partitions);
    if (this.onElected) setImmediate(() => this.onElected?.(results.filter((r) => r.leader !== undefined)));
    return results;
  }
}

describe('CreatePartitions', () => {
  let cache: MetadataCache;
  let calls: { topic: string; total: number; assignments: number[][] | undefined; validateOnly: boolean }[];
  let controller: FakeController;
  /** Grows topics as the controller would once the znode grows (unless `slow`); "full" already has 4. */
  const admin = (slow = false): PartitionAdminPort => ({
    async addPartitions(topic, total, assignments, validateOnly) {
      calls.push({ topic, total, assignments, validateOnly });
      if (topic === 'full') throw new JosefError(ErrorCode.INVALID_PARTITIONS, 'Topic already has 4 partitions.');
      if (!validateOnly && !slow) setImmediate(() => lead(cache, tps(topic, [...Array(total).keys()]), 2));
    },
  });
  const handler = (slow = false) => createPartitionsHandler({ metadataCache: cache, partitionAdmin: admin(slow), controller: () => controller, logger: quietLogger, authorize: allowEverything });
  const topic = (name: string, count: number, assignments: number[][] | null = null) => ({ name, count, assignments: assignments?.map((brokerIds) => ({ brokerIds })) ?? null });
  beforeEach(() => {
    cache = new MetadataCache();
    lead(cache, [...tps('orders', [0, 1]), ...tps('full', [0, 1, 2, 3])], 1);
    calls = [];
    controller = new FakeController(() => []);
  });

  it('adds partitions and answers once the new ones have leaders', async () => {
    const response = await handler()({ topics: [topic('orders', 4, [[1, 2], [2, 3]]), topic('full', 4)], timeoutMs: 5_000, validateOnly: false }, ctx);
    expect(response?.results).toEqual([
      { name: 'orders', errorCode: 0, errorMessage: null },
      { name: 'full', errorCode: ErrorCode.INVALID_PARTITIONS.code, errorMessage: expect.stringContaining('Topic already has 4 partitions.') },
    ]);
    expect(calls[0]).toEqual({ topic: 'orders', total: 4, assignments: [[1, 2], [2, 3]], validateOnly: false });
    expect(cache.hasLeaders('orders', 4)).toBe(true);
  });

  it('REQUEST_TIMED_OUT when the leaders do not come in time, or at once with a timeout of 0 (Kafka); validateOnly does not wait', async () => {
    const slow = await handler(true)({ topics: [topic('orders', 3)], timeoutMs: 30, validateOnly: false }, ctx);
    expect(slow?.results[0]).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT.code, errorMessage: expect.stringContaining('had no leaders within 30 ms') });
    const noWait = await handler(true)({ topics: [topic('orders', 3)], timeoutMs: 0, validateOnly: false }, ctx);
    expect(noWait?.results[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
    const validated = await handler(true)({ topics: [topic('orders', 3)], timeoutMs: 0, validateOnly: true }, ctx);
    expect(validated?.results[0].errorCode).toBe(0);
    expect(calls.map((c) => c.validateOnly)).toEqual([false, false, true]);
  });

  it('is answered by the controller only, and refuses a topic named twice', async () => {
    controller.isActive = false;
    const elsewhere = await handler()({ topics: [topic('orders', 3), topic('full', 5)], timeoutMs: 1_000, validateOnly: false }, ctx);
    expect(elsewhere?.results.map((r) => r.errorCode)).toEqual([ErrorCode.NOT_CONTROLLER.code, ErrorCode.NOT_CONTROLLER.code]);
    controller.isActive = true;
    const twice = await handler()({ topics: [topic('orders', 3), topic('orders', 4)], timeoutMs: 1_000, validateOnly: false }, ctx);
    expect(twice?.results).toEqual([
      { name: 'orders', errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: 'Duplicate topic in request.' },
      { name: 'orders', errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: 'Duplicate topic in request.' },
    ]);
    expect(calls).toEqual([]);
  });
});

describe('ElectLeaders', () => {
  let cache: MetadataCache;
  beforeEach(() => {
    cache = new MetadataCache();
    lead(cache, [...tps('a', [0, 1, 2]), ...tps('b', [0])], 2);
  });

  /** a-0 moves to broker 1, a-1 needs no election, a-2's preferred replica is out of the ISR, anything else is unknown. */
  const answer = (partitions: TopicPartition[]): PartitionElectionResult[] => partitions.map((tp) => {
    if (tp.topic === 'a' && tp.partition === 0) return { ...tp, errorCode: 0, errorMessage: null, leader: 1 };
    if (tp.topic === 'a' && tp.partition === 1) return { ...tp, errorCode: ErrorCode.ELECTION_NOT_NEEDED.code, errorMessage: null };
    if (tp.topic === 'a') return { ...tp, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE.code, errorMessage: 'not in the ISR' };
    return { ...tp, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, errorMessage: 'The partition does not exist.' };
  });
  const handler = (controller: FakeController | undefined) => electLeadersHandler({ metadataCache: cache, controller: () => controller });

  it('answers per partition once the metadata shows the elected leaders; each partition asked once', async () => {
    const controller = new FakeController(answer, (elected) => lead(cache, elected, 1));
    const response = await handler(controller)({
      electionType: ElectionType.PREFERRED,
      topicPartitions: [{ topic: 'a', partitionId: [0, 1, 2, 0] }, { topic: 'nope', partitionId: [0] }],
      timeoutMs: 5_000,
    }, ctx);
    expect(controller.asked).toEqual([[...tps('a', [0, 1, 2]), ...tps('nope', [0])]]);
    expect(response).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [
        { topic: 'a', partitionResult: [
          { partitionId: 0, errorCode: 0, errorMessage: null },
          { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED.code, errorMessage: null },
          { partitionId: 2, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE.code, errorMessage: 'not in the ISR' },
        ] },
        { topic: 'nope', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, errorMessage: 'The partition does not exist.' }] },
      ],
    });
  });

  it('without a list asks for every partition the metadata knows and leaves out those needing no election', async () => {
    const controller = new FakeController(answer, (elected) => lead(cache, elected, 1));
    const response = await handler(controller)({ electionType: ElectionType.PREFERRED, topicPartitions: null, timeoutMs: 5_000 }, ctx);
    expect(controller.asked).toEqual([[...tps('a', [0, 1, 2]), ...tps('b', [0])]]);
    expect(response?.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => [p.partitionId, p.errorCode])])).toEqual([
      ['a', [[0, 0], [2, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE.code]]],
      ['b', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code]]],
    ]);
  });

  it('REQUEST_TIMED_OUT for an elected leader the metadata does not show in time', async () => {
    const response = await handler(new FakeController(answer))({ electionType: ElectionType.UNCLEAN, topicPartitions: [{ topic: 'a', partitionId: [0, 1] }], timeoutMs: 30 }, ctx);
    expect(response?.replicaElectionResults[0].partitionResult.map((p) => p.errorCode)).toEqual([ErrorCode.REQUEST_TIMED_OUT.code, ErrorCode.ELECTION_NOT_NEEDED.code]);
  });

  it('NOT_CONTROLLER for every partition on any broker but the controller, or once it resigned; an unknown election type fails the request', async () => {
    const resigned = new FakeController(answer);
    resigned.isActive = false;
    for (const controller of [undefined, resigned]) {
      const response = await handler(controller)({ electionType: ElectionType.PREFERRED, topicPartitions: null, timeoutMs: 1_000 }, ctx);
      expect(response?.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => `${t.topic}-${p.partitionId}:${p.errorCode}`))).toEqual(
        ['a-0', 'a-1', 'a-2', 'b-0'].map((tp) => `${tp}:${ErrorCode.NOT_CONTROLLER.code}`),
      );
    }
    const racing = new FakeController(answer);
    racing.electLeaders = async () => { throw new JosefError(ErrorCode.NOT_CONTROLLER, 'resigned meanwhile'); };
    const raced = await handler(racing)({ electionType: ElectionType.PREFERRED, topicPartitions: [{ topic: 'b', partitionId: [0] }], timeoutMs: 1_000 }, ctx);
    expect(raced?.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.NOT_CONTROLLER.code);
    await expect(Promise.resolve(handler(racing)({ electionType: 7, topicPartitions: null, timeoutMs: 1_000 }, ctx))).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST.code });
  });
});
