/**
 * One chaos run: a local cluster of real processes (three brokers, a three-node ZooKeeper
 * ensemble), a replicated topic with min.insync.replicas=2, producers writing unique values with
 * acks=all and retries, a consumer group committing after processing (group-consumers.ts), and
 * the nemesis of nemesis.ts carrying out its seeded plan. At the end everything is healed, the
 * group finishes, and the checker reads every partition back, through a consumer and from each
 * replica's segment files, and says what was lost, divergent, never processed by the group or
 * committed past processing (all must be zero) and duplicated, and how much of what the group
 * wrote to __consumer_offsets (compacted, in small segments here) its replicas still hold.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Admin } from '../src/client/admin';
import { AckedWriter, readAllRecords } from '../src/client/delivery-check';
import { startLocalCluster, type LocalCluster } from '../src/cli/local-cluster';
import { freePorts } from '../src/common/free-ports';
import { createLogger, type Logger } from '../src/common/logger';
import { waitFor } from '../src/common/wait';
import { findFreeBasePort, startLocalZk, stopLocalZk } from '../src/coordination/local-zk';
import { ZkPaths } from '../src/coordination/paths';
import { ZkClient } from '../src/coordination/zk-client';
import { readPartitionState } from '../src/coordination/topic-admin';
import { parseController } from '../src/coordination/znodes';
import { decodeBatches } from '../src/protocol/record-batch';
import { check, type CheckResult, type OffsetValues, type PartitionReads } from './checker';
import { ChaosGroup } from './group-consumers';
import { planFaults, type FaultKind, type PlannedFault } from './nemesis';

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  faults: FaultKind[];
  partitions?: number;
  producers?: number;
  /** Members of the consumer group (0: no group). */
  groupMembers?: number;
  sessionTimeoutMs?: number;
  /** Where the cluster's data and logs go (a fresh temporary folder by default, removed unless keep). */
  dir?: string;
  keep?: boolean;
  progress?: (line: string) => void;
  /** The broker processes' environment (JOSEF_TS=1 runs the sources through ts-node instead of the build). */
  env?: NodeJS.ProcessEnv;
}

export interface FaultWindow {
  action: PlannedFault['action'];
  victim: string;
  startMs: number;
  holdMs: number;
  /** The longest time without any acknowledgement, from the fault to 5 s after it was healed. */
  longestAckPauseMs: number;
}

export interface ChaosReport extends CheckResult {
  seed: number;
  durationMs: number;
  faults: FaultWindow[];
  failedSends: number;
  /** With a group: whether it had processed and committed everything by the end, and its failed commits (rebalances). */
  groupCaughtUp?: boolean;
  commitFailures?: number;
  /** __consumer_offsets: records written (the sum of its partitions' log ends) and the most any replica holds. */
  offsetsTopic: { recordsWritten: number; recordsKept: number };
  dir: string;
}

const topic = 'chaos';
const groupId = 'chaos-group';
const offsetsTopicPartitions = 6;
const brokers = 3;
/** How long the group may take, after healing, to process and commit everything. */
const groupCatchUpTimeoutMs = 120_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.progress ?? (() => undefined);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 4_000;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'josef-chaos-'));
  const logger: Logger = createLogger('chaos', () => undefined);
  const plan = planFaults({ seed: options.seed, durationMs: options.durationMs, faults: options.faults, sessionTimeoutMs });
  say(`seed ${options.seed}: ${plan.length} faults planned over ${options.durationMs} ms; cluster in ${dir}`);

  const zkDir = path.join(dir, 'zk');
  const zk = await startLocalZk({ dir: zkDir, ensemble: 3, basePort: await findFreeBasePort(22000 + Math.floor(Math.random() * 3000), 3) });
  let cluster: LocalCluster | undefined;
  let observer: ZkClient | undefined;
  const writers: AckedWriter[] = [];
  let group: ChaosGroup | undefined;
  try {
    cluster = await startLocalCluster({
      brokers,
      dataDir: dir,
      zookeeperConnect: `${zk.connectString}/josef`,
      ports: await freePorts(brokers),
      overrides: {
        'zookeeper.session.timeout.ms': String(sessionTimeoutMs),
        'min.insync.replicas': '2',
        'replica.lag.time.max.ms': '3000',
        'replica.fetch.backoff.ms': '100',
        'unclean.leader.election.enable': 'false',
        'controlled.shutdown.retry.backoff.ms': '200',
        // Kafka's 50 partitions times three replicas is a lot for a 2-core machine and a 60 s run.
        'offsets.topic.num.partitions': String(offsetsTopicPartitions),
        // Segments that roll and get cleaned within a minute's run (its group writes a few hundred
        // KB of commits): the commits' log stays bounded while the group commits.
        'offsets.topic.segment.bytes': String(32 * 1024),
        'log.cleaner.backoff.ms': '1000',
      },
      env: options.env,
      logger,
    });
    const running = cluster;
    const admin = new Admin({ bootstrapServers: running.bootstrapServers, logger });
    try {
      await admin.createTopics([{ name: topic, numPartitions: options.partitions ?? 6, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    } finally {
      await admin.close();
    }
    observer = await ZkClient.connect({ connectString: `${zk.connectString}/josef`, logger });
    const clusterZk = observer;

    let lastAckMs = Date.now();
    const ackTimes: number[] = [];
    for (let i = 0; i < (options.producers ?? 2); i++) {
      const writer = new AckedWriter({
        bootstrapServers: running.bootstrapServers, topic, prefix: `p${i}`, logger, inFlightMax: 200,
        producer: { requestTimeoutMs: 5_000, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
        onAcknowledged: () => {
          const now = Date.now();
          if (now - lastAckMs > 50) ackTimes.push(lastAckMs, now); // pauses only: keeps the list short
          lastAckMs = now;
        },
      });
      writer.start();
      writers.push(writer);
    }
    if ((options.groupMembers ?? 2) > 0) {
      group = new ChaosGroup({ bootstrapServers: running.bootstrapServers, topic, groupId, members: options.groupMembers ?? 2, logger });
      group.start();
    }

    const started = Date.now();
    const windows: FaultWindow[] = [];
    for (const fault of plan) {
      // Healing (a restarted broker waits out its old session) can run late: no fault starts past the duration.
      if (Date.now() - started + fault.holdMs > options.durationMs) break;
      const wait = started + fault.atMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const startMs = Date.now();
      const victim = await inflict(running, zkDir, clusterZk, fault, say);
      windows.push({ action: fault.action, victim, startMs: startMs - started, holdMs: fault.holdMs, longestAckPauseMs: 0 });
    }
    const remaining = started + options.durationMs - Date.now();
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));

    say('stopping the producers and healing the cluster');
    await Promise.all(writers.map((w) => w.stop()));
    await heal(running, zkDir);
    await waitFor(async () => {
      for (let p = 0; p < (options.partitions ?? 6); p++) {
        if (((await readPartitionState(clusterZk, topic, p))?.isr.length ?? 0) < 3) return false;
      }
      return true;
    }, { timeoutMs: 120_000, message: 'every partition to have all three replicas in sync again' });

    for (const w of windows) w.longestAckPauseMs = longestPause(ackTimes, started + w.startMs, started + w.startMs + w.holdMs + 5_000);

    say('reading everything back');
    const records = await readAllRecords(running.bootstrapServers, topic, 120_000, logger);
    const reads: PartitionReads[] = [];
    for (let p = 0; p < (options.partitions ?? 6); p++) {
      const consumer = new Map<number, string>();
      for (const r of records) if (r.partition === p) consumer.set(r.offset, r.value);
      const sources = new Map<string, OffsetValues>([['consumer', consumer]]);
      for (const b of running.brokers()) sources.set(`broker-${b.id}`, replicaRecords(b.logDir, topic, p));
      let highWatermark = 0;
      for (const offset of consumer.keys()) highWatermark = Math.max(highWatermark, offset + 1);
      reads.push({ partition: p, highWatermark, sources });
    }
    let groupCaughtUp: boolean | undefined;
    if (group) {
      say('waiting for the consumer group to process and commit everything');
      groupCaughtUp = await group.waitCaughtUp(new Map(reads.map((r) => [r.partition, r.highWatermark])), groupCatchUpTimeoutMs);
      await group.stop();
    }
    const acknowledged = writers.flatMap((w) => w.acknowledged);
    const result = check(acknowledged, reads, group?.progress);
    const offsetsTopic = { recordsWritten: 0, recordsKept: 0 };
    for (let p = 0; p < offsetsTopicPartitions; p++) {
      const replicas = running.brokers().map((b) => replicaRecords(b.logDir, '__consumer_offsets', p));
      offsetsTopic.recordsWritten += Math.max(0, ...replicas.flatMap((r) => [...r.keys()].map((offset) => offset + 1)));
      offsetsTopic.recordsKept += Math.max(0, ...replicas.map((r) => r.size));
    }
    return {
      ...result,
      seed: options.seed,
      durationMs: options.durationMs,
      faults: windows,
      failedSends: writers.reduce((n, w) => n + w.failures.length, 0),
      groupCaughtUp,
      commitFailures: group?.commitFailures,
      offsetsTopic,
      dir,
    };
  } finally {
    await group?.stop().catch(() => undefined);
    await observer?.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await zk.stop().catch(() => undefined);
    if (!options.keep && options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The longest stretch in [fromMs, toMs] with no acknowledgement, from the recorded pauses. */
function longestPause(pauses: readonly number[], fromMs: number, toMs: number): number {
  let longest = 0;
  for (let i = 0; i < pauses.length; i += 2) {
    const start = Math.max(pauses[i], fromMs);
    const end = Math.min(pauses[i + 1], toMs);
    if (end > start) longest = Math.max(longest, end - start);
  }
  return longest;
}

/** A replica's records as offset -> value, decoded from its segment files. */
function replicaRecords(logDir: string, topicName: string, partition: number): Map<number, string> {
  const dir = path.join(logDir, topicName, String(partition));
  const out = new Map<number, string>();
  if (!fs.existsSync(dir)) return out;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
    for (const record of decodeBatches(fs.readFileSync(path.join(dir, file)))) out.set(record.offset, record.value?.toString() ?? '');
  }
  return out;
}

async function leaderOf(zk: ZkClient, partition: number): Promise<number> {
  return (await readPartitionState(zk, topic, partition))?.leader ?? -1;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Carries out one fault and heals it after its hold; returns who it hit. */
async function inflict(cluster: LocalCluster, zkDir: string, zk: ZkClient, fault: PlannedFault, say: (line: string) => void): Promise<string> {
  const live = cluster.brokers().filter((b) => b.running).map((b) => b.id);
  const pickOf = <T>(items: readonly T[]): T => items[Math.floor(fault.pick * items.length)];
  switch (fault.action) {
    case 'kill-leader':
    case 'kill-controller': {
      let victim: number;
      if (fault.action === 'kill-controller') {
        victim = parseController(ZkPaths.controller, (await zk.getData(ZkPaths.controller)).data).brokerId;
      } else {
        victim = await leaderOf(zk, Math.floor(fault.pick * 6) % 6);
        if (!live.includes(victim)) victim = pickOf(live);
      }
      say(`${fault.action}: kill -9 broker ${victim}, back in ${fault.holdMs} ms`);
      await cluster.stopBroker(victim, 'SIGKILL');
      await pause(fault.holdMs);
      await cluster.startBroker(victim);
      return `broker ${victim}`;
    }
    case 'stop-broker': {
      const victim = pickOf(live);
      const pid = cluster.broker(victim).pid as number;
      say(`stop-broker: SIGSTOP broker ${victim} for ${fault.holdMs} ms (past its session timeout)`);
      process.kill(pid, 'SIGSTOP');
      try {
        await pause(fault.holdMs);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      return `broker ${victim}`;
    }
    case 'restart-broker': {
      const victim = pickOf(live);
      say(`restart-broker: SIGTERM broker ${victim} (controlled shutdown), back in ${fault.holdMs} ms`);
      await cluster.stopBroker(victim, 'SIGTERM');
      await pause(fault.holdMs);
      await cluster.startBroker(victim);
      return `broker ${victim}`;
    }
    case 'kill-zk-node': {
      const node = 1 + Math.floor(fault.pick * 3);
      say(`kill-zk-node: stop ZooKeeper node ${node}, back in ${fault.holdMs} ms`);
      await stopLocalZk(zkDir, { nodeIds: [node] });
      await pause(fault.holdMs);
      await startLocalZk({ dir: zkDir });
      return `zookeeper ${node}`;
    }
  }
}

/** Everything running again: stopped brokers resumed, dead ones started, every ZooKeeper node up. */
async function heal(cluster: LocalCluster, zkDir: string): Promise<void> {
  await startLocalZk({ dir: zkDir });
  for (const b of cluster.brokers()) {
    if (b.running && b.pid) process.kill(b.pid, 'SIGCONT');
    if (!b.running) await cluster.startBroker(b.id);
  }
}
