/**
 * Inter-broker traffic on a SASL_SSL listener: three brokers reach each other (replica fetchers,
 * the controller's requests) over TLS, logging in with SCRAM-SHA-256 as the users of their JAAS
 * entries, with the authorizer on and only those users and the admin in super.users (no
 * User:ANONYMOUS). An RF 3 topic replicates, acks=all produce is acknowledged, a broker killed and
 * restarted catches up; a broker whose password was changed in ZooKeeper cannot replicate: its
 * fetcher's login is refused and both sides log why.
 */
import * as fs from 'fs';
import { Admin } from '../../src/client/admin';
import type { ClientSecurity } from '../../src/client/client-security';
import { Producer } from '../../src/client/producer';
import { ZkClient } from '../../src/coordination/zk-client';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { partitionState, replicaLogBytes } from '../helpers/replicas';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certificates';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

jest.setTimeout(240_000);

const scramJaas = (user: string): string => `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${user}-secret";`;

describe('inter-broker traffic over SASL_SSL', () => {
  let cluster: TestCluster;
  let certificates: TestCertificates;
  let zk: ZkClient;
  let admin: Admin;
  let producer: Producer;
  const saslSslPorts: number[] = [];

  beforeAll(async () => {
    certificates = makeTestCertificates(tmpDir('inter-broker-certificates'));
    const zookeeperConnect = testChroot('e2e-inter-broker');
    // As in Kafka, the brokers' SCRAM credentials are in ZooKeeper before the brokers start.
    for (const user of ['broker', 'broker3', 'admin']) {
      expectSuccess(await runJosef(['user', 'add', user, '--password', `${user}-secret`, '--mechanism', 'SCRAM-SHA-256', '--zookeeper', zookeeperConnect]), `josef user add ${user}`);
    }
    const plainPorts = await freePorts(3);
    saslSslPorts.push(...await freePorts(3));
    const brokerOverrides: Record<number, Record<string, string>> = {};
    for (const id of [1, 2, 3]) {
      brokerOverrides[id] = {
        listeners: `PLAINTEXT://127.0.0.1:${plainPorts[id - 1]},SASL_SSL://127.0.0.1:${saslSslPorts[id - 1]}`,
        // Broker 3 logs in as a user of its own, whose password the last test changes.
        'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scramJaas(id === 3 ? 'broker3' : 'broker'),
      };
    }
    cluster = await startTestCluster('e2e-inter-broker', {
      brokers: 3,
      ports: plainPorts,
      zookeeperConnect,
      brokerOverrides,
      overrides: {
        'inter.broker.listener.name': 'SASL_SSL',
        'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
        'ssl.keystore.location': certificates.brokerKeystorePem,
        'ssl.truststore.location': certificates.caPem,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'super.users': 'User:broker;User:broker3;User:admin',
        'zookeeper.session.timeout.ms': '4000',
        'replica.lag.time.max.ms': '3000',
        'offsets.topic.replication.factor': '3',
      },
    });
    zk = await ZkClient.connect({ connectString: zookeeperConnect });
    const security: ClientSecurity = { tls: { ca: fs.readFileSync(certificates.caPem) }, sasl: { mechanism: 'SCRAM-SHA-256', username: 'admin', password: 'admin-secret' } };
    const bootstrapServers = saslSslPorts.map((p) => `127.0.0.1:${p}`).join(',');
    admin = new Admin({ bootstrapServers, security, logger: quietLogger });
    producer = new Producer({ bootstrapServers, security, acks: 'all', logger: quietLogger });
  });
  afterAll(async () => {
    await producer?.close();
    await admin?.close();
    await zk?.close();
    await cluster?.stop();
    if (certificates) rmDir(certificates.dir);
  });

  const produce = async (topic: string, values: string[]): Promise<void> => {
    await Promise.all(values.map((value) => producer.send({ topic, value })));
  };
  const isr = async (topic: string): Promise<number[]> => [...(await partitionState(zk, topic)).isr].sort();
  const brokerLog = (id: number): string => fs.readFileSync(cluster.cluster.broker(id).logFile, 'utf8');

  test('an RF 3 topic replicates, acks=all is acknowledged, and a killed broker catches up after its restart', async () => {
    await admin.createTopics([{ name: 'replicated', numPartitions: 1, replicationFactor: 3 }]);
    await produce('replicated', ['a', 'b', 'c']);
    await waitFor(async () => (await isr('replicated')).length === 3, { timeoutMs: 30_000, message: () => 'every replica in the ISR' });
    const leader = (await partitionState(zk, 'replicated')).leader;
    const follower = [1, 2, 3].find((id) => id !== leader) as number;
    await cluster.cluster.stopBroker(follower, 'SIGKILL');
    await waitFor(async () => !(await isr('replicated')).includes(follower), { timeoutMs: 30_000, message: () => `broker ${follower} out of the ISR` });
    await produce('replicated', ['d', 'e']);
    await cluster.cluster.startBroker(follower);
    await waitFor(async () => (await isr('replicated')).includes(follower), { timeoutMs: 60_000, message: () => `broker ${follower} back in the ISR` });
    await waitFor(async () => replicaLogBytes(cluster, follower, 'replicated').equals(replicaLogBytes(cluster, leader, 'replicated')),
      { timeoutMs: 30_000, message: () => `broker ${follower}'s log equal to the leader's` });
  });

  test('a broker whose inter-broker password is no longer right cannot replicate; its refused login is logged on both sides', async () => {
    await admin.createTopics([{ name: 'guarded', replicaAssignment: [[1, 3]] }]);
    await waitFor(async () => (await isr('guarded')).length === 2, { timeoutMs: 30_000, message: () => 'brokers 1 and 3 in the ISR' });
    // The password is changed in ZooKeeper, not in broker 3's config: after its restart it logs in with the old one.
    expectSuccess(await runJosef(['user', 'add', 'broker3', '--password', 'rotated', '--mechanism', 'SCRAM-SHA-256', '--zookeeper', cluster.zookeeperConnect]), 'josef user add broker3');
    await cluster.cluster.stopBroker(3, 'SIGKILL');
    await waitFor(async () => (await isr('guarded')).length === 1, { timeoutMs: 30_000, message: () => 'broker 3 out of the ISR' });
    await cluster.cluster.startBroker(3);
    await produce('guarded', ['x', 'y']);
    await waitFor(() => /fetcher .* from broker 1 .*SASL_AUTHENTICATION_FAILED: SASL SCRAM-SHA-256 authentication as broker3/.test(brokerLog(3)),
      { timeoutMs: 30_000, message: () => 'broker 3 to log its refused login' });
    expect(brokerLog(1)).toMatch(/SASL SCRAM-SHA-256 authentication failed: wrong password for broker3/);
    expect(await isr('guarded')).toEqual([1]);
    expect(replicaLogBytes(cluster, 3, 'guarded').length).toBeLessThan(replicaLogBytes(cluster, 1, 'guarded').length);
  });
});
