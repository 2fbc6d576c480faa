/**
 * Consumer groups against real broker processes (three brokers, real ZooKeeper): partitions are
 * shared out within a group and move when a member leaves, groups read independently, a
 * restarted member resumes at the committed offset, a stale generation's commit is refused, and
 * the group survives kill -9 of its coordinator's broker with its offsets intact.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { Consumer, type ConsumerOptions, type ConsumerRebalanceListener } from '../../src/client/consumer';
import { GroupAdmin } from '../../src/client/group-admin';
import { Producer } from '../../src/client/producer';
import type { ConsumerRecord } from '../../src/client/records';
import { ErrorCode } from '../../src/common/errors';
import { quietLogger } from '../helpers/log';
import { ApiKey } from '../../src/protocol/api-keys';
import { runJosef, startTestCluster, type TestCluster } from '../helpers/cluster';
import { waitFor } from '../helpers/wait';

jest.setTimeout(180_000);

const PARTITIONS = 6;
const PER_PARTITION = 50;

/** A consumer polling in the background, keeping what it read. */
class Member {
  readonly consumer: Consumer;
  readonly records: ConsumerRecord[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(options: ConsumerOptions, topics: string[], listener?: ConsumerRebalanceListener) {
    const consumer = new Consumer({ logger: quietLogger, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, autoOffsetReset: 'earliest', ...options });
    this.consumer = consumer;
    consumer.subscribe(topics, listener);
    this.loop = (async () => {
      while (this.running) this.records.push(...await consumer.poll(200));
    })();
  }

  partitions(): string[] {
    return this.consumer.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort();
  }

  /** Stops polling; close() also leaves the group. */
  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.close();
  }
}

const distinct = (records: ConsumerRecord[]): Set<string> => new Set(records.map((r) => `${r.partition}@${r.offset}`));

describe('consumer groups', () => {
  let cluster: TestCluster;
  let bootstrapServers: string;
  const members: Member[] = [];

  const join = (groupId: string, topic: string, options: ConsumerOptions = {}, listener?: ConsumerRebalanceListener): Member => {
    const m = new Member({ bootstrapServers, groupId, enableAutoCommit: false, ...options }, [topic], listener);
    members.push(m);
    return m;
  };

  const produce = async (topic: string, perPartition: number, tag: string): Promise<void> => {
    const producer = new Producer({ bootstrapServers, acks: -1, lingerMs: 5, logger: quietLogger });
    try {
      const sends: Promise<unknown>[] = [];
      for (let p = 0; p < PARTITIONS; p++) for (let i = 0; i < perPartition; i++) sends.push(producer.send({ topic, partition: p, value: `${tag}-${p}-${i}` }));
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
  };

  const createTopic = async (name: string): Promise<void> => {
    const conn = await cluster.connect(1);
    const response = await conn.send(ApiKey.CreateTopics, {
      topics: [{ name, numPartitions: PARTITIONS, replicationFactor: 2, assignments: [], configs: {} }], timeoutMs: 20_000, validateOnly: false,
    });
    expect(response.topics[0].errorCode).toBe(0);
  };

  beforeAll(async () => {
    cluster = await startTestCluster('e2e-groups', { brokers: 3, overrides: { 'offsets.topic.num.partitions': '6', 'zookeeper.session.timeout.ms': '4000' } });
    bootstrapServers = cluster.cluster.bootstrapServers;
    await createTopic('events');
    await produce('events', PER_PARTITION, 'a');
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.close()));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('three members share six partitions two each; when one closes its partitions move to the others', async () => {
    const group = [join('shared', 'events'), join('shared', 'events'), join('shared', 'events')];
    await waitFor(() => group.every((m) => m.partitions().length === 2), { timeoutMs: 60_000, message: 'two partitions each' });
    expect(new Set(group.flatMap((m) => m.partitions())).size).toBe(PARTITIONS);
    await waitFor(() => distinct(group.flatMap((m) => m.records)).size === PARTITIONS * PER_PARTITION, { timeoutMs: 30_000, message: 'every record read once by the group' });

    const leaving = group.shift()!;
    members.splice(members.indexOf(leaving), 1);
    await leaving.close();
    await waitFor(() => group.every((m) => m.partitions().length === 3), { timeoutMs: 30_000, message: 'three partitions each after a member left' });
    expect(new Set(group.flatMap((m) => m.partitions())).size).toBe(PARTITIONS);

    await group[0].consumer.unsubscribe();
    expect(group[0].partitions()).toEqual([]);
    await waitFor(() => group[1].partitions().length === PARTITIONS, { timeoutMs: 30_000, message: 'all partitions to the last member after an unsubscribe' });
  });

  test('two groups each read everything', async () => {
    const [one, two] = [join('reader-one', 'events'), join('reader-two', 'events')];
    const all = PARTITIONS * PER_PARTITION;
    await waitFor(() => distinct(one.records).size === all && distinct(two.records).size === all, { timeoutMs: 60_000, message: 'both groups to read every record' });
    expect(one.records.map((r) => r.offset).filter((o) => o === 0)).toHaveLength(PARTITIONS);
  });

  test('a restarted member resumes at the committed offset', async () => {
    const first = join('resumer', 'events');
    await waitFor(() => distinct(first.records).size === PARTITIONS * PER_PARTITION, { timeoutMs: 60_000, message: 'the first member to read everything' });
    await first.consumer.commit();
    members.splice(members.indexOf(first), 1);
    await first.close();
    await produce('events', 5, 'b');
    const second = join('resumer', 'events');
    await waitFor(() => second.records.length >= PARTITIONS * 5, { timeoutMs: 60_000, message: 'the restarted member to read the new records' });
    expect(second.records.every((r) => String(r.value).startsWith('b-'))).toBe(true);
    expect(Math.min(...second.records.map((r) => r.offset))).toBe(PER_PARTITION);
  });

  test('a commit from a stale generation is refused with ILLEGAL_GENERATION', async () => {
    const events: string[] = [];
    const first = join('stale', 'events', {}, {
      onPartitionsRevoked: (tps) => void events.push(`revoked ${tps.length}`),
      onPartitionsAssigned: (tps) => void events.push(`assigned ${tps.length}`),
    });
    await waitFor(() => first.partitions().length === PARTITIONS, { timeoutMs: 60_000, message: 'the first member to hold every partition' });
    const old = first.consumer.groupMetadata()!;
    const second = join('stale', 'events');
    await waitFor(() => second.partitions().length === 3 && first.partitions().length === 3, { timeoutMs: 60_000, message: 'the rebalance to two members' });
    expect(first.consumer.groupMetadata()!.generationId).toBeGreaterThan(old.generationId);
    expect(events).toEqual(['assigned 6', 'revoked 6', 'assigned 3']);
    const conn = await cluster.connect(1);
    const coordinator = await conn.send(ApiKey.FindCoordinator, { key: 'stale', keyType: 0 });
    const atCoordinator = await cluster.connect(coordinator.nodeId);
    const answer = await atCoordinator.send(ApiKey.OffsetCommit, {
      groupId: 'stale', generationId: old.generationId, memberId: old.memberId,
      topics: [{ name: 'events', partitions: [{ partition: 0, committedOffset: 1, committedMetadata: null }] }],
    });
    expect(answer.topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION.code);
  });

  test('josef consume --group commits as it goes; josef group list, describe and reset-offsets show and move its offsets', async () => {
    const total = PARTITIONS * PER_PARTITION + PARTITIONS * 5;
    const consumed = await runJosef(['consume', 'events', '--group', 'cli-group', '--from-beginning', '--max-messages', String(total), '--bootstrap-server', bootstrapServers]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toHaveLength(total);

    const described = await runJosef(['group', 'describe', 'cli-group', '--bootstrap-server', bootstrapServers]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID/);
    const rows = described.stdout.split('\n').filter((line) => line.startsWith('cli-group '));
    expect(rows).toHaveLength(PARTITIONS);
    for (const row of rows) expect(row.split(/\s+/).slice(3, 6)).toEqual([String(PER_PARTITION + 5), String(PER_PARTITION + 5), '0']);

    const listed = await runJosef(['group', 'list', '--bootstrap-server', bootstrapServers]);
    expect(listed.stdout).toMatch(/cli-group\s+Empty\s+consumer/);

    const reset = await runJosef(['group', 'reset-offsets', 'cli-group', '--topic', 'events', '--to-earliest', '--bootstrap-server', bootstrapServers]);
    expect(reset.code).toBe(0);
    const after = await runJosef(['group', 'describe', 'cli-group', '--bootstrap-server', bootstrapServers]);
    for (const row of after.stdout.split('\n').filter((line) => line.startsWith('cli-group '))) expect(row.split(/\s+/)[3]).toBe('0');

    const active = join('busy', 'events');
    await waitFor(() => active.partitions().length === PARTITIONS, { timeoutMs: 60_000, message: 'an active member' });
    const refused = await runJosef(['group', 'reset-offsets', 'busy', '--topic', 'events', '--to-latest', '--bootstrap-server', bootstrapServers]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/NON_EMPTY_GROUP/);
  });

  test('kill -9 of a member: its partitions move within the session timeout and nothing after the last commit is lost', async () => {
    await createTopic('crash');
    await produce('crash', 20, 'c');
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'josef'), 'consume', 'crash', '--group', 'crashers', '--from-beginning', '--bootstrap-server', bootstrapServers], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.on('data', (d: Buffer) => { printed += d.toString(); });
    const exited = new Promise((resolve) => child.once('close', resolve));
    const admin = new GroupAdmin({ bootstrapServers, logger: quietLogger });
    try {
      // The console consumer auto-commits every 5 s: wait until all it read is committed.
      await waitFor(async () => {
        const committed = await admin.committedOffsets('crashers').catch(() => new Map());
        return committed.size === PARTITIONS && [...committed.values()].every((c) => c.offset === 20);
      }, { timeoutMs: 60_000, message: 'the console consumer to commit everything' });
      const survivor = join('crashers', 'crash');
      await waitFor(() => survivor.partitions().length === 3, { timeoutMs: 60_000, message: 'the survivor to share the partitions' });
      await produce('crash', 5, 'd');
      child.kill('SIGKILL');
      await exited;
      const killedAtMs = Date.now();
      await waitFor(() => survivor.partitions().length === PARTITIONS, { timeoutMs: 30_000, message: 'the dead member\'s partitions to move' });
      // The console consumer's session.timeout.ms is Kafka's 10 s; the survivor heartbeats every 500 ms.
      expect(Date.now() - killedAtMs).toBeLessThan(10_000 + 5_000);
      const expected = Array.from({ length: PARTITIONS }, (_, p) => Array.from({ length: 5 }, (_, i) => `d-${p}-${i}`)).flat();
      await waitFor(() => {
        const seen = new Set([...printed.split('\n'), ...survivor.records.map((r) => String(r.value))]);
        return expected.every((v) => seen.has(v));
      }, { timeoutMs: 30_000, message: 'every record written after the last commit to be read by someone' });
      expect(survivor.records.every((r) => r.offset >= 20)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await admin.close();
    }
  });

  test('kill -9 of the coordinator\'s broker: the group finds the new coordinator and its committed offsets are intact', async () => {
    await createTopic('moving');
    await produce('moving', 10, 'm');
    const group = [join('survivor', 'moving'), join('survivor', 'moving')];
    await waitFor(() => distinct(group.flatMap((m) => m.records)).size === PARTITIONS * 10, { timeoutMs: 60_000, message: 'the group to read everything' });
    await waitFor(() => group.every((m) => m.partitions().length === 3), { timeoutMs: 30_000, message: 'three partitions each' });
    for (const m of group) await m.consumer.commit();
    const generationBefore = group[0].consumer.groupMetadata()!.generationId;
    const conn = await cluster.connect(1);
    const { nodeId } = await conn.send(ApiKey.FindCoordinator, { key: 'survivor', keyType: 0 });
    await cluster.cluster.stopBroker(nodeId, 'SIGKILL');

    const all = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 'moving', partition }));
    const committed = await waitFor(async () => {
      const offsets = await group[0].consumer.committed(all).catch(() => undefined);
      return offsets && [...offsets.values()].every((o) => o === 10) ? offsets : undefined;
    }, { timeoutMs: 60_000, message: 'the committed offsets from the new coordinator' });
    expect(committed.size).toBe(PARTITIONS);
    const live = cluster.cluster.brokers().find((b) => b.running && b.id !== nodeId)!;
    const after = await (await cluster.connect(live.id)).send(ApiKey.FindCoordinator, { key: 'survivor', keyType: 0 });
    expect(after.nodeId).not.toBe(nodeId);
    await produce('moving', 2, 'n');
    await waitFor(() => distinct(group.flatMap((m) => m.records)).size === PARTITIONS * 12, { timeoutMs: 60_000, message: 'the group to read the records written after the kill' });
    expect(new Set(group.flatMap((m) => m.partitions())).size).toBe(PARTITIONS);
    // As in Kafka, a coordinator change is no rebalance: the new coordinator loaded the generation.
    expect(group.map((m) => m.consumer.groupMetadata()!.generationId)).toEqual([generationBefore, generationBefore]);
  });
});
