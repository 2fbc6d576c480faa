import { allowEverything } from '../../../src/server/handlers/authorization';
import { loadBrokerConfig } from '../../../src/common/config';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import type { CreatableTopic, UpdateMetadataRequest } from '../../../src/protocol/messages';
import { createTopicsHandler } from '../../../src/server/handlers/create-topics';
import { deleteTopicsHandler } from '../../../src/server/handlers/delete-topics';
import { findCoordinatorHandler } from '../../../src/server/handlers/find-coordinator';
import { metadataHandler } from '../../../src/server/handlers/metadata';
import type { NewTopic, TopicAdminPort } from '../../../src/server/handlers/ports';
import { MetadataCache } from '../../../src/server/metadata-cache';
import type { RequestContext } from '../../../src/server/request-context';
import { liveBroker, plaintextBroker } from '../../helpers/live-brokers';
import { quietLogger } from '../../helpers/log';

const ctx: RequestContext = { protocol: 'josef', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'test', correlationId: 1, apiVersion: 0, remoteAddress: '127.0.0.1:1' };
/** Broker `id` as a Metadata answer on the PLAINTEXT listener lists it. */
const broker = (id: number) => ({ nodeId: id, host: '127.0.0.1', port: 9091 + id, rack: null });

function update(overrides: Partial<UpdateMetadataRequest>): UpdateMetadataRequest {
  const liveBrokers = [1, 2].map((id) => plaintextBroker(id, '127.0.0.1', 9091 + id));
  return { controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: [], liveBrokers, deletedTopics: [], ...overrides };
}

function state(topic: string, partition: number, leader: number, replicas = [leader]) {
  return { topic, partition, controllerEpoch: 1, leader, leaderEpoch: 0, isr: replicas, zkVersion: 0, replicas, offlineReplicas: [] };
}

/** Plays the controller: a created topic shows up in the cache with leaders when `elect` is called. */
class FakeTopicAdmin implements TopicAdminPort {
  created: NewTopic[] = [];
  deleted: string[] = [];
  constructor(private readonly cache: MetadataCache, private readonly electAtOnce = true) {}
  async createTopic(topic: NewTopic): Promise<void> {
    if (this.created.some((t) => t.name === topic.name)) throw new JosefError(ErrorCode.TOPIC_ALREADY_EXISTS, topic.name);
    this.created.push(topic);
    if (this.electAtOnce) setImmediate(() => this.elect(topic));
  }
  elect(topic: NewTopic): void {
    const states = Array.from({ length: topic.numPartitions }, (_, p) => state(topic.name, p, 1 + (p % 2)));
    this.cache.update(update({ partitionStates: states }));
  }
  async markTopicForDeletion(name: string): Promise<void> {
    this.deleted.push(name);
    setImmediate(() => this.cache.update(update({ deletedTopics: [name] })));
  }
}

describe('MetadataCache and the topic handlers', () => {
  const config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'num.partitions': '2' } }).config;
  let cache: MetadataCache;
  let admin: FakeTopicAdmin;
  beforeEach(() => {
    cache = new MetadataCache();
    admin = new FakeTopicAdmin(cache);
    cache.update(update({}));
  });
  const deps = () => ({ config, metadataCache: cache, topicAdmin: admin, logger: quietLogger, authorize: allowEverything, clusterId: () => 'cluster-1', autoCreateLeaderWaitMs: 2000 });

  it('names the partitions led by none of the given brokers, for a new controller to elect first', () => {
    cache.update(update({ partitionStates: [state('orders', 0, 1), state('orders', 1, 2), state('orders', 2, -1), state('audit', 0, 3)] }));
    cache.update(update({ deletedTopics: ['audit'] }));
    expect(cache.partitionsLedOutside(new Set([2, 3]))).toEqual([{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 2 }]);
    expect(cache.partitionsLedOutside(new Set([1, 2]))).toEqual([{ topic: 'orders', partition: 2 }]);
  });

  it('answers Metadata from the cache: brokers, controller, partitions; dead leaders are LEADER_NOT_AVAILABLE', async () => {
    cache.update(update({ partitionStates: [state('orders', 1, 2, [2, 1]), state('orders', 0, 3, [3, 1])] }));
    const response = await metadataHandler(deps())({ topics: null, allowAutoTopicCreation: false }, ctx);
    expect(response).toEqual({
      brokers: [broker(1), broker(2)], clusterId: 'cluster-1', controllerId: 1,
      topics: [{
        errorCode: 0, name: 'orders', isInternal: false, partitions: [
          { errorCode: ErrorCode.LEADER_NOT_AVAILABLE.code, partition: 0, leader: -1, leaderEpoch: 0, replicas: [3, 1], isr: [3, 1], offlineReplicas: [3] },
          { errorCode: 0, partition: 1, leader: 2, leaderEpoch: 0, replicas: [2, 1], isr: [2, 1], offlineReplicas: [] },
        ],
      }],
    });
  });

  it('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION unless auto-creation is allowed', async () => {
    const response = await metadataHandler(deps())({ topics: ['nope'], allowAutoTopicCreation: false }, ctx);
    expect(response?.topics).toEqual([{ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, name: 'nope', isInternal: false, partitions: [] }]);
    expect(admin.created).toEqual([]);
  });

  it('auto-creates with num.partitions and waits for the leaders before answering', async () => {
    const response = await metadataHandler(deps())({ topics: ['fresh'], allowAutoTopicCreation: true }, ctx);
    expect(admin.created).toEqual([{ name: 'fresh', numPartitions: 2, replicationFactor: 1, configs: {} }]);
    expect(response?.topics[0]).toMatchObject({ errorCode: 0, name: 'fresh' });
    expect(response?.topics[0].partitions.map((p) => p.leader)).toEqual([1, 2]);
  });

  it('answers LEADER_NOT_AVAILABLE when the leaders do not come in time; auto-creation can be disabled', async () => {
    admin = new FakeTopicAdmin(cache, false);
    const response = await metadataHandler({ ...deps(), autoCreateLeaderWaitMs: 50 })({ topics: ['slow'], allowAutoTopicCreation: true }, ctx);
    expect(response?.topics[0]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE.code, partitions: [] });
    const off = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'auto.create.topics.enable': 'false' } }).config;
    const refused = await metadataHandler({ ...deps(), config: off })({ topics: ['other'], allowAutoTopicCreation: true }, ctx);
    expect(refused?.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
  });

  it('auto-creation fails as Kafka does: bad names, too few brokers for the offsets topic', async () => {
    const response = await metadataHandler(deps())({ topics: ['bad name', '__consumer_offsets'], allowAutoTopicCreation: true }, ctx);
    expect(response?.topics.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION.code, ErrorCode.COORDINATOR_NOT_AVAILABLE.code]);
  });

  const topic = (name: string, overrides: Partial<CreatableTopic> = {}): CreatableTopic =>
    ({ name, numPartitions: 3, replicationFactor: 2, assignments: [], configs: {}, ...overrides });

  it('CreateTopics checks, writes, and waits for leaders', async () => {
    const response = await createTopicsHandler(deps())({
      topics: [
        topic('good'),
        topic('too-wide', { replicationFactor: 3 }),
        topic('bad-config', { configs: { 'retention.ms': 'soon' } }),
        topic('unknown-config', { configs: { 'no.such': '1' } }),
        topic('zero', { numPartitions: 0 }),
        topic('assigned', { numPartitions: -1, replicationFactor: -1, assignments: [{ partition: 0, brokerIds: [2, 1] }, { partition: 1, brokerIds: [1, 2] }] }),
        topic('bad-assignment', { numPartitions: -1, replicationFactor: -1, assignments: [{ partition: 1, brokerIds: [1] }] }),
        topic('twice'), topic('twice'),
      ],
      timeoutMs: 2000,
      validateOnly: false,
    }, ctx);
    expect(response?.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['good', 0],
      ['too-wide', ErrorCode.INVALID_REPLICATION_FACTOR.code],
      ['bad-config', ErrorCode.INVALID_CONFIG.code],
      ['unknown-config', ErrorCode.INVALID_CONFIG.code],
      ['zero', ErrorCode.INVALID_PARTITIONS.code],
      ['assigned', 0],
      ['bad-assignment', ErrorCode.INVALID_REPLICA_ASSIGNMENT.code],
      ['twice', ErrorCode.INVALID_REQUEST.code],
      ['twice', ErrorCode.INVALID_REQUEST.code],
    ]);
    expect(response?.topics[1].errorMessage).toMatch(/replication factor: 3 larger than available brokers: 2/);
    expect(admin.created.map((t) => t.name)).toEqual(['good', 'assigned']);
    expect(admin.created[1].assignments).toEqual(new Map([[0, [2, 1]], [1, [1, 2]]]));
    expect(cache.hasLeaders('good')).toBe(true);
    const again = await createTopicsHandler(deps())({ topics: [topic('good')], timeoutMs: 0, validateOnly: false }, ctx);
    expect(again?.topics[0].errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS.code);
  });

  it('CreateTopics: validateOnly writes nothing; a controller too slow gives REQUEST_TIMED_OUT', async () => {
    const base = { name: 'x', numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} };
    const validated = await createTopicsHandler(deps())({ topics: [base], timeoutMs: 100, validateOnly: true }, ctx);
    expect(validated?.topics[0].errorCode).toBe(0);
    expect(admin.created).toEqual([]);
    admin = new FakeTopicAdmin(cache, false);
    const slow = await createTopicsHandler(deps())({ topics: [base], timeoutMs: 30, validateOnly: false }, ctx);
    expect(slow?.topics[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
  });

  it('CreateTopics and DeleteTopics with a timeout of 0 do the work and answer REQUEST_TIMED_OUT, as Kafka does', async () => {
    const created = await createTopicsHandler(deps())({ topics: [topic('now')], timeoutMs: 0, validateOnly: false }, ctx);
    expect(created?.topics[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
    expect(admin.created.map((t) => t.name)).toEqual(['now']);
    const validated = await createTopicsHandler(deps())({ topics: [topic('checked')], timeoutMs: 0, validateOnly: true }, ctx);
    expect(validated?.topics[0].errorCode).toBe(0);
    cache.update(update({ partitionStates: [state('gone', 0, 1)] }));
    const deleted = await deleteTopicsHandler(deps())({ topicNames: ['gone'], timeoutMs: 0 }, ctx);
    expect(deleted?.responses[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT.code);
    expect(admin.deleted).toEqual(['gone']);
  });

  it('CreateTopics refuses a config without a value (Kafka\'s wire format allows null) with INVALID_REQUEST', async () => {
    const response = await createTopicsHandler(deps())({ topics: [topic('nulls', { configs: { 'cleanup.policy': null } })], timeoutMs: 100, validateOnly: false }, ctx);
    expect(response?.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: expect.stringMatching(/cleanup.policy/) });
    expect(admin.created).toEqual([]);
  });

  it('DeleteTopics marks known topics and waits for them to leave the cache', async () => {
    cache.update(update({ partitionStates: [state('doomed', 0, 1)] }));
    const response = await deleteTopicsHandler(deps())({ topicNames: ['doomed', 'ghost'], timeoutMs: 2000 }, ctx);
    expect(response?.responses.map((r) => [r.name, r.errorCode])).toEqual([['doomed', 0], ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code]]);
    expect(cache.hasTopic('doomed')).toBe(false);
    const disabled = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'delete.topic.enable': 'false' } }).config;
    const refused = await deleteTopicsHandler({ ...deps(), config: disabled })({ topicNames: ['x'], timeoutMs: 0 }, ctx);
    expect(refused?.responses[0].errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED.code);
  });

  it('waitUntil resolves on the update that makes the condition true, or false at its timeout', async () => {
    const waiting = cache.waitUntil(() => cache.hasLeaders('t'), 1000);
    cache.update(update({ partitionStates: [state('t', 0, 1)] }));
    await expect(waiting).resolves.toBe(true);
    await expect(cache.waitUntil(() => cache.hasTopic('never'), 20)).resolves.toBe(false);
  });
});

describe('Metadata and FindCoordinator answer with the listener the request came in on', () => {
  const config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'offsets.topic.num.partitions': '1' } }).config;
  // Broker 1 has both listeners, broker 2 only INTERNAL (a misconfigured cluster, as Kafka allows it).
  const liveBrokers = [
    liveBroker(1, { INTERNAL: { host: '10.0.0.1', port: 19092 }, EXTERNAL: { host: 'localhost', port: 9092 } }),
    liveBroker(2, { INTERNAL: { host: '10.0.0.2', port: 19092 } }),
  ];
  const on = (listenerName: string, protocol: 'josef' | 'kafka' = 'josef', apiVersion = 0): RequestContext => ({ ...ctx, listenerName, protocol, apiVersion });
  let cache: MetadataCache;
  beforeEach(() => {
    cache = new MetadataCache();
    cache.update(update({ liveBrokers, partitionStates: [state('orders', 0, 1, [1, 2]), state('orders', 1, 2, [2, 1])] }));
  });
  const deps = () => ({ config, metadataCache: cache, topicAdmin: new FakeTopicAdmin(cache), logger: quietLogger, authorize: allowEverything, clusterId: () => 'c' });

  it('lists each broker at its address on that listener', async () => {
    const internal = await metadataHandler(deps())({ topics: ['orders'], allowAutoTopicCreation: false }, on('INTERNAL'));
    expect(internal?.brokers).toEqual([{ nodeId: 1, host: '10.0.0.1', port: 19092, rack: null }, { nodeId: 2, host: '10.0.0.2', port: 19092, rack: null }]);
    expect(internal?.topics[0].partitions.map((p) => [p.errorCode, p.leader])).toEqual([[0, 1], [0, 2]]);
  });

  it('leaves out a broker without that listener; a partition it leads has no leader: LISTENER_NOT_FOUND, or LEADER_NOT_AVAILABLE before Metadata v6', async () => {
    const external = await metadataHandler(deps())({ topics: ['orders'], allowAutoTopicCreation: false }, on('EXTERNAL'));
    expect(external?.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]);
    expect(external?.topics[0].partitions.map((p) => [p.errorCode, p.leader, p.replicas])).toEqual([
      [0, 1, [1, 2]], [ErrorCode.LISTENER_NOT_FOUND.code, -1, [2, 1]],
    ]);
    const kafkaV5 = await metadataHandler(deps())({ topics: ['orders'], allowAutoTopicCreation: false }, on('EXTERNAL', 'kafka', 5));
    expect(kafkaV5?.topics[0].partitions[1]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE.code, leader: -1 });
    // A listener no broker has: no brokers at all.
    expect((await metadataHandler(deps())({ topics: [], allowAutoTopicCreation: false }, on('OTHER')))?.brokers).toEqual([]);
  });

  it('FindCoordinator names the coordinator on that listener, or COORDINATOR_NOT_AVAILABLE when it has none', async () => {
    cache.update(update({ liveBrokers, partitionStates: [state('__consumer_offsets', 0, 1, [1, 2])] }));
    const find = findCoordinatorHandler(deps());
    expect(await find({ key: 'g', keyType: 0 }, on('EXTERNAL'))).toMatchObject({ errorCode: 0, nodeId: 1, host: 'localhost', port: 9092 });
    expect(await find({ key: 'g', keyType: 0 }, on('INTERNAL'))).toMatchObject({ errorCode: 0, nodeId: 1, host: '10.0.0.1', port: 19092 });
    cache.update(update({ liveBrokers, partitionStates: [state('__consumer_offsets', 0, 2, [2, 1])] }));
    expect(await find({ key: 'g', keyType: 0 }, on('EXTERNAL'))).toMatchObject({
      errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE.code, nodeId: -1, errorMessage: '__consumer_offsets-0: its leader, broker 2, has no EXTERNAL listener',
    });
  });
});
