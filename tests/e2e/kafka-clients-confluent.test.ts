/**
 * confluent-kafka-python (librdkafka) against a real three-broker cluster: its producer with
 * acks=all puts every record where its delivery report says.
 */
import { readToEnd } from '../../src/client/delivery-check';
import type { ConsumerRecord } from '../../src/client/records';
import { stopAllChildren } from '../helpers/child-processes';
import type { TestCluster } from '../helpers/cluster';
import { createTopic, jsonLines, runPython, startClientsCluster } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';

jest.setTimeout(180_000);

/** produce.py's delivery reports. */
interface DeliveryEvent {
  acked?: string;
  failed?: string;
  partition: number;
  offset: number;
}

describe('confluent-kafka (librdkafka) against Josef', () => {
  let cluster: TestCluster;
  let bootstrap: string;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kafka-confluent');
    bootstrap = cluster.cluster.bootstrapServers;
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
  });

  test('a producer with acks=all, keys and headers: each record is at the partition and offset its delivery report names', async () => {
    await createTopic(bootstrap, 'produced', 3);
    const run = await runPython('produce.py', [bootstrap, 'produced', '--count', '200', '--keys', '10', '--header', 'origin=python']);
    const events = jsonLines<DeliveryEvent>(run);
    expect(events.filter((e) => e.failed !== undefined)).toEqual([]);
    const acked = events.filter((e) => e.acked !== undefined);
    expect(acked).toHaveLength(200);

    const stored = new Map<string, ConsumerRecord>();
    await readToEnd(bootstrap, 'produced', (r) => stored.set(`${r.partition}@${r.offset}`, r), 30_000, quietLogger);
    expect(stored.size).toBe(200);
    const partitionOfKey = new Map<string, number>();
    for (const e of acked) {
      const record = stored.get(`${e.partition}@${e.offset}`);
      const key = `k${Number((e.acked as string).split('-')[1]) % 10}`;
      expect(record && { key: String(record.key), value: String(record.value), headers: record.headers }).toEqual({
        key, value: e.acked, headers: [{ key: 'origin', value: Buffer.from('python') }],
      });
      // librdkafka's default partitioner (consistent_random) sends one key to one partition.
      expect(partitionOfKey.get(key) ?? e.partition).toBe(e.partition);
      partitionOfKey.set(key, e.partition);
    }
  });
});
