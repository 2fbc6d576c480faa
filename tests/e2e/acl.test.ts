/**
 * The authorizer against Kafka's clients: a broker with authorizer.class.name set, a PLAINTEXT
 * listener for brokers and the test (User:ANONYMOUS, a super user, as Kafka needs for a PLAINTEXT
 * inter-broker listener) and a SASL_PLAINTEXT one for users. confluent-kafka as alice and bob is
 * refused without ACLs and served once `josef acl add` grants them; a deny overrides an allow; a
 * prefixed ACL covers the names it starts; `josef acl remove` counts without a restart.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stopAllChildren, type ChildExit } from '../helpers/child-processes';
import { freePorts, runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectSuccess, jsonLines, runPython, runPythonToExit, startPython } from '../helpers/kafka-clients';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** How long an ACL change may take to reach the broker's cache, and a refused client to give up. */
const aclPropagationMs = 20_000;

describe('ACLs against Kafka\'s clients', () => {
  let cluster: TestCluster;
  let plaintext: string;
  let sasl: string;

  const josef = async (args: string[]): Promise<string> => {
    const run = await runJosef([...args, '--zookeeper', cluster.zookeeperConnect]);
    expectSuccess(run, `josef ${args.join(' ')}`);
    return run.stdout;
  };
  const as = (user: string): string[] =>
    ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256', '-X', `sasl.username=${user}`, '-X', `sasl.password=${user}-secret`];

  const brokerLog = (): string => fs.readFileSync(path.join(cluster.dataDir, 'logs', 'broker-1.log'), 'utf8');
  /** One record produced with confluent-kafka as `user`: 'acked', or librdkafka's error. */
  const produceAs = async (user: string, topic: string): Promise<string> => {
    const run = await runPython('produce.py', [sasl, topic, '--count', '1', '-X', 'message.timeout.ms=5000', '-X', 'retries=0', ...as(user)]);
    const report = jsonLines<{ acked?: string; failed?: string; error?: string }>(run).find((l) => l.acked !== undefined || l.failed !== undefined);
    return report?.acked !== undefined ? 'acked' : (report?.error ?? 'no report');
  };
  /** Polls until producing as `user` gives `expected` (an ACL change reaches the broker through ZooKeeper). */
  const producingGives = async (user: string, topic: string, expected: RegExp): Promise<void> => {
    let last = '';
    await waitFor(async () => expected.test(last = await produceAs(user, topic)), {
      timeoutMs: aclPropagationMs, intervalMs: 200, message: () => `producing to ${topic} as ${user} to give ${expected}, last: ${last}`,
    });
  };

  beforeAll(async () => {
    const [plainPort, saslPort] = await freePorts(2);
    cluster = await startTestCluster('e2e-acl', {
      brokers: 1,
      ports: [plainPort],
      overrides: {
        listeners: `PLAINTEXT://127.0.0.1:${plainPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'super.users': 'User:admin;User:ANONYMOUS',
        'offsets.topic.replication.factor': '1',
        'auto.create.topics.enable': 'false',
      },
    });
    plaintext = `127.0.0.1:${plainPort}`;
    sasl = `127.0.0.1:${saslPort}`;
    for (const user of ['alice', 'bob']) await josef(['user', 'add', user, '--password', `${user}-secret`]);
    for (const name of ['orders', 'logs-app', 'metrics']) {
      const run = await runJosef(['topic', 'create', name, '--partitions', '1', '--replication-factor', '1', '--bootstrap-server', plaintext]);
      expectSuccess(run, `josef topic create ${name}`);
    }
  });
  afterAll(async () => {
    await stopAllChildren();
    await cluster?.stop();
  });

  test('alice is refused producing without an ACL, produces once Write is granted, and a deny overrides it', async () => {
    expect(await produceAs('alice', 'orders')).toMatch(/Topic authorization failed/i);
    const added = await josef(['acl', 'add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders']);
    expect(added).toContain('(principal=User:alice, host=*, operation=Write, permissionType=Allow)');
    await producingGives('alice', 'orders', /^acked$/);
    // Write implies Describe, so Metadata still answers; the Produce itself is refused.
    await josef(['acl', 'add', '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders']);
    await producingGives('alice', 'orders', /Topic authorization failed/i);
    const listed = await josef(['acl', 'list', '--topic', 'orders']);
    expect(listed).toContain('ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)');
    expect(listed).toContain('permissionType=Deny');
    expect(brokerLog()).toMatch(/Principal = User:alice is Denied Operation = Write from host = 127\.0\.0\.1 on resource = Topic:LITERAL:orders/);
  });

  test('a prefixed ACL covers the topics it starts, and its removal counts without a restart', async () => {
    await josef(['acl', 'add', '--allow-principal', 'User:bob', '--operation', 'Write', '--topic', 'logs-', '--resource-pattern-type', 'prefixed']);
    await producingGives('bob', 'logs-app', /^acked$/);
    expect(await produceAs('bob', 'metrics')).toMatch(/Topic authorization failed/i);
    await josef(['acl', 'remove', '--allow-principal', 'User:bob', '--operation', 'Write', '--topic', 'logs-', '--resource-pattern-type', 'prefixed']);
    await producingGives('bob', 'logs-app', /Topic authorization failed/i);
  });

  test('consuming in a group needs Read on the topic and on the group', async () => {
    await josef(['acl', 'add', '--allow-principal', 'User:bob', '--operation', 'Read', '--topic', 'metrics']);
    await josef(['acl', 'add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'metrics']);
    await producingGives('alice', 'metrics', /^acked$/);
    // librdkafka retries a refused FindCoordinator quietly, so the refusal shows in the broker's log;
    // the same member joins once the group's ACL is there, without a restart of either.
    const member = startPython('group_member.py', [sasl, 'dashboards', 'metrics', ...as('bob')]);
    await waitFor(() => /Principal = User:bob is Denied Operation = Describe from host = \S+ on resource = Group:LITERAL:dashboards/.test(brokerLog()), {
      timeoutMs: aclPropagationMs, message: 'the broker to refuse bob the group',
    });
    expect(jsonLines<{ assigned?: number[] }>(member).filter((e) => e.assigned !== undefined)).toEqual([]);
    await josef(['acl', 'add', '--allow-principal', 'User:bob', '--operation', 'Read', '--group', 'dashboards']);
    const committed = await member.waitForOutput((c) => jsonLines<{ committed?: number[][] }>(c).find((e) => e.committed !== undefined && e.committed.length > 0), aclPropagationMs, 'a commit');
    expect(committed.committed).toEqual([[0, 1]]);
    expect(jsonLines<{ record?: string }>(member).filter((e) => e.record !== undefined).map((e) => e.record)).toEqual(['v-0']);
    await member.stop();
  });

  test('creating and deleting a topic need Create and Delete; topics alice may not Describe are left out of her metadata', async () => {
    const admin = (args: string[]): Promise<ChildExit> => runPythonToExit('admin.py', [sasl, ...args, ...as('alice')]);
    const refusedCreate = await admin(['create', 'alice-new', '1', '1']);
    expect(refusedCreate.code).not.toBe(0);
    expect(refusedCreate.stderr).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    await josef(['acl', 'add', '--allow-principal', 'User:alice', '--operation', 'Create', '--operation', 'Delete', '--topic', 'alice-new']);
    await waitFor(async () => (await admin(['create', 'alice-new', '1', '1'])).code === 0, { timeoutMs: aclPropagationMs, intervalMs: 200, message: 'alice creates alice-new' });
    const listed = jsonLines<{ topics?: Record<string, unknown> }>(await admin(['list'])).find((l) => l.topics !== undefined)?.topics ?? {};
    // orders and metrics: Write granted (Describe implied); alice-new: Delete; logs-app and __consumer_offsets: nothing.
    expect(Object.keys(listed).sort()).toEqual(['alice-new', 'metrics', 'orders']);
    const refusedDelete = await admin(['delete', 'logs-app']);
    expect(refusedDelete.stderr).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect((await admin(['delete', 'alice-new'])).code).toBe(0);
  });
});
