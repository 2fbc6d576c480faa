/**
 * KafkaJS, a Kafka client written apart from librdkafka and Java, against a real three-broker
 * cluster: its admin creates topics and reads metadata, offsets and groups as Josef's Admin and
 * consumers see them; its producer's keys land where Josef's producer puts them (both use Kafka's
 * murmur2); and two members of one group share a topic through eachBatch and commit what they read.
 */
import { Kafka, Partitioners, type Admin as KafkaJsAdmin, type Consumer as KafkaJsConsumer, type Message } from 'kafkajs';
import { Admin } from '../../src/client/admin';
import { Producer } from '../../src/client/producer';
import type { TestCluster } from '../helpers/cluster';
import { createTopic, kafkajsLogLevel, readWithJosef, startClientsCluster } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);

describe('KafkaJS against Josef', () => {
  let cluster: TestCluster;
  let bootstrap: string;
  let kafka: Kafka;
  let kafkajsAdmin: KafkaJsAdmin;
  let josefAdmin: Admin;
  const consumers: KafkaJsConsumer[] = [];

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kafkajs');
    bootstrap = cluster.cluster.bootstrapServers;
    kafka = new Kafka({ brokers: bootstrap.split(','), clientId: 'josef-e2e', logLevel: kafkajsLogLevel });
    kafkajsAdmin = kafka.admin();
    await kafkajsAdmin.connect();
    josefAdmin = new Admin({ bootstrapServers: bootstrap, logger: quietLogger });
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await kafkajsAdmin?.disconnect();
    await josefAdmin?.close();
    await cluster?.stop();
  });

  /** Sends with acks=-1 through a KafkaJS producer using Kafka's Java partitioner (murmur2). */
  const produceWithKafkaJs = async (topic: string, messages: Message[]): Promise<void> => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  };

  test('admin: fetchTopicMetadata and describeCluster say what Josef\'s Admin says', async () => {
    await createTopic(bootstrap, 'described', 3);
    const [josefTopic] = await josefAdmin.describeTopics(['described']);
    const { topics: [topic] } = await kafkajsAdmin.fetchTopicMetadata({ topics: ['described'] });
    expect(topic.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr })).sort((a, b) => a.partition - b.partition))
      .toEqual(josefTopic.partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr })));

    const josefCluster = await josefAdmin.describeCluster();
    const kafkajsCluster = await kafkajsAdmin.describeCluster();
    expect(kafkajsCluster.controller).toBe(josefCluster.controllerId);
    expect(kafkajsCluster.clusterId).toBe(josefCluster.clusterId);
    expect(kafkajsCluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort())
      .toEqual(josefCluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort());
  });

  test('admin: createTopics with three replicas waits for the leaders; Josef\'s Admin describes the topic', async () => {
    expect(await kafkajsAdmin.createTopics({ topics: [{ topic: 'kafkajs-made', numPartitions: 4, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
    const [described] = await josefAdmin.describeTopics(['kafkajs-made']);
    expect(described.partitions).toHaveLength(4);
    for (const p of described.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.leader).toBeGreaterThan(0);
    }
  });

  test('producer with acks=-1, keys and headers: Josef reads them back, each key in the partition Josef\'s producer picks; fetchTopicOffsets counts them', async () => {
    await createTopic(bootstrap, 'from-kafkajs', 6);
    const keys = Array.from({ length: 30 }, (_, i) => `customer-${i}`);
    await produceWithKafkaJs('from-kafkajs', keys.map((key) => ({ key, value: `kafkajs ${key}`, headers: { via: 'kafkajs' } })));

    const josefProducer = new Producer({ bootstrapServers: bootstrap, logger: quietLogger });
    const josefPartitions = await Promise.all(keys.map(async (key) => (await josefProducer.send({ topic: 'from-kafkajs', key, value: 'josef' })).partition));
    await josefProducer.close();
    const records = (await readWithJosef(bootstrap, 'from-kafkajs')).filter((r) => String(r.value).startsWith('kafkajs'));
    expect(records.map((r) => String(r.value)).sort()).toEqual(keys.map((k) => `kafkajs ${k}`).sort());
    for (const r of records) {
      expect(r.headers).toEqual([{ key: 'via', value: Buffer.from('kafkajs') }]);
      expect(r.partition).toBe(josefPartitions[keys.indexOf(String(r.key))]);
    }

    const offsets = await kafkajsAdmin.fetchTopicOffsets('from-kafkajs');
    expect(offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)).toBe(2 * keys.length);
  });

  test('a consumer group with eachBatch: two members share the partitions, read every record and commit what they read; describeGroups lists both', async () => {
    await createTopic(bootstrap, 'batched', 4);
    const values = Array.from({ length: 200 }, (_, i) => `batched-${i}`);
    await produceWithKafkaJs('batched', values.map((value, i) => ({ key: `k${i % 20}`, value })));

    const read: string[] = [];
    const assigned = new Map<string, number[]>();
    const join = async (): Promise<void> => {
      const consumer = kafka.consumer({ groupId: 'kafkajs-group' });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => assigned.set(payload.memberId, payload.memberAssignment.batched ?? []));
      await consumer.connect();
      await consumer.subscribe({ topics: ['batched'], fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            read.push(String(message.value));
            resolveOffset(message.offset);
          }
          await heartbeat();
        },
      });
    };
    await Promise.all([join(), join()]);

    await waitFor(() => new Set(read).size === values.length, { timeoutMs: 60_000, message: 'the group to read all 200 records' });
    expect([...new Set(read)].sort()).toEqual([...values].sort());
    await waitFor(async () => {
      const [{ partitions }] = await kafkajsAdmin.fetchOffsets({ groupId: 'kafkajs-group', topics: ['batched'] });
      const ends = await kafkajsAdmin.fetchTopicOffsets('batched');
      return partitions.every((p) => p.offset === ends.find((e) => e.partition === p.partition)?.high);
    }, { timeoutMs: 30_000, message: 'the group\'s committed offsets to reach the end of every partition' });

    // Each member's partitions as its last join gave them, once the coordinator says the group is Stable with both.
    const memberPartitions = await waitFor(async () => {
      const { groups: [group] } = await kafkajsAdmin.describeGroups(['kafkajs-group']);
      const partitions = group.members.map((m) => assigned.get(m.memberId) ?? []);
      return group.state === 'Stable' && partitions.length === 2 && partitions.flat().length === 4 ? partitions : undefined;
    }, { timeoutMs: 30_000, message: 'describeGroups to show a Stable group of two members holding the four partitions' });
    expect(memberPartitions.flat().sort()).toEqual([0, 1, 2, 3]);
    expect(memberPartitions.every((partitions) => partitions.length === 2)).toBe(true);
  });
});
