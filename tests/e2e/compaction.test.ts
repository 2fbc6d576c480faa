/**
 * Log compaction on real brokers, judged by Kafka's own clients: a topic created compacted through
 * confluent-kafka's AdminClient, keys written again and again and some deleted with kcat, read back
 * from the beginning by kcat once the brokers' log cleaners ran (each key once, its latest value,
 * a deleted key only as its tombstone), on the leader and, after it is killed, on a follower that
 * cleaned its own copy; a replica that was down meanwhile catches up from the compacted leader to
 * the same latest values; and __consumer_offsets, compacted, staying bounded through thousands of
 * commits of the same partitions, which a new coordinator then serves whole.
 */
import fs from 'fs';
import path from 'path';
import { Admin } from '../../src/client/admin';
import { GroupAdmin } from '../../src/client/group-admin';
import { systemClock } from '../../src/common/clock';
import { partitionForGroup } from '../../src/group/coordinator-partition';
import { logConfig } from '../../src/storage/log-config';
import { LogManager } from '../../src/storage/log-manager';
import { stopAllChildren } from '../helpers/child-processes';
import type { TestCluster } from '../helpers/cluster';
import { jsonLines, kcat, kcatRecordFormat, parseKcatRecords, runPython, startClientsCluster } from '../helpers/kafka-clients';
import { latestValues, readRecords } from '../helpers/compacted';
import { quietLogger } from '../helpers/log';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const topic = 'compacted-keys';
const keyCount = 40;
const rounds = 8;
/** Keys deleted after the last round (tombstones: kcat -Z sends an empty value as null). */
const deletedKeys = new Set(Array.from({ length: keyCount }, (_, i) => `key-${i}`).filter((_, i) => i % 5 === 0));
/** One round is one batch of about 1.3 KB: each lands in a segment of its own. */
const segmentBytes = 2048;
const offsetsSegmentBytes = 16 * 1024;
const offsetsPartitions = 6;
/** Partitions of the topic whose offsets a group commits again and again. */
const committedPartitions = 20;

/** `key:value` lines for kcat -P -K: -Z. */
const kcatLines = (entries: [string, string][]): string => entries.map(([k, v]) => `${k}:${v}\n`).join('');

describe('log compaction through Kafka clients', () => {
  let cluster: TestCluster;
  let bootstrap: string;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startClientsCluster('e2e-compaction', {
      'log.cleaner.backoff.ms': '200',
      'offsets.topic.num.partitions': String(offsetsPartitions),
      'offsets.topic.segment.bytes': String(offsetsSegmentBytes),
    });
    bootstrap = cluster.cluster.bootstrapServers;
    admin = new Admin({ bootstrapServers: bootstrap, logger: quietLogger });
    await admin.createTopics([{ name: 'committed', numPartitions: committedPartitions, replicationFactor: 3 }]);
  });
  afterAll(async () => {
    await stopAllChildren();
    await admin?.close();
    await cluster?.stop();
  });

  /** Every record of partition 0 of `name` from the beginning, as kcat reads it from the brokers in `servers`. */
  const readAll = async (servers: string, name: string): Promise<{ offset: number; key: string; value: string | null }[]> => {
    const run = await kcat(servers, ['-C', '-t', name, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', kcatRecordFormat]);
    return parseKcatRecords(run.stdout).map((r) => ({ offset: r.offset, key: r.key!.toString(), value: r.value?.toString() ?? null }));
  };
  /** The size of every segment file of `name`-`partition` on broker `id` (Josef's layout: <log dir>/<topic>/<partition>/). */
  const logBytesOn = (id: number, name: string, partition: number): number => {
    const dir = path.join(cluster.cluster.broker(id).logDir.split(',')[0], name, String(partition));
    return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  };
  /** The leader of `name`-`partition` once it has one other than `formerLeader`. */
  const leaderOf = async (name: string, partition: number, formerLeader?: number): Promise<number> => waitFor(async () => {
    const leader = (await admin.describeTopics([name]))[0]?.partitions.find((p) => p.partition === partition)?.leader;
    return leader !== undefined && leader >= 0 && leader !== formerLeader ? leader : undefined;
  }, { timeoutMs: 30_000, message: `a leader of ${name}-${partition} other than ${formerLeader}` });

  test('a compacted topic read from the beginning gives each key once, at its latest value, on the leader and on a follower', async () => {
    await runPython('admin.py', [bootstrap, 'create', topic, '1', '3',
      'cleanup.policy=compact', `segment.bytes=${segmentBytes}`, 'min.cleanable.dirty.ratio=0.01']);
    // One follower is down while the keys are written and cleaned: it catches up from a compacted leader.
    const assigned = (await admin.describeTopics([topic]))[0].partitions[0];
    const lateReplica = assigned.replicas.find((id) => id !== assigned.leader)!;
    await cluster.cluster.stopBroker(lateReplica);
    const [described] = jsonLines<{ configs: Record<string, { value: string }> }>(await runPython('admin_configs.py', [bootstrap, 'describe-configs', 'topic', topic]));
    expect(described.configs['cleanup.policy'].value).toBe('compact');

    const latest = new Map<string, string | null>();
    let produced = 0;
    for (let round = 0; round < rounds; round++) {
      const entries = Array.from({ length: keyCount }, (_, i): [string, string] => [`key-${i}`, `value-${i}-round-${round}`]);
      await kcat(bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-Z', '-X', 'acks=all'], { input: kcatLines(entries) });
      for (const [k, v] of entries) latest.set(k, v);
      produced += entries.length;
    }
    await kcat(bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-Z', '-X', 'acks=all'], { input: kcatLines([...deletedKeys].map((k) => [k, ''])) });
    for (const k of deletedKeys) latest.set(k, null);
    produced += deletedKeys.size;
    // Keys written once, so that the tombstones and the last round lie in segments the cleaner may take (it never takes the active one).
    const fillers = Array.from({ length: keyCount }, (_, i): [string, string] => [`filler-${i}`, `filler-${i}`]);
    await kcat(bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-Z', '-X', 'acks=all'], { input: kcatLines(fillers) });
    for (const [k, v] of fillers) latest.set(k, v);
    produced += fillers.length;

    // A record without a key is refused by a compacted topic, as Kafka refuses it (INVALID_RECORD).
    const keyless = await kcat(bootstrap, ['-P', '-t', topic, '-p', '0', '-X', 'acks=all', '-X', 'message.send.max.retries=0'], { input: 'no key\n' }).then(() => undefined, (err: Error) => err.message);
    expect(keyless).toMatch(/Broker failed to validate record/);

    const expected = Object.fromEntries([...latest].sort(([a], [b]) => a.localeCompare(b)));
    /** Resolves with the records once kcat reads each key once and at its latest value. */
    const compactedView = (servers: string): Promise<{ offset: number; key: string; value: string | null }[]> => waitFor(async () => {
      const records = await readAll(servers, topic);
      const keys = records.map((r) => r.key);
      if (new Set(keys).size !== keys.length) return undefined;
      return records;
    }, { timeoutMs: 60_000, intervalMs: 500, message: `every key of ${topic} once (the log cleaner)` });

    const leader = await leaderOf(topic, 0);
    const cleaned = await compactedView(bootstrap);
    expect(Object.fromEntries(cleaned.map((r) => [r.key, r.value]).sort(([a], [b]) => a!.localeCompare(b!)))).toEqual(expected);
    // Offsets are kept, with gaps where records were removed, and a consumer walks over them.
    expect(cleaned.length).toBe(keyCount + fillers.length);
    expect(cleaned.at(-1)!.offset).toBe(produced - 1);
    expect(cleaned.map((r) => r.offset)).toEqual([...cleaned.map((r) => r.offset)].sort((a, b) => a - b));
    expect(logBytesOn(leader, topic, 0)).toBeLessThan(rounds * keyCount * 20);

    // The late replica fetches the cleaned log, gaps and all, and is back in the ISR.
    await cluster.cluster.startBroker(lateReplica);
    await waitFor(async () => (await admin.describeTopics([topic]))[0].partitions[0].isr.includes(lateReplica) || undefined, {
      timeoutMs: 60_000, intervalMs: 500, message: `broker ${lateReplica} back in the ISR of ${topic}-0`,
    });

    // Each replica cleans its own copy (as in Kafka): with the leader gone, a follower serves the same latest values.
    await cluster.cluster.stopBroker(leader, 'SIGKILL');
    const others = cluster.cluster.bootstrapServers;
    await leaderOf(topic, 0, leader);
    const onFollower = await compactedView(others);
    expect(Object.fromEntries(onFollower.map((r) => [r.key, r.value]))).toEqual(expected);
    await cluster.cluster.startBroker(leader);

    // What the late replica holds on its disk, read as a consumer reads it: the same latest value of every key.
    await cluster.cluster.stopBroker(lateReplica);
    const copy = LogManager.open([cluster.cluster.broker(lateReplica).logDir.split(',')[0]], logConfig({}), { clock: systemClock, logger: quietLogger });
    try {
      expect(latestValues(readRecords(copy.getLog(topic, 0)!))).toEqual(expected);
    } finally {
      copy.close();
    }
    await cluster.cluster.startBroker(lateReplica);
  });

  test('__consumer_offsets stays bounded through thousands of commits of the same partitions, and a new coordinator serves the latest', async () => {
    const groupId = 'compaction-commits';
    const commits = 1_500;
    const groups = new GroupAdmin({ bootstrapServers: bootstrap, logger: quietLogger });
    try {
      for (let i = 1; i <= commits; i++) {
        await groups.alterOffsets(groupId, Array.from({ length: committedPartitions }, (_, p) => ({ topic: 'committed', partition: p, offset: i })));
      }
      const offsetsPartition = partitionForGroup(groupId, offsetsPartitions);
      const coordinator = await leaderOf('__consumer_offsets', offsetsPartition);
      // Each commit is a batch of about 1.2 KB: 1.8 MB written, a few segments kept.
      await waitFor(() => logBytesOn(coordinator, '__consumer_offsets', offsetsPartition) < 4 * offsetsSegmentBytes || undefined, {
        timeoutMs: 60_000, intervalMs: 500, message: () => `__consumer_offsets-${offsetsPartition} on broker ${coordinator} to be cleaned (${logBytesOn(coordinator, '__consumer_offsets', offsetsPartition)} bytes)`,
      });

      await cluster.cluster.stopBroker(coordinator, 'SIGKILL');
      await leaderOf('__consumer_offsets', offsetsPartition, coordinator);
      const committed = await waitFor(async () => groups.committedOffsets(groupId).catch(() => undefined), { timeoutMs: 30_000, message: 'the new coordinator\'s offsets' });
      expect([...committed.values()].map((o) => o.offset)).toEqual(Array.from({ length: committedPartitions }, () => commits));
      await cluster.cluster.startBroker(coordinator);
    } finally {
      await groups.close();
    }
  });
});
