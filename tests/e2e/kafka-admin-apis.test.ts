/**
 * DescribeConfigs, AlterConfigs, CreatePartitions and ElectLeaders on Kafka's wire, against three
 * real brokers, through the clients people use: confluent-kafka (librdkafka, under /usr/bin/python3)
 * and KafkaJS for the first three, and for ElectLeaders, which neither has, a request written with
 * Josef's own description of it. Topics are created with Josef's admin client.
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin as KafkaJsAdmin } from 'kafkajs';
import { Admin } from '../../src/client/admin';
import { ZkClient } from '../../src/coordination/zk-client';
import { ZkPaths } from '../../src/coordination/paths';
import { readTopicAssignment } from '../../src/admin/topic-admin';
import { parsePartitionState, parseTopicConfig, type PartitionStateZnode } from '../../src/coordination/znodes';
import { ErrorCode } from '../../src/common/errors';
import { ApiKey } from '../../src/protocol/api-keys';
import { ConfigSource, ElectionType } from '../../src/protocol/messages';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { jsonLines, runPython } from '../helpers/kafka-clients';
import { sendKafkaRequest } from '../helpers/kafka-request';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const clientTimeoutMs = 90_000;

interface PythonConfig { value: string | null; source: number; isDefault: boolean; isReadOnly: boolean; synonyms: [string, string | null, number][] }
type PythonResult = { configs: Record<string, PythonConfig> } & { ok?: true; error?: { code: number; name: string; message: string } };

/** One call of admin_configs.py to its exit, its JSON line parsed; fails unless it exits with 0. */
async function confluent(bootstrap: string, ...args: string[]): Promise<PythonResult> {
  const [result] = jsonLines<PythonResult>(await runPython('admin_configs.py', [bootstrap, ...args], { timeoutMs: clientTimeoutMs }));
  if (result === undefined) throw new Error(`admin_configs.py ${args.join(' ')} printed no JSON line`);
  return result;
}

describe('admin APIs through Kafka clients', () => {
  let cluster: TestCluster;
  let zk: ZkClient;
  let admin: Admin;
  let kafkajs: KafkaJsAdmin;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await startTestCluster('kafka-admin-apis', {
      brokers: 3,
      // No election by itself: the ElectLeaders test moves leadership back on request only.
      overrides: { 'auto.leader.rebalance.enable': 'false', 'zookeeper.session.timeout.ms': '4000', 'replica.lag.time.max.ms': '3000', 'replica.fetch.backoff.ms': '100' },
    });
    bootstrap = cluster.cluster.bootstrapServers;
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect });
    admin = new Admin({ bootstrapServers: bootstrap });
    await admin.createTopics([
      { name: 'py-configs', numPartitions: 1, replicationFactor: 3, configs: { 'retention.bytes': '1000000' } },
      { name: 'js-configs', numPartitions: 1, replicationFactor: 3 },
      { name: 'py-grow', numPartitions: 2, replicationFactor: 2 },
      { name: 'js-grow', numPartitions: 1, replicationFactor: 2 },
      { name: 'elect', replicaAssignment: { 0: [2, 1, 3] } },
    ], { timeoutMs: 60_000 });
    kafkajs = new Kafka({ clientId: 'josef-test', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    await kafkajs.connect();
  });
  afterAll(async () => {
    for (const b of cluster?.cluster.brokers() ?? []) if (b.pid && b.running) process.kill(b.pid, 'SIGCONT');
    await kafkajs?.disconnect();
    await admin?.close();
    await zk?.close();
    await cluster?.stop();
  });

  const topicConfig = async (topic: string): Promise<Record<string, string>> => parseTopicConfig(ZkPaths.topicConfig(topic), (await zk.getData(ZkPaths.topicConfig(topic))).data);
  /** The topic's partitions once every one of `count` has a leader in the metadata of the broker asked (the controller's answered first). */
  const partitionsWithLeaders = (topic: string, count: number) => waitFor(async () => {
    const partitions = (await admin.describeTopics([topic]))[0].partitions;
    return partitions.length === count && partitions.every((p) => p.leader >= 0) ? partitions : undefined;
  }, { timeoutMs: 10_000, message: `${count} partitions of ${topic} with leaders` });

  it('confluent-kafka: describes, alters and validates topic configs; describes a broker', async () => {
    const before = await confluent(bootstrap, 'describe-configs', 'topic', 'py-configs');
    expect(before.configs['retention.bytes']).toMatchObject({ value: '1000000', source: ConfigSource.TOPIC_CONFIG, isDefault: false, isReadOnly: false });
    expect(before.configs['segment.bytes']).toMatchObject({ value: '1073741824', source: ConfigSource.DEFAULT_CONFIG, isDefault: true });
    expect(before.configs['cleanup.policy']).toMatchObject({ value: 'delete' });

    expect(await confluent(bootstrap, 'alter-configs', 'topic', 'py-configs', '--validate-only', 'retention.ms=60000')).toEqual({ ok: true });
    expect(await topicConfig('py-configs')).toEqual({ 'retention.bytes': '1000000' });
    // Not incremental: what is not named goes back to its default.
    expect(await confluent(bootstrap, 'alter-configs', 'topic', 'py-configs', 'retention.ms=60000')).toEqual({ ok: true });
    expect(await topicConfig('py-configs')).toEqual({ 'retention.ms': '60000' });
    const after = await confluent(bootstrap, 'describe-configs', 'topic', 'py-configs');
    expect(after.configs['retention.ms']).toMatchObject({ value: '60000', source: ConfigSource.TOPIC_CONFIG });
    expect(after.configs['retention.bytes']).toMatchObject({ value: '-1', source: ConfigSource.DEFAULT_CONFIG });

    const badValue = await confluent(bootstrap, 'alter-configs', 'topic', 'py-configs', 'retention.ms=soon');
    expect(badValue.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST.code, message: expect.stringContaining('Invalid config value for resource') });
    const unknownName = await confluent(bootstrap, 'alter-configs', 'topic', 'py-configs', 'retention.msec=1');
    expect(unknownName.error).toMatchObject({ code: ErrorCode.INVALID_CONFIG.code });
    const unknownTopic = await confluent(bootstrap, 'describe-configs', 'topic', 'nope');
    expect(unknownTopic.error).toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });

    const broker = await confluent(bootstrap, 'describe-configs', 'broker', '2');
    expect(broker.configs['broker.id']).toMatchObject({ value: '2', source: ConfigSource.STATIC_BROKER_CONFIG, isReadOnly: true });
    expect(broker.configs['replica.lag.time.max.ms']).toMatchObject({ value: '3000', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(broker.configs['num.partitions']).toMatchObject({ value: '1', source: ConfigSource.DEFAULT_CONFIG, isDefault: true });
  });

  it('confluent-kafka: sets a broker throttle rate and refuses a setting only a restart changes', async () => {
    expect(await confluent(bootstrap, 'alter-configs', 'broker', '3', 'leader.replication.throttled.rate=1048576')).toEqual({ ok: true });
    const described = await confluent(bootstrap, 'describe-configs', 'broker', '3');
    expect(described.configs['leader.replication.throttled.rate']).toMatchObject({ value: '1048576', source: ConfigSource.DYNAMIC_BROKER_CONFIG, isReadOnly: false });
    const refused = await confluent(bootstrap, 'alter-configs', 'broker', '3', 'num.partitions=4');
    expect(refused.error).toMatchObject({ code: ErrorCode.INVALID_REQUEST.code, message: expect.stringContaining('Cannot update these configs dynamically: num.partitions') });
    // Replaced, not merged: an empty set lifts the throttle again.
    expect(await confluent(bootstrap, 'alter-configs', 'broker', '3')).toEqual({ ok: true });
    expect((await confluent(bootstrap, 'describe-configs', 'broker', '3')).configs['leader.replication.throttled.rate']).toBeUndefined();
  });

  it('confluent-kafka: adds partitions (librdkafka sends CreatePartitions to the controller), never removes any', async () => {
    expect(await confluent(bootstrap, 'create-partitions', 'py-grow', '5', '--validate-only')).toEqual({ ok: true });
    expect((await readTopicAssignment(zk, 'py-grow'))?.size).toBe(2);
    expect(await confluent(bootstrap, 'create-partitions', 'py-grow', '5')).toEqual({ ok: true });
    await partitionsWithLeaders('py-grow', 5);
    const fewer = await confluent(bootstrap, 'create-partitions', 'py-grow', '3');
    expect(fewer.error).toMatchObject({ code: ErrorCode.INVALID_PARTITIONS.code, message: expect.stringContaining('Topic currently has 5 partitions, which is higher than the requested 3.') });
    const unknown = await confluent(bootstrap, 'create-partitions', 'nope', '3');
    expect(unknown.error).toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code });
  });

  it('KafkaJS: describeConfigs with synonyms, alterConfigs, createPartitions with assignments', async () => {
    await kafkajs.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-configs', configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    expect(await topicConfig('js-configs')).toEqual({ 'min.insync.replicas': '2' });
    const described = await kafkajs.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-configs', configNames: ['min.insync.replicas', 'retention.ms'] }, { type: ConfigResourceTypes.BROKER, name: '1', configNames: ['broker.id'] }],
    });
    const [topic, broker] = described.resources;
    expect(topic).toMatchObject({ errorCode: 0, resourceName: 'js-configs' });
    expect(topic.configEntries).toEqual(expect.arrayContaining([
      expect.objectContaining({
        configName: 'min.insync.replicas', configValue: '2', configSource: ConfigSource.TOPIC_CONFIG, readOnly: false,
        configSynonyms: [
          expect.objectContaining({ configName: 'min.insync.replicas', configValue: '2', configSource: ConfigSource.TOPIC_CONFIG }),
          expect.objectContaining({ configName: 'min.insync.replicas', configValue: '1', configSource: ConfigSource.DEFAULT_CONFIG }),
        ],
      }),
      expect.objectContaining({ configName: 'retention.ms', configValue: String(168 * 3_600_000), configSource: ConfigSource.DEFAULT_CONFIG }),
    ]));
    expect(topic.configEntries).toHaveLength(2);
    expect(broker.configEntries).toEqual([expect.objectContaining({ configName: 'broker.id', configValue: '1', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG })]);
    await expect(kafkajs.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-configs', configEntries: [{ name: 'segment.bytes', value: '1' }] }] }))
      .rejects.toMatchObject({ type: 'INVALID_REQUEST' });

    await kafkajs.createPartitions({ timeout: 30_000, topicPartitions: [{ topic: 'js-grow', count: 3, assignments: [[3, 1], [1, 2]] }] });
    const grown = await partitionsWithLeaders('js-grow', 3);
    expect(grown.map((p) => p.replicas)).toEqual([expect.any(Array), [3, 1], [1, 2]]);
    await expect(kafkajs.createPartitions({ topicPartitions: [{ topic: 'js-grow', count: 4, assignments: [[3, 9]] }] })).rejects.toMatchObject({ type: 'INVALID_REPLICA_ASSIGNMENT' });
  });

  it('ElectLeaders v0 and v1: the controller moves leadership back to the preferred replica; other brokers say NOT_CONTROLLER', async () => {
    const state = async (): Promise<PartitionStateZnode> => parsePartitionState(ZkPaths.partitionState('elect', 0), (await zk.getData(ZkPaths.partitionState('elect', 0))).data);
    await waitFor(async () => (await state()).isr.length === 3, { timeoutMs: 30_000, message: 'elect-0 with a full ISR' });
    // Broker 2, the preferred replica, stops answering: its session expires and broker 1 takes over; it comes back into the ISR.
    const preferred = cluster.cluster.broker(2);
    process.kill(preferred.pid as number, 'SIGSTOP');
    await waitFor(async () => (await state()).leader === 1, { timeoutMs: 30_000, message: 'broker 1 to lead elect-0' });
    process.kill(preferred.pid as number, 'SIGCONT');
    await waitFor(async () => (await state()).isr.includes(2), { timeoutMs: 60_000, message: 'broker 2 back in the ISR of elect-0' });

    const controllerId = await cluster.cluster.controllerId() as number;
    const other = cluster.cluster.brokers().find((b) => b.id !== controllerId) as { host: string; port: number };
    const controller = cluster.cluster.broker(controllerId);
    const elect = (broker: { host: string; port: number }, version: number, body: Record<string, unknown>) =>
      sendKafkaRequest(broker.host, broker.port, ApiKey.ElectLeaders, version, { timeoutMs: 30_000, ...body });
    const only = { topicPartitions: [{ topic: 'elect', partitionId: [0] }] };

    expect(await elect(other, 1, { electionType: ElectionType.PREFERRED, ...only })).toEqual({
      throttleTimeMs: 0, errorCode: 0, replicaElectionResults: [{ topic: 'elect', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.NOT_CONTROLLER.code, errorMessage: null }] }],
    });
    expect(await elect(controller, 1, { electionType: ElectionType.UNCLEAN, ...only })).toMatchObject({
      replicaElectionResults: [{ topic: 'elect', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED.code }] }],
    });
    expect(await elect(controller, 0, only)).toEqual({
      throttleTimeMs: 0, errorCode: 0, replicaElectionResults: [{ topic: 'elect', partitionResult: [{ partitionId: 0, errorCode: 0, errorMessage: null }] }],
    });
    expect((await state()).leader).toBe(2);
    await waitFor(async () => (await admin.describeTopics(['elect']))[0].partitions[0].leader === 2, { timeoutMs: 10_000, message: 'the metadata to name broker 2' });
    expect(await elect(controller, 0, only)).toMatchObject({ replicaElectionResults: [{ partitionResult: [{ errorCode: ErrorCode.ELECTION_NOT_NEEDED.code }] }] });
    // Every partition: those already led by their preferred replica are left out of the answer.
    const all = await elect(controller, 1, { electionType: ElectionType.PREFERRED, topicPartitions: null }) as { replicaElectionResults: { partitionResult: { errorCode: number }[] }[] };
    expect(all.replicaElectionResults.flatMap((t) => t.partitionResult).filter((p) => p.errorCode === ErrorCode.ELECTION_NOT_NEEDED.code)).toEqual([]);
  });
});
