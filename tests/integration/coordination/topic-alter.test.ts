/**
 * `josef topic alter` (and AlterConfigs and CreatePartitions, through the same functions) against
 * the real ZooKeeper: config overrides merged or replaced, checked and followed by a change
 * notification; partitions only added, balanced over the live brokers or as given, by a conditional write.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { ErrorCode } from '../../../src/common/errors';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { addPartitions, alterTopicConfig, changeTopicConfig, createTopic, markTopicForDeletion, readTopicAssignment, readTopicConfig } from '../../../src/admin/topic-admin';
import { ZkClient } from '../../../src/coordination/zk-client';
import { serializeBrokerRegistration } from '../../../src/coordination/znodes';
import { quietLogger } from '../../helpers/log';
import { testChroot } from '../../helpers/zk';

let zk: ZkClient;
beforeEach(async () => {
  zk = await ZkClient.connect({ connectString: testChroot('topic-alter'), sessionTimeoutMs: 4000, logger: quietLogger });
  await ensureBasePaths(zk);
  for (const id of [1, 2, 3]) {
    await zk.create(ZkPaths.broker(id), serializeBrokerRegistration({ brokerId: id, endpoints: [plaintextEndpoint('127.0.0.1', 9000 + id)], rack: null, timestampMs: 0 }), 'ephemeral');
  }
});
afterEach(async () => zk.close());

describe('topic alter', () => {
  it('sets and deletes overrides, each change notified', async () => {
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 1, configs: { 'retention.ms': '1000' } }, [1]);
    expect(await alterTopicConfig(zk, 't', { 'segment.bytes': '4096' })).toEqual({ 'retention.ms': '1000', 'segment.bytes': '4096' });
    expect(await alterTopicConfig(zk, 't', {}, ['retention.ms'])).toEqual({ 'segment.bytes': '4096' });
    expect(await readTopicConfig(zk, 't')).toEqual({ 'segment.bytes': '4096' });
    const changes = await zk.getChildren(ZkPaths.configChanges);
    expect(changes).toHaveLength(2);
    for (const c of changes) expect(JSON.parse((await zk.getData(ZkPaths.configChange(c))).data.toString())).toEqual({ version: 2, entity_path: 'topics/t' });
  });

  it.each<{ what: string; set: Record<string, string>; remove: string[]; message: RegExp }>([
    { what: 'an unknown key', set: { 'retention.msec': '1' }, remove: [], message: /unknown topic config retention.msec \(known: .*retention.ms/ },
    { what: 'a bad value', set: { 'segment.bytes': 'lots' }, remove: [], message: /invalid value "lots" for topic config segment.bytes/ },
    { what: 'deleting an unknown key', set: {}, remove: ['nope'], message: /unknown topic config nope/ },
  ])('refuses $what and writes nothing', async ({ set, remove, message }) => {
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 1, configs: {} }, [1]);
    await expect(alterTopicConfig(zk, 't', set, remove)).rejects.toThrow(message);
    expect(await zk.getChildren(ZkPaths.configChanges)).toEqual([]);
  });

  it('refuses an unknown topic', async () => {
    await expect(alterTopicConfig(zk, 'nope', { 'retention.ms': '1' })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
    await expect(addPartitions(zk, 'nope', 3)).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
  });

  it('adds partitions balanced over the live brokers, keeping the existing ones, and never removes any', async () => {
    await createTopic(zk, { name: 't', numPartitions: 2, replicationFactor: 2, assignments: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: {} }, []);
    const added = await addPartitions(zk, 't', 4);
    expect([...added.keys()]).toEqual([2, 3]);
    expect(added.get(2)?.[0]).toBe(3); // broker 3 led nothing
    const all = await readTopicAssignment(zk, 't');
    expect(all?.get(0)).toEqual([1, 2]);
    expect(all?.get(1)).toEqual([2, 1]);
    const held = new Map<number, number>();
    for (const r of all?.values() ?? []) for (const id of r) held.set(id, (held.get(id) ?? 0) + 1);
    expect([...held.values()].sort()).toEqual([2, 3, 3]);
    await expect(addPartitions(zk, 't', 4)).rejects.toThrow(/Topic already has 4 partitions\./);
    await expect(addPartitions(zk, 't', 2)).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS.code });
  });

  it('replaces the overrides with exactly the set given (AlterConfigs), notified; validateOnly writes nothing', async () => {
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 1, configs: { 'retention.ms': '1000' } }, [1]);
    await changeTopicConfig(zk, 't', { 'segment.bytes': '4096' }, true);
    expect(await readTopicConfig(zk, 't')).toEqual({ 'retention.ms': '1000' });
    expect(await zk.getChildren(ZkPaths.configChanges)).toEqual([]);
    await changeTopicConfig(zk, 't', { 'segment.bytes': '4096' });
    expect(await readTopicConfig(zk, 't')).toEqual({ 'segment.bytes': '4096' });
    expect(await zk.getChildren(ZkPaths.configChanges)).toHaveLength(1);
    await expect(changeTopicConfig(zk, 't', { 'segment.bytes': 'big' })).rejects.toMatchObject({ name: 'ConfigValueError', code: ErrorCode.INVALID_CONFIG.code });
    await expect(changeTopicConfig(zk, 'bad/name', {})).rejects.toMatchObject({ code: ErrorCode.INVALID_TOPIC_EXCEPTION.code });
  });

  it('adds partitions with the replica lists given, checked as Kafka checks them; validateOnly writes nothing', async () => {
    await createTopic(zk, { name: 't', numPartitions: 2, replicationFactor: 2, assignments: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: {} }, []);
    const refused = async (assignments: number[][], message: RegExp) => {
      await expect(addPartitions(zk, 't', 4, { assignments })).rejects.toMatchObject({ code: ErrorCode.INVALID_REPLICA_ASSIGNMENT.code, message });
    };
    await refused([[1, 9], [2, 3]], /Unknown broker\(s\) in replica assignment: 9\./);
    await refused([[1, 3]], /Increasing the number of partitions by 2 but 1 assignments provided\./);
    await refused([[1, 3], [3]], /every partition must have the same number of replicas/);
    await refused([[1, 3], [3, 3]], /partition 3 lists a broker twice/);
    expect(await addPartitions(zk, 't', 4, { assignments: [[3, 1], [1, 3]], validateOnly: true })).toEqual(new Map([[2, [3, 1]], [3, [1, 3]]]));
    expect((await readTopicAssignment(zk, 't'))?.size).toBe(2);
    await addPartitions(zk, 't', 4, { assignments: [[3, 1], [1, 3]] });
    expect(await readTopicAssignment(zk, 't')).toEqual(new Map([[0, [1, 2]], [1, [2, 1]], [2, [3, 1]], [3, [1, 3]]]));
    await expect(addPartitions(zk, 't', 3)).rejects.toThrow(/Topic currently has 4 partitions, which is higher than the requested 3\./);
  });

  it('refuses a topic or partitions past max.broker.partitions before writing anything (KIP-578)', async () => {
    // Brokers 1-3 host 2 replicas each already; the limit is 3 per broker.
    const partitionLimit = { maxBrokerPartitions: 3, replicasPerBroker: () => new Map([[1, 2], [2, 2], [3, 2]]) };
    await expect(createTopic(zk, { name: 'big', numPartitions: 2, replicationFactor: 3, configs: {} }, [1, 2, 3], undefined, partitionLimit))
      .rejects.toMatchObject({ code: ErrorCode.POLICY_VIOLATION.code, message: expect.stringMatching(/broker 1 hosts 2 and would get 2 more.*exceeds max.broker.partitions \(3 partition replicas per broker\)/) });
    expect(await readTopicAssignment(zk, 'big')).toBeUndefined();
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 3, configs: {} }, [1, 2, 3], undefined, partitionLimit);
    await expect(addPartitions(zk, 't', 3, { partitionLimit })).rejects.toMatchObject({ code: ErrorCode.POLICY_VIOLATION.code });
    await expect(addPartitions(zk, 't', 2, { assignments: [[3, 1, 2]], partitionLimit, validateOnly: true })).resolves.toEqual(new Map([[1, [3, 1, 2]]]));
    expect((await readTopicAssignment(zk, 't'))?.size).toBe(1);
  });

  it('adds no partitions to a topic queued for deletion', async () => {
    await createTopic(zk, { name: 't', numPartitions: 1, replicationFactor: 1, configs: {} }, [1]);
    await markTopicForDeletion(zk, 't');
    await expect(addPartitions(zk, 't', 2)).rejects.toMatchObject({ code: ErrorCode.INVALID_TOPIC_EXCEPTION.code });
  });
});
