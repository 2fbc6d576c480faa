/**
 * Kafka's log dir failure with real broker processes and a real disk running out: broker 1 has
 * two log dirs, one of them a small tmpfs this test mounts. Under an acks=all producer (RF=3,
 * min.insync.replicas=2) the tmpfs is filled up: broker 1's partitions on it go offline, their
 * leadership moves to other replicas, broker 1 keeps serving the partitions on its other dir and
 * does not crash, and nothing acknowledged is lost. Restarted with the tmpfs remounted read-only,
 * broker 1 starts with that dir offline and serves the other; restarted with it writable again,
 * it recovers the logs written there before the failure and catches up. Needs root with
 * CAP_SYS_ADMIN for `mount`; without it the test is skipped, saying why.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Admin, type TopicDescription } from '../../src/client/admin';
import { AckedWriter, deliveryVerdict, readAllValues } from '../../src/harness/delivery-check';
import { ZkClient } from '../../src/coordination/zk-client';
import { decodeBatches } from '../../src/protocol/record-batch';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { quietLogger } from '../helpers/log';
import { partitionState } from '../helpers/replicas';
import { rmDir, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/wait';

jest.setTimeout(240_000);

const topic = 'disk';
const partitions = 4;
const root = tmpDir('e2e-log-dir-failure');
const mountPoint = path.join(root, 'tmpfs');

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

/** Mounted at collection time, so that the tests can be skipped (with the reason) when it is not allowed. */
function mountTmpfs(): string | undefined {
  fs.mkdirSync(mountPoint, { recursive: true });
  const mounted = run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
  return mounted.ok ? undefined : `mount -t tmpfs failed (${mounted.output}): this test needs root with CAP_SYS_ADMIN`;
}

const mountProblem = mountTmpfs();
if (mountProblem) process.stderr.write(`SKIPPING tests/e2e/log-dir-failure.test.ts: ${mountProblem}\n`);
const itWithTmpfs = mountProblem ? it.skip : it;

/** Fills the file system under `dir` until it refuses (ENOSPC); returns the filler file. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/** One replica's records (offset -> value) from its segment files in whichever of its log dirs holds the partition. */
function replicaValues(logDirs: string, partition: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const logDir of logDirs.split(',')) {
    const dir = path.join(logDir, topic, String(partition));
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
      for (const r of decodeBatches(fs.readFileSync(path.join(dir, file)))) out.set(r.offset, r.value?.toString() ?? '');
    }
  }
  return out;
}

describe('log dir failure with real brokers and a real full disk', () => {
  let cluster: TestCluster;
  let zk: ZkClient;
  let admin: Admin;
  /** The partitions broker 1 keeps on the tmpfs, and on its other dir. */
  let onTmpfs: number[];
  let onData: number[];
  /** What the producer had acknowledged by the end of the first test. */
  let acknowledgedBefore: Set<string>;

  beforeAll(async () => {
    if (mountProblem) return;
    cluster = await startTestCluster('e2e-log-dir-failure', {
      brokers: 3,
      dataDir: path.join(root, 'cluster'),
      extraLogDirs: { 1: [mountPoint] },
      overrides: {
        'zookeeper.session.timeout.ms': '4000',
        'min.insync.replicas': '2',
        'replica.lag.time.max.ms': '3000',
        'replica.fetch.backoff.ms': '100',
        'auto.leader.rebalance.enable': 'false',
      },
    });
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    admin = new Admin({ bootstrapServers: cluster.cluster.bootstrapServers, logger: quietLogger });
  });
  afterAll(async () => {
    await admin?.close();
    await zk?.close();
    await cluster?.stop();
    if (!mountProblem) {
      run('mount', ['-o', 'remount,rw', mountPoint]);
      const unmounted = run('umount', [mountPoint]);
      if (!unmounted.ok) process.stderr.write(`umount ${mountPoint} failed: ${unmounted.output}\n`);
    }
    // JOSEF_TEST_KEEP=1 keeps the brokers' data and logs for a post-mortem.
    if (!process.env.JOSEF_TEST_KEEP) rmDir(root);
  });

  const describe1 = async (): Promise<TopicDescription['partitions']> => (await admin.describeTopics([topic]))[0].partitions;
  const brokerLog = (): string => fs.readFileSync(cluster.cluster.broker(1).logFile, 'utf8');
  const startWriter = (prefix: string): AckedWriter => {
    const writer = new AckedWriter({
      bootstrapServers: cluster.cluster.bootstrapServers, topic, prefix, logger: quietLogger, inFlightMax: 50,
      producer: { requestTimeoutMs: 5_000, retryBackoffMs: 100, deliveryTimeoutMs: 60_000, metadataMaxAgeMs: 2_000 },
    });
    writer.start();
    return writer;
  };

  itWithTmpfs('a full disk takes its partitions offline on broker 1 only; leadership moves, nothing acknowledged is lost', async () => {
    // Broker 1 is the first replica, so the leader, of every partition; its two dirs take turns.
    await admin.createTopics([{
      name: topic, numPartitions: -1, replicationFactor: -1, configs: { 'min.insync.replicas': '2' },
      replicaAssignment: Object.fromEntries(Array.from({ length: partitions }, (_, p) => [p, [1, 2, 3]])),
    }]);
    await waitFor(async () => {
      for (let p = 0; p < partitions; p++) if ((await partitionState(zk, topic, p)).isr.length < 3) return false;
      return true;
    }, { timeoutMs: 30_000, message: 'every partition led with a full ISR' });
    const writer = startWriter('before');
    await waitFor(() => writer.acknowledged.length >= 2_000, { timeoutMs: 60_000, message: '2,000 acknowledged writes' });
    // Only now: a new log's folder is made at its first append (or by the background creation a moment later).
    onTmpfs = Array.from({ length: partitions }, (_, p) => p).filter((p) => fs.existsSync(path.join(mountPoint, topic, String(p))));
    onData = Array.from({ length: partitions }, (_, p) => p).filter((p) => !onTmpfs.includes(p));
    expect(onTmpfs.length).toBeGreaterThan(0);
    expect(onData.length).toBeGreaterThan(0);
    fillUp(mountPoint);
    await waitFor(async () => {
      for (const p of onTmpfs) {
        const s = await partitionState(zk, topic, p);
        if (s.leader === 1 || s.isr.includes(1)) return false;
      }
      return true;
    }, { timeoutMs: 30_000, message: `leadership of partitions ${onTmpfs.join(',')} moved off broker 1 and broker 1 out of their ISRs` });
    const ackedAtFailure = writer.acknowledged.length;
    await waitFor(() => writer.acknowledged.length >= ackedAtFailure + 2_000, { timeoutMs: 60_000, message: '2,000 more acknowledged writes after the failure' });
    await writer.stop();

    // Broker 1 is alive and still leads the partitions on its healthy dir; the failure was reported at ERROR.
    expect(cluster.cluster.broker(1).running).toBe(true);
    for (const p of onData) expect((await partitionState(zk, topic, p)).leader).toBe(1);
    expect(brokerLog()).toMatch(/ERROR .*log dir .*tmpfs is offline/);
    const described = await describe1();
    for (const p of onTmpfs) expect(described[p].offlineReplicas).toEqual([1]);
    for (const p of onData) expect(described[p].offlineReplicas).toEqual([]);

    const verdict = deliveryVerdict(writer.acknowledged, await readAllValues(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger));
    expect(verdict.lost).toEqual([]);
    acknowledgedBefore = new Set(writer.acknowledged);
  });

  itWithTmpfs('restarted on the disk remounted read-only, broker 1 serves its other dir; remounted writable, it recovers and catches up', async () => {
    // Acknowledged records broker 1 wrote on the tmpfs before it filled up.
    const writtenBefore = new Map(onTmpfs.map((p) => [p, [...replicaValues(mountPoint, p)].filter(([, v]) => acknowledgedBefore.has(v))]));
    for (const records of writtenBefore.values()) expect(records.length).toBeGreaterThan(0);

    await cluster.cluster.stopBroker(1, 'SIGTERM');
    fs.rmSync(path.join(mountPoint, 'filler'));
    const remounted = run('mount', ['-o', 'remount,ro', mountPoint]);
    expect(remounted).toMatchObject({ ok: true });
    await cluster.cluster.startBroker(1);
    await waitFor(async () => {
      for (const p of onData) if (!(await partitionState(zk, topic, p)).isr.includes(1)) return false;
      return (await describe1()).filter((p) => onTmpfs.includes(p.partition)).every((p) => p.offlineReplicas.includes(1));
    }, { timeoutMs: 60_000, message: 'broker 1 back in the ISRs on its healthy dir, its replicas on the read-only dir offline' });
    expect(brokerLog()).toMatch(/ERROR .*log dir .*tmpfs is offline: loading the logs/);
    const writer = startWriter('read-only');
    await waitFor(() => writer.acknowledged.length >= 1_000, { timeoutMs: 60_000, message: '1,000 acknowledged writes with the dir read-only' });
    await writer.stop();

    await cluster.cluster.stopBroker(1, 'SIGTERM');
    expect(run('mount', ['-o', 'remount,rw', mountPoint])).toMatchObject({ ok: true });
    await cluster.cluster.startBroker(1);
    await waitFor(async () => {
      for (let p = 0; p < partitions; p++) if ((await partitionState(zk, topic, p)).isr.length < 3) return false;
      return true;
    }, { timeoutMs: 60_000, message: 'broker 1 back in every ISR' });
    expect((await describe1()).every((p) => p.offlineReplicas.length === 0)).toBe(true);
    // The logs were recovered from the tmpfs's files (no clean-shutdown marker there: it was offline).
    expect(brokerLog()).toMatch(new RegExp(`loaded ${onTmpfs.length} partition log\\(s\\) from \\S*tmpfs in \\d+ ms \\(unclean shutdown`));

    // What broker 1 had on the tmpfs before the failure is still there, at the same offsets, and matches broker 2.
    const broker2Dirs = cluster.cluster.broker(2).logDir;
    for (const [p, before] of writtenBefore) {
      const after = replicaValues(mountPoint, p);
      const leaderCopy = replicaValues(broker2Dirs, p);
      for (const [offset, value] of before) {
        expect(after.get(offset)).toBe(value);
        expect(leaderCopy.get(offset)).toBe(value);
      }
      expect(after.size).toBe(leaderCopy.size);
    }
    const values = await readAllValues(cluster.cluster.bootstrapServers, topic, 60_000, quietLogger);
    expect(deliveryVerdict(writer.acknowledged, values).lost).toEqual([]);
  });
});
