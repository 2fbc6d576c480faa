/**
 * One chaos run: a cluster of real processes (three brokers, a three-node ZooKeeper ensemble, on
 * loopback or each on a host of its own: chaos-cluster.ts), a replicated topic with
 * min.insync.replicas=2, producers writing unique values with acks=all (or 1) and retries, a
 * consumer group committing after processing (group-consumers.ts), and the nemesis of nemesis.ts
 * carrying out its seeded plan one fault at a time, each watched (fault-observer.ts) until the
 * cluster has healed. At the end everything is healed, the group finishes, and the checker reads
 * every partition back, through a consumer and from each replica's segment files, and says what
 * was lost, divergent, never processed by the group or committed past processing (all must be
 * zero with acks=all) and duplicated, what each zombie leader acknowledged and lost, and how much
 * of what the group wrote to __consumer_offsets (compacted, in small segments here) its replicas
 * still hold.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Admin } from '../src/client/admin';
import { AckedWriter, readAllRecords } from '../src/harness/delivery-check';
import { createLogger, type Logger } from '../src/common/logger';
import { waitFor } from '../src/common/wait';
import { ZkClient } from '../src/coordination/zk-client';
import { decodeBatches } from '../src/protocol/record-batch';
import { chaosZkNodes, startChaosCluster, type ChaosCluster } from './chaos-cluster';
import { check, type CheckResult, type OffsetValues, type PartitionReads } from './checker';
import { FaultObserver, clusterHealed, readRoles, type Observation } from './fault-observer';
import { longestPartitionPause, longestPause, zombieWindows, type FaultFigures } from './fault-figures';
import { ChaosGroup } from './group-consumers';
import { healAll, inflict, type FaultTarget } from './inflict';
import { planFaults, type FaultKind, type PlannedFault } from './nemesis';

export interface ChaosOptions {
  durationMs: number;
  seed: number;
  faults: FaultKind[];
  /** Each broker and ZooKeeper node on a host of its own (root only); needed by the network faults. */
  hosts?: boolean;
  /** The producers' acks (default all). With 1, what a zombie leader acknowledged can be lost: the run reports it. */
  acks?: 'all' | 1;
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

export interface ChaosReport extends CheckResult {
  seed: number;
  durationMs: number;
  hosts: boolean;
  acks: 'all' | 1;
  faults: FaultFigures[];
  /** The bound every heal was measured against. */
  healTimeoutMs: number;
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
/** How long the group may take, after healing, to process and commit everything. */
const groupCatchUpTimeoutMs = 120_000;
/** How long the cluster may take after a fault is healed to have a leader and a full ISR for every partition. */
const healTimeoutMs = 60_000;
/** Acknowledgements are still watched this long after the heal, for the longest pause. */
const afterHealMs = 5_000;

interface ObservedFault {
  fault: PlannedFault;
  victim: string;
  startMs: number;
  healedAtMs: number;
  healMs: number | undefined;
  observation: Observation;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.progress ?? (() => undefined);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 4_000;
  const partitions = options.partitions ?? 6;
  const acks = options.acks ?? 'all';
  const hosts = options.hosts ?? false;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'josef-chaos-'));
  const logger: Logger = createLogger('chaos', () => undefined);
  const plan = planFaults({ seed: options.seed, durationMs: options.durationMs, faults: options.faults, sessionTimeoutMs });
  say(`seed ${options.seed}: ${plan.length} faults planned over ${options.durationMs} ms; cluster${hosts ? ' on hosts of their own' : ''} in ${dir}`);

  let chaos: ChaosCluster | undefined;
  let observer: ZkClient | undefined;
  const writers: AckedWriter[] = [];
  let group: ChaosGroup | undefined;
  try {
    chaos = await startChaosCluster({
      dir, hosts, env: options.env, logger,
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
    });
    const running = chaos.cluster;
    const target: FaultTarget = { cluster: running, zkDir: chaos.zkDir, network: chaos.network, say };
    const admin = new Admin({ bootstrapServers: running.bootstrapServers, logger });
    try {
      await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    } finally {
      await admin.close();
    }
    observer = await ZkClient.connect({ connectString: chaos.zookeeperConnect, logger });
    const clusterZk = observer;
    const started = Date.now();

    let lastAckMs = Date.now();
    const ackTimes: number[] = [];
    let watching: FaultObserver | undefined;
    for (let i = 0; i < (options.producers ?? 2); i++) {
      const writer = new AckedWriter({
        bootstrapServers: running.bootstrapServers, topic, prefix: `p${i}`, logger, inFlightMax: 200,
        producer: { acks, requestTimeoutMs: 5_000, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
        onAcknowledged: (value, metadata) => {
          const now = Date.now();
          if (now - lastAckMs > 50) ackTimes.push(lastAckMs, now); // pauses only: keeps the list short
          lastAckMs = now;
          watching?.onAcknowledged(metadata.partition, value);
        },
      });
      writer.start();
      writers.push(writer);
    }
    if ((options.groupMembers ?? 2) > 0) {
      group = new ChaosGroup({ bootstrapServers: running.bootstrapServers, topic, groupId, members: options.groupMembers ?? 2, logger });
      group.start();
    }

    const observed: ObservedFault[] = [];
    const brokerIds = running.brokers().map((b) => b.id);
    const zkIds = Array.from({ length: chaosZkNodes }, (_, i) => i + 1);
    for (const fault of plan) {
      // Healing can run late: no fault starts past the duration.
      if (Date.now() - started + fault.holdMs > options.durationMs) break;
      const wait = started + fault.atMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const roles = await readRoles(clusterZk, topic, partitions, brokerIds, zkIds);
      const startMs = Date.now() - started;
      watching = new FaultObserver(clusterZk, running, topic, roles.leaders, started, logger);
      watching.start();
      const victim = await inflict(target, fault, roles);
      const healedAtMs = Date.now() - started;
      const healMs = await watching.awaitHealed(healTimeoutMs);
      if (healMs === undefined) say(`${fault.action}: the cluster had not healed ${healTimeoutMs} ms after the fault ended`);
      else say(`${fault.action}: healed ${healMs} ms after the fault ended`);
      // Acknowledgements a little longer, for the pause after the heal.
      await new Promise((resolve) => setTimeout(resolve, afterHealMs));
      observed.push({ fault, victim, startMs, healedAtMs, healMs, observation: await watching.stop() });
      watching = undefined;
    }
    const remaining = started + options.durationMs - Date.now();
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));

    say('stopping the producers and healing the cluster');
    await Promise.all(writers.map((w) => w.stop()));
    await healAll(target);
    await waitFor(() => clusterHealed(clusterZk), { timeoutMs: 120_000, message: 'every partition to have a leader and all its replicas in sync again' });

    say('reading everything back');
    const records = await readAllRecords(running.bootstrapServers, topic, 120_000, logger);
    const reads: PartitionReads[] = [];
    for (let p = 0; p < partitions; p++) {
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
    const lost = new Set(result.lost);
    const faults = observed.map((o): FaultFigures => ({
      action: o.fault.action,
      victim: o.victim,
      startMs: o.startMs,
      holdMs: o.fault.holdMs,
      longestAckPauseMs: longestPause(ackTimes, started + o.startMs, started + o.healedAtMs + afterHealMs),
      longestPartitionPauseMs: longestPartitionPause(o.observation.acks, partitions, o.startMs, o.healedAtMs + (o.healMs ?? 0)),
      healMs: o.healMs,
      zombies: zombieWindows(o.observation, o.startMs, lost),
    }));
    return {
      ...result,
      seed: options.seed,
      durationMs: options.durationMs,
      hosts,
      acks,
      faults,
      healTimeoutMs,
      failedSends: writers.reduce((n, w) => n + w.failures.length, 0),
      groupCaughtUp,
      commitFailures: group?.commitFailures,
      offsetsTopic,
      dir,
    };
  } finally {
    await group?.stop().catch(() => undefined);
    await observer?.close().catch(() => undefined);
    await chaos?.stop().catch((err: unknown) => say(`stopping the cluster: ${(err as Error).message}`));
    if (!options.keep && options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
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
