/**
 * Kafka's clients and Josef's own on one three-broker cluster, each reading what another wrote:
 * kcat's records through `josef consume` and Josef's Consumer, `josef produce`'s through kcat;
 * keys land in the partitions Josef's producer picks once librdkafka uses murmur2 as Kafka's Java
 * client does; and one consumer group's committed offsets are resumed by the next client in turn
 * (Josef's Consumer, kcat, KafkaJS, confluent-kafka).
 */
import { Kafka } from 'kafkajs';
import { Consumer } from '../../src/client/consumer';
import { GroupAdmin } from '../../src/client/group-admin';
import { Producer } from '../../src/client/producer';
import { stopAllChildren } from '../helpers/child-processes';
import { runJosef, type TestCluster } from '../helpers/cluster';
import {
  createTopic, expectSuccess, jsonLines, kafkajsLogLevel, kcat, kcatRecordFormat, parseKcatRecords, readWithJosef, startClientsCluster, startPython, waitForCommitted,
} from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** `k<i>:<value i>` lines; the values carry UTF-8 beyond ASCII, which every client must keep as bytes. */
const keyedLines = (tag: string, count: number): string[] => Array.from({ length: count }, (_, i) => `k${i}:${tag}-${i}-ü€`);

describe('Kafka clients and Josef\'s own, mixed', () => {
  let cluster: TestCluster;
  let bootstrap: string;
  let producer: Producer;
  let groupAdmin: GroupAdmin;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kafka-mixed');
    bootstrap = cluster.cluster.bootstrapServers;
    producer = new Producer({ bootstrapServers: bootstrap, acks: 'all', logger: quietLogger });
    groupAdmin = new GroupAdmin({ bootstrapServers: bootstrap, logger: quietLogger });
  });
  afterAll(async () => {
    await stopAllChildren();
    await producer?.close();
    await groupAdmin?.close();
    await cluster?.stop();
  });

  test('what kcat produces, josef consume prints and Josef\'s Consumer reads with its headers', async () => {
    await createTopic(bootstrap, 'from-kcat', 3);
    const lines = keyedLines('kcat', 20);
    await kcat(bootstrap, ['-P', '-t', 'from-kcat', '-K:', '-H', 'source=kcat', '-X', 'acks=all'], { input: lines.map((l) => `${l}\n`).join('') });

    const consumed = await runJosef(['consume', 'from-kcat', '--from-beginning', '--print-key', '--max-messages', '20', '--bootstrap-server', bootstrap]);
    expectSuccess(consumed, 'josef consume from-kcat');
    expect(consumed.stdout.trimEnd().split('\n').sort()).toEqual(lines.map((l) => l.replace(':', '\t')).sort());

    const records = await readWithJosef(bootstrap, 'from-kcat');
    expect(records.map((r) => `${String(r.key)}:${String(r.value)}`).sort()).toEqual([...lines].sort());
    for (const r of records) expect(r.headers).toEqual([{ key: 'source', value: Buffer.from('kcat') }]);
  });

  test('what josef produce writes, kcat -C reads', async () => {
    await createTopic(bootstrap, 'from-josef', 3);
    const lines = keyedLines('josef', 20);
    const produced = await runJosef(['produce', 'from-josef', '--key-separator', ':', '--acks', 'all', '--bootstrap-server', bootstrap], 60_000, {}, lines.join('\n'));
    expectSuccess(produced, 'josef produce from-josef');

    const read = parseKcatRecords((await kcat(bootstrap, ['-C', '-t', 'from-josef', '-o', 'beginning', '-e', '-q', '-f', kcatRecordFormat])).stdout);
    expect(read.map((r) => `${String(r.key)}:${String(r.value)}`).sort()).toEqual([...lines].sort());
  });

  test('with partitioner=murmur2_random, kcat puts each key in the partition Josef\'s producer picks (Kafka\'s Java client\'s)', async () => {
    await createTopic(bootstrap, 'partitioned', 6);
    const keys = Array.from({ length: 30 }, (_, i) => `customer-${i}`);
    const josefPartitions = await Promise.all(keys.map(async (key) => (await producer.send({ topic: 'partitioned', key, value: 'josef' })).partition));
    await kcat(bootstrap, ['-P', '-t', 'partitioned', '-K:', '-X', 'partitioner=murmur2_random'], { input: keys.map((k) => `${k}:kcat\n`).join('') });

    const kcatPartitions = new Map<string, number>();
    for (const r of await readWithJosef(bootstrap, 'partitioned')) if (String(r.value) === 'kcat') kcatPartitions.set(String(r.key), r.partition);
    expect(keys.map((k) => kcatPartitions.get(k))).toEqual(josefPartitions);
    expect(new Set(josefPartitions).size).toBeGreaterThan(1);
  });

  test('a group\'s committed offsets are resumed by the next client: Josef\'s Consumer, then kcat, KafkaJS and confluent-kafka', async () => {
    const topic = 'handoff';
    const groupId = 'handoff-group';
    await createTopic(bootstrap, topic, 3);
    /** Writes ten new values for the next client, which must read exactly those. */
    const produceStage = async (stage: string): Promise<string[]> => {
      const values = Array.from({ length: 10 }, (_, i) => `${stage}-${i}`);
      await Promise.all(values.map((value, i) => producer.send({ topic, key: `k${i}`, value })));
      return values.sort();
    };

    const josefValues = await produceStage('josef');
    const josef = new Consumer({ bootstrapServers: bootstrap, groupId, autoOffsetReset: 'earliest', enableAutoCommit: false, logger: quietLogger });
    try {
      josef.subscribe([topic]);
      const read: string[] = [];
      await waitFor(async () => {
        read.push(...(await josef.poll(200)).map((r) => String(r.value)));
        return read.length >= josefValues.length;
      }, { timeoutMs: 30_000, message: 'Josef\'s consumer to read its ten values' });
      expect(read.sort()).toEqual(josefValues);
      await josef.commit();
    } finally {
      await josef.close();
    }

    await waitForCommitted(groupAdmin, groupId, 10);

    const kcatValues = await produceStage('kcat');
    const kcatRun = await kcat(bootstrap, ['-G', groupId, topic, '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', kcatRecordFormat]);
    expect(parseKcatRecords(kcatRun.stdout).map((r) => String(r.value)).sort()).toEqual(kcatValues);
    await waitForCommitted(groupAdmin, groupId, 20);

    const kafkajsValues = await produceStage('kafkajs');
    const kafkajs = new Kafka({ brokers: bootstrap.split(','), clientId: 'handoff', logLevel: kafkajsLogLevel }).consumer({ groupId });
    try {
      await kafkajs.connect();
      await kafkajs.subscribe({ topics: [topic], fromBeginning: true });
      const read: string[] = [];
      await kafkajs.run({ eachMessage: async ({ message }) => { read.push(String(message.value)); } });
      await waitFor(() => read.length >= kafkajsValues.length, { timeoutMs: 30_000, message: 'KafkaJS to read its ten values' });
      expect(read.sort()).toEqual(kafkajsValues);
      await waitForCommitted(groupAdmin, groupId, 30);
    } finally {
      await kafkajs.disconnect();
    }

    const confluentValues = await produceStage('confluent');
    const member = startPython('group_member.py', [bootstrap, groupId, topic]);
    // All 40 records committed: the group ends with no lag.
    await waitForCommitted(groupAdmin, groupId, 40);
    expect((await member.stop()).code).toBe(0);
    expect(jsonLines<{ record?: string }>(member).flatMap((e) => (e.record === undefined ? [] : [e.record])).sort()).toEqual(confluentValues);
  });
});
