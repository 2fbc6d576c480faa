/**
 * confluent-kafka-python (librdkafka) against a real three-broker cluster: its AdminClient creates,
 * lists and deletes topics (configs and partitions: kafka-admin-apis.test.ts); its producer with acks=all puts every record where its
 * delivery report says; three consumers of one group share six partitions, one leaves mid-way, and
 * the others take its partitions on from its commits with nothing lost and no lag left.
 */
import { Admin } from '../../src/client/admin';
import { GroupAdmin } from '../../src/client/group-admin';
import { stopAllChildren, type TestChild } from '../helpers/child-processes';
import type { TestCluster } from '../helpers/cluster';
import { createTopic, describeGroup, jsonLines, readWithJosef, runPython, startClientsCluster, startPython, waitForCommitted } from '../helpers/kafka-clients';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

/** produce.py's delivery reports. */
interface DeliveryEvent {
  acked?: string;
  failed?: string;
  partition: number;
  offset: number;
}

/** group_member.py's events. */
interface MemberEvent {
  assigned?: number[];
  revoked?: number[];
  record?: string;
  committed?: [number, number][];
  closed?: boolean;
}

/** What admin.py list prints. */
interface TopicListing {
  topics: Record<string, { partitions: Record<string, { leader: number; replicas: number[]; isrs: number[] }> }>;
}

/** A group member's partitions now: those of its last assignment, unless revoked since. */
function currentAssignment(events: readonly MemberEvent[]): number[] {
  const changes = events.filter((e) => e.assigned !== undefined || e.revoked !== undefined);
  return changes[changes.length - 1]?.assigned ?? [];
}

describe('confluent-kafka (librdkafka) against Josef', () => {
  let cluster: TestCluster;
  let bootstrap: string;
  let groupAdmin: GroupAdmin;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-kafka-confluent');
    bootstrap = cluster.cluster.bootstrapServers;
    groupAdmin = new GroupAdmin({ bootstrapServers: bootstrap, logger: quietLogger });
  });
  afterAll(async () => {
    await stopAllChildren();
    await groupAdmin?.close();
    await cluster?.stop();
  });

  const listTopics = async (): Promise<TopicListing['topics']> => (JSON.parse((await runPython('admin.py', [bootstrap, 'list'])).stdout.toString()) as TopicListing).topics;

  test('AdminClient creates a topic with three replicas, lists it as Josef\'s Admin describes it, and deletes it', async () => {
    await runPython('admin.py', [bootstrap, 'create', 'admin-made', '4', '3']);
    const admin = new Admin({ bootstrapServers: bootstrap, logger: quietLogger });
    try {
      const [described] = await admin.describeTopics(['admin-made']);
      const listed = (await listTopics())['admin-made'];
      expect(Object.keys(listed.partitions)).toHaveLength(4);
      for (const p of described.partitions) {
        expect(p.replicas).toHaveLength(3);
        expect(listed.partitions[String(p.partition)]).toEqual({ leader: p.leader, replicas: p.replicas, isrs: p.isr });
      }
    } finally {
      await admin.close();
    }

    await runPython('admin.py', [bootstrap, 'delete', 'admin-made']);
    await waitFor(async () => !('admin-made' in (await listTopics())), { timeoutMs: 30_000, message: 'admin-made to be gone from the listing' });
  });

  test('a producer with acks=all, keys and headers: each record is at the partition and offset its delivery report names', async () => {
    await createTopic(bootstrap, 'produced', 3);
    const run = await runPython('produce.py', [bootstrap, 'produced', '--count', '200', '--keys', '10', '--header', 'origin=python']);
    const events = jsonLines<DeliveryEvent>(run);
    expect(events.filter((e) => e.failed !== undefined)).toEqual([]);
    const acked = events.filter((e) => e.acked !== undefined);
    expect(acked).toHaveLength(200);

    const stored = new Map((await readWithJosef(bootstrap, 'produced')).map((r) => [`${r.partition}@${r.offset}`, r]));
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

  test('three consumers of one group share six partitions; one closes mid-way; nothing is lost and the lag ends at 0', async () => {
    await createTopic(bootstrap, 'shared', 6);
    const produce = async (prefix: string): Promise<string[]> => {
      const run = await runPython('produce.py', [bootstrap, 'shared', '--count', '300', '--keys', '60', '--prefix', prefix]);
      return jsonLines<DeliveryEvent>(run).flatMap((e) => (e.acked === undefined ? [] : [e.acked]));
    };
    const events = (member: TestChild): MemberEvent[] => jsonLines<MemberEvent>(member);
    const readByAll = (members: readonly TestChild[]): Set<string> =>
      new Set(members.flatMap((m) => events(m).flatMap((e) => (e.record === undefined ? [] : [e.record]))));
    /** Resolves once the members hold every partition between them, evenly. */
    const balanced = (members: readonly TestChild[], what: string): Promise<true> => waitFor(() => {
      const assignments = members.map((m) => currentAssignment(events(m)));
      const held = assignments.flat().sort((a, b) => a - b);
      return held.join() === '0,1,2,3,4,5' && assignments.every((a) => a.length === 6 / members.length);
    }, { timeoutMs: 60_000, message: what });

    const firstHalf = await produce('before');
    // Heartbeats every 500 ms instead of 3 s: members learn of each rebalance sooner.
    const members = [0, 1, 2].map(() => startPython('group_member.py', [bootstrap, 'shared-group', 'shared', '-X', 'heartbeat.interval.ms=500']));
    await balanced(members, 'three members with two partitions each');
    await waitForCommitted(groupAdmin, 'shared-group', firstHalf.length);

    const [leaving, ...staying] = members;
    expect((await leaving.stop('SIGTERM')).code).toBe(0);
    expect(events(leaving).some((e) => e.closed)).toBe(true);
    await balanced(staying, 'the two remaining members with three partitions each');
    const secondHalf = await produce('after');

    await waitFor(() => readByAll(members).size === firstHalf.length + secondHalf.length, { timeoutMs: 60_000, message: 'every acknowledged record to be read by a member' });
    expect([...readByAll(members)].sort()).toEqual([...firstHalf, ...secondHalf].sort());
    await waitForCommitted(groupAdmin, 'shared-group', firstHalf.length + secondHalf.length);
    await Promise.all(staying.map((m) => m.stop('SIGTERM')));

    const rows = await describeGroup(bootstrap, 'shared-group');
    expect(rows.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const row of rows) expect(row.lag).toBe(0);
    expect(rows.reduce((sum, r) => sum + (r.currentOffset ?? 0), 0)).toBe(600);
  });
});
