/**
 * Failover seen through a Kafka client: confluent-kafka's producer (librdkafka) writes with
 * acks=all while the partition's leader is killed with SIGKILL. librdkafka retries on the errors
 * it gets (a lost connection, NOT_LEADER_OR_FOLLOWER), refreshes its metadata, finds the leader
 * the controller elected from the ISR, and goes on; every record it saw acknowledged is read back,
 * at the offset its delivery report named.
 */
import { Admin } from '../../src/client/admin';
import { deliveryVerdict, readAllRecords } from '../../src/harness/delivery-check';
import { stopAllChildren } from '../helpers/child-processes';
import type { TestCluster } from '../helpers/cluster';
import { createTopic, jsonLines, startClientsCluster, startPython } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(150_000);

const sessionTimeoutMs = 4_000;

/** produce.py's delivery reports. */
interface DeliveryEvent {
  acked?: string;
  failed?: string;
  error?: string;
  partition?: number;
  offset?: number;
  done?: number;
  unreported?: number;
}

describe('failover under librdkafka\'s acks=all producer', () => {
  let cluster: TestCluster;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kafka-failover', {
      'zookeeper.session.timeout.ms': String(sessionTimeoutMs),
      'replica.lag.time.max.ms': '3000',
      'replica.fetch.backoff.ms': '100',
    });
    admin = new Admin({ bootstrapServers: cluster.cluster.bootstrapServers, logger: quietLogger });
  });
  afterAll(async () => {
    await stopAllChildren();
    await admin?.close();
    await cluster?.stop();
  });

  const leaderOf = async (topic: string): Promise<number> => (await admin.describeTopics([topic]))[0].partitions[0].leader;

  test('kill -9 of the leader: confluent-kafka finds the new one, and every record it saw acknowledged is read back where it was acknowledged', async () => {
    await createTopic(cluster.cluster.bootstrapServers, 'failover', 1);
    const oldLeader = await leaderOf('failover');
    const producer = startPython('produce.py', [cluster.cluster.bootstrapServers, 'failover', '--rate', '300', '-X', 'retry.backoff.ms=100']);
    const acked = (): DeliveryEvent[] => jsonLines<DeliveryEvent>(producer).filter((e) => e.acked !== undefined);
    const ackedMore = (count: number, what: string): Promise<true> => {
      const target = acked().length + count;
      return producer.waitForOutput(() => (acked().length >= target ? true : undefined), 60_000, what);
    };

    await ackedMore(300, '300 acknowledged records before the kill');
    await cluster.cluster.stopBroker(oldLeader, 'SIGKILL');
    const newLeader = await waitFor(async () => {
      const leader = await leaderOf('failover').catch(() => -1);
      return leader >= 0 && leader !== oldLeader ? leader : undefined;
    }, { timeoutMs: sessionTimeoutMs + 20_000, message: `a leader other than broker ${oldLeader}` });
    await ackedMore(300, `300 more acknowledged records with broker ${newLeader} leading`);
    const exit = await producer.stop('SIGTERM', 130_000);
    expect(exit.code).toBe(0);

    const events = jsonLines<DeliveryEvent>(exit);
    expect(events.filter((e) => e.failed !== undefined)).toEqual([]);
    expect(events[events.length - 1]).toMatchObject({ unreported: 0 });
    const records = await readAllRecords(cluster.cluster.bootstrapServers, 'failover', 60_000, quietLogger);
    const verdict = deliveryVerdict(acked().map((e) => e.acked as string), records.map((r) => r.value));
    expect(verdict.acknowledged).toBeGreaterThanOrEqual(600);
    expect(verdict.lost).toEqual([]);
    const valueAt = new Map(records.map((r) => [r.offset, r.value]));
    expect(acked().filter((e) => valueAt.get(e.offset as number) !== e.acked)).toEqual([]);
  });
});
