/**
 * Topic znodes against the real ZooKeeper: what createTopic writes, what it refuses, deletion
 * markers, and the reads brokers share.
 */
import { ErrorCode } from '../../../src/common/errors';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import {
  createTopic, listTopics, markTopicForDeletion, readPartitionState, readTopicAssignment, readTopicConfig, topicExistsInZk,
} from '../../../src/admin/topic-admin';
import { ZkClient } from '../../../src/coordination/zk-client';
import { serializePartitionState } from '../../../src/coordination/znodes';
import { quietLogger } from '../../helpers/log';
import { testChroot } from '../../helpers/zk';

let zk: ZkClient;
beforeEach(async () => {
  zk = await ZkClient.connect({ connectString: testChroot('topic-admin'), sessionTimeoutMs: 4000, logger: quietLogger });
  await ensureBasePaths(zk);
});
afterEach(async () => zk.close());

const spec = (name: string, numPartitions = 2, replicationFactor = 2) => ({ name, numPartitions, replicationFactor, configs: {} });

describe('topic admin', () => {
  it('writes the config, then the assignment, in Kafka\'s JSON', async () => {
    const assignment = await createTopic(zk, { ...spec('orders', 3, 2), configs: { 'retention.ms': '60000' } }, [1, 2, 3], () => 0);
    expect(JSON.parse((await zk.getData(ZkPaths.topic('orders'))).data.toString())).toEqual({
      version: 2, partitions: { 0: [1, 2], 1: [2, 3], 2: [3, 1] }, adding_replicas: {}, removing_replicas: {},
    });
    expect(JSON.parse((await zk.getData(ZkPaths.topicConfig('orders'))).data.toString())).toEqual({ version: 1, config: { 'retention.ms': '60000' } });
    expect(await readTopicAssignment(zk, 'orders')).toEqual(assignment);
    expect(await readTopicConfig(zk, 'orders')).toEqual({ 'retention.ms': '60000' });
    expect(await readTopicConfig(zk, 'nope')).toEqual({});
    expect(await readTopicAssignment(zk, 'nope')).toBeUndefined();
    expect(await listTopics(zk)).toEqual(['orders']);
    expect(await topicExistsInZk(zk, 'orders')).toBe(true);
  });

  it.each([
    { what: 'an existing topic', name: 'taken', code: ErrorCode.TOPIC_ALREADY_EXISTS, message: /topic 'taken' already exists/ },
    { what: "a '.' vs '_' collision", name: 'tak.en', setup: 'tak_en', code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: /collides with existing topic 'tak_en'/ },
    { what: 'an illegal name', name: 'bad/name', code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: /only ASCII letters/ },
    { what: 'a replication factor above the live brokers', name: 'big', rf: 4, code: ErrorCode.INVALID_REPLICATION_FACTOR, message: /larger than available brokers: 3/ },
    { what: 'zero partitions', name: 'empty', partitions: 0, code: ErrorCode.INVALID_PARTITIONS, message: /at least 1/ },
  ])('refuses $what', async ({ name, setup, rf, partitions, code, message }) => {
    await createTopic(zk, spec(setup ?? 'taken'), [1, 2, 3]);
    const attempt = createTopic(zk, spec(name, partitions ?? 1, rf ?? 1), [1, 2, 3]);
    await expect(attempt).rejects.toMatchObject({ code: code.code });
    await expect(attempt).rejects.toThrow(message);
  });

  it('takes an explicit assignment after checking it', async () => {
    const assignment = new Map([[0, [3, 1]], [1, [1, 2]]]);
    expect(await createTopic(zk, { ...spec('manual'), assignments: assignment }, [])).toEqual(assignment);
    await expect(createTopic(zk, { ...spec('crooked'), assignments: new Map([[0, [1, 1]]]) }, []))
      .rejects.toMatchObject({ code: ErrorCode.INVALID_REPLICA_ASSIGNMENT.code });
  });

  it('marks a topic for deletion (twice is fine) and refuses an unknown one', async () => {
    await createTopic(zk, spec('doomed'), [1, 2]);
    await markTopicForDeletion(zk, 'doomed');
    await markTopicForDeletion(zk, 'doomed');
    expect(await zk.getChildren(ZkPaths.deleteTopics)).toEqual(['doomed']);
    await expect(markTopicForDeletion(zk, 'ghost')).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
  });

  it('reads a partition state with the zkVersion to write against', async () => {
    expect(await readPartitionState(zk, 'orders', 0)).toBeUndefined();
    await zk.mkdirp(ZkPaths.partition('orders', 0));
    await zk.create(ZkPaths.partitionState('orders', 0), serializePartitionState({ leader: 2, leaderEpoch: 3, isr: [2], controllerEpoch: 1 }));
    expect(await readPartitionState(zk, 'orders', 0)).toEqual({ leader: 2, leaderEpoch: 3, isr: [2], controllerEpoch: 1, zkVersion: 0 });
  });
});
