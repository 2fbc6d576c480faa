/**
 * Failed logins by the hundred while others produce (issue 21; the 10,000 of the issue are
 * bench/failed-logins.ts's): one client fails SCRAM logins on twenty connections at a time, each
 * held for connection.failed.authentication.delay.ms before it is refused, while a producer on the
 * PLAINTEXT listener keeps being acknowledged without a long pause; afterwards the broker is up
 * and a client with the right password logs in and produces.
 */
import { Producer } from '../../src/client/producer';
import { failedLoginStorm } from '../../bench/failed-login-storm';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, kcat, readWithJosef } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';

jest.setTimeout(180_000);

const attempts = 600;
/** The longest an acknowledgement may keep the producer waiting while the storm goes on. */
const ackGapMaxMs = 5_000;

describe('failed logins while others produce', () => {
  let cluster: TestCluster;
  let plaintext: string;
  let saslPort: number;

  beforeAll(async () => {
    const [plainPort, port] = await freePorts(2);
    saslPort = port;
    cluster = await startTestCluster('e2e-failed-logins', {
      brokers: 1,
      ports: [plainPort],
      overrides: {
        listeners: `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'connection.failed.authentication.delay.ms': '100',
        'offsets.topic.replication.factor': '1',
      },
    });
    plaintext = `127.0.0.1:${plainPort}`;
    expectSuccess(await runJosef(['user', 'add', 'alice', '--password', 'alice-secret', '--zookeeper', cluster.zookeeperConnect]), 'josef user add');
    expectSuccess(await runJosef(['topic', 'create', 'steady', '--partitions', '1', '--replication-factor', '1', '--bootstrap-server', plaintext]), 'josef topic create');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test(`${attempts} wrong SCRAM logins are all refused, the producer keeps being acknowledged, and the broker stays up`, async () => {
    const producer = new Producer({ bootstrapServers: plaintext, acks: 1, logger: quietLogger, clientId: 'steady' });
    let acked = 0;
    let longestGapMs = 0;
    try {
      await producer.send({ topic: 'steady', value: Buffer.from('first') });
      let stormDone = false;
      const producing = (async () => {
        let last = Date.now();
        while (!stormDone) {
          await producer.send({ topic: 'steady', value: Buffer.from(`during-${acked}`) });
          acked++;
          longestGapMs = Math.max(longestGapMs, Date.now() - last);
          last = Date.now();
        }
      })();
      const storm = await failedLoginStorm({ host: '127.0.0.1', port: saslPort, attempts, concurrency: 20, user: 'alice' }).finally(() => { stormDone = true; });
      await producing;
      expect(storm).toMatchObject({ refused: attempts, accepted: 0, errors: 0 });
      // 20 connections each held 100 ms before its refusal: at most 200 failed logins a second.
      expect(storm.elapsedMs).toBeGreaterThanOrEqual((attempts / 20) * 100);
      expect(acked).toBeGreaterThan(0);
      expect(longestGapMs).toBeLessThan(ackGapMaxMs);
    } finally {
      await producer.close();
    }
    expect(cluster.cluster.broker(1).running).toBe(true);
    await kcat(`127.0.0.1:${saslPort}`, ['-P', '-t', 'steady', '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256',
      '-X', 'sasl.username=alice', '-X', 'sasl.password=alice-secret'], { input: Buffer.from('after\n') });
    const values = (await readWithJosef(plaintext, 'steady')).map((r) => r.value?.toString());
    expect(values).toHaveLength(acked + 2);
    expect(values[values.length - 1]).toBe('after');
  });
});
