/**
 * `npm run bench -- failover`: how long a partition cannot take acks=all writes when its leader
 * dies (kill -9) and when it is shut down (SIGTERM: controlled shutdown). Three brokers of a
 * local cluster, one topic per round with one partition, replication factor 3 and
 * min.insync.replicas 2, its leader chosen (by the replica list) to be a broker that is not the
 * controller, so that the round measures a leader's failover and not a controller's. A producer
 * sends one record every --interval-ms, each stamped with its send time; the figure of a round is
 * the time from the signal to the first acknowledgement of a record sent after the signal. The
 * headline is the median of --rounds rounds.
 */
import type { Command, OptionValues } from 'commander';
import { Admin } from '../src/client/admin';
import { Producer } from '../src/client/producer';
import { formatNumber } from '../src/cli/format';
import type { LocalCluster } from '../src/local/local-cluster';
import { waitFor } from '../src/common/wait';
import { ZkPaths } from '../src/coordination/paths';
import { ZkClient } from '../src/coordination/zk-client';
import { parsePartitionState, type PartitionStateZnode } from '../src/coordination/znodes';
import { quietLogger } from './client-bench';
import { median, parseCount, type Benchmark, type Progress } from './harness';
import { withBenchCluster } from './bench-cluster';
import type { BenchReport } from './report';

interface FailoverOptions {
  rounds: number;
  sessionTimeoutMs: number;
  intervalMs: number;
}

type FailoverKind = 'hard kill' | 'controlled shutdown';

/** One round's measurements, milliseconds from the signal. */
interface RoundResult {
  /** First acknowledgement of a record sent after the signal. */
  firstAckMs: number;
  /** The longest any record sent after the signal waited for its acknowledgement (until the story settled). */
  maxWaitMs: number;
  /** When ZooKeeper's partition state named the new leader (polled every 10 ms). */
  newLeaderMs: number;
}

const brokers = 3;
/** Acknowledged writes before the signal: connections and metadata warm, the leader known to the producer. */
const warmupAcks = 50;
/** After the first post-signal acknowledgement, writes go on this long so that late acknowledgements count in maxWaitMs. */
const settleMs = 1_000;
const stepTimeoutMs = 60_000;

/** Sends a record every `intervalMs` and remembers, for each, when it was sent and when acknowledged. */
class StampedWriter {
  private readonly sends: Array<{ sentMs: number; ackedMs: number | undefined }> = [];
  private timer: NodeJS.Timeout | undefined;
  failures = 0;

  constructor(private readonly producer: Producer, private readonly topic: string, private readonly intervalMs: number) {}

  start(): void {
    this.timer = setInterval(() => this.sendOne(), this.intervalMs);
  }

  acknowledged(): number {
    return this.sends.filter((s) => s.ackedMs !== undefined).length;
  }

  /** First acknowledgement among records sent at or after `fromMs`, as ms after it. */
  firstAckAfter(fromMs: number): number | undefined {
    const acks = this.sends.filter((s) => s.sentMs >= fromMs && s.ackedMs !== undefined).map((s) => (s.ackedMs as number) - fromMs);
    return acks.length === 0 ? undefined : Math.min(...acks);
  }

  /** Longest wait for its acknowledgement of a record sent at or after `fromMs`; call once every send has its outcome. */
  maxWaitAfter(fromMs: number): number {
    return Math.max(0, ...this.sends.filter((s) => s.sentMs >= fromMs && s.ackedMs !== undefined).map((s) => (s.ackedMs as number) - s.sentMs));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sendOne(): void {
    const entry = { sentMs: performance.now(), ackedMs: undefined as number | undefined };
    this.sends.push(entry);
    this.producer.send({ topic: this.topic, partition: 0, value: `v${this.sends.length}` }).then(
      () => { entry.ackedMs = performance.now(); },
      () => { this.failures++; },
    );
  }
}

async function partitionState(zk: ZkClient, topic: string): Promise<PartitionStateZnode> {
  const p = ZkPaths.partitionState(topic, 0);
  return parsePartitionState(p, (await zk.getData(p)).data);
}

async function oneRound(
  kind: FailoverKind, round: number, cluster: LocalCluster, zk: ZkClient, o: FailoverOptions, progress: Progress,
): Promise<RoundResult> {
  const controller = await cluster.controllerId();
  if (controller === undefined) throw new Error('no controller to keep out of the round');
  const others = cluster.brokers().map((b) => b.id).filter((id) => id !== controller);
  const topic = `bench-failover-${kind === 'hard kill' ? 'kill' : 'term'}-${round}-${Date.now()}`;
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, logger: quietLogger });
  try {
    // Leader, then next in line, both not the controller; the controller last.
    await admin.createTopics([{ name: topic, replicaAssignment: { 0: [...others, controller] }, configs: { 'min.insync.replicas': '2' } }]);
  } finally {
    await admin.close();
  }
  await waitFor(async () => (await partitionState(zk, topic)).isr.length === brokers, { timeoutMs: stepTimeoutMs, message: `${topic} to have a full ISR` });
  const leader = (await partitionState(zk, topic)).leader;
  const producer = new Producer({
    bootstrapServers: cluster.bootstrapServers, acks: 'all', lingerMs: 0, retryBackoffMs: 100, requestTimeoutMs: 30_000,
    deliveryTimeoutMs: 120_000, logger: quietLogger, clientId: 'bench-failover',
  });
  const writer = new StampedWriter(producer, topic, o.intervalMs);
  try {
    writer.start();
    await waitFor(() => writer.acknowledged() >= warmupAcks, { timeoutMs: stepTimeoutMs, message: `${warmupAcks} acknowledged writes to ${topic}` });
    const signal = kind === 'hard kill' ? 'SIGKILL' : 'SIGTERM';
    const signalledMs = performance.now();
    const stopped = cluster.stopBroker(leader, signal);
    const newLeaderMs = await waitFor(async () => {
      const s = await partitionState(zk, topic);
      return s.leader >= 0 && s.leader !== leader ? performance.now() - signalledMs : undefined;
    }, { timeoutMs: o.sessionTimeoutMs + stepTimeoutMs, intervalMs: 10, message: `${topic} to get a leader other than broker ${leader}` });
    const firstAckMs = await waitFor(() => writer.firstAckAfter(signalledMs), {
      timeoutMs: stepTimeoutMs, message: `an acknowledgement of a write sent after the ${signal} of broker ${leader}`,
    });
    await waitFor(() => performance.now() - signalledMs > firstAckMs + settleMs, { timeoutMs: stepTimeoutMs, message: 'writes to settle after the failover' });
    // Every record sent has its outcome before the longest wait is taken.
    writer.stop();
    await producer.flush();
    const maxWaitMs = writer.maxWaitAfter(signalledMs);
    await stopped;
    progress(`${kind} round ${round}: broker ${leader} (leader, not controller) -> first ack ${firstAckMs.toFixed(0)} ms, longest wait ${maxWaitMs.toFixed(0)} ms, new leader in ZooKeeper at ${newLeaderMs.toFixed(0)} ms`);
    if (writer.failures > 0) throw new Error(`${writer.failures} acks=all writes to ${topic} failed in the ${kind} round`);
    return { firstAckMs, maxWaitMs, newLeaderMs };
  } finally {
    writer.stop();
    await producer.close();
    await cluster.startBroker(leader);
    await cluster.awaitReady();
  }
}

async function run(options: OptionValues, progress: Progress): Promise<BenchReport> {
  const o = options as FailoverOptions;
  progress(`brokers get zookeeper.session.timeout.ms=${o.sessionTimeoutMs}`);
  const clusterOptions = { name: 'failover', zkBasePort: 23910, brokers, overrides: { 'zookeeper.session.timeout.ms': String(o.sessionTimeoutMs) } };
  return withBenchCluster(clusterOptions, progress, async (cluster) => {
    const zkClient = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger: quietLogger });
    try {
      const results: Record<FailoverKind, RoundResult[]> = { 'hard kill': [], 'controlled shutdown': [] };
      for (const kind of ['hard kill', 'controlled shutdown'] as const) {
        for (let round = 1; round <= o.rounds; round++) results[kind].push(await oneRound(kind, round, cluster, zkClient, o, progress));
      }
      return report(results, o);
    } finally {
      await zkClient.close();
    }
  });
}

function report(results: Record<FailoverKind, RoundResult[]>, o: FailoverOptions): BenchReport {
  const ms = (v: number): string => formatNumber(v, 0);
  const row = (kind: FailoverKind, goal: string): Array<string | number> => {
    const r = results[kind];
    const first = r.map((x) => x.firstAckMs);
    return [
      kind, ms(median(first)), `${ms(Math.min(...first))}-${ms(Math.max(...first))}`, ms(median(r.map((x) => x.maxWaitMs))),
      ms(median(r.map((x) => x.newLeaderMs))), first.map(ms).join(' / '), goal,
    ];
  };
  const hardKillMs = median(results['hard kill'].map((x) => x.firstAckMs));
  const controlledShutdownMs = median(results['controlled shutdown'].map((x) => x.firstAckMs));
  const hardGoalMs = o.sessionTimeoutMs + 1_000;
  return {
    benchmark: 'failover',
    parameters: { brokers, replicationFactor: 3, minInsyncReplicas: 2, acks: 'all', rounds: o.rounds, sessionTimeoutMs: o.sessionTimeoutMs, intervalMs: o.intervalMs },
    tables: [{
      title: `unavailability of one partition (median of ${o.rounds}; zookeeper.session.timeout.ms=${o.sessionTimeoutMs})`,
      columns: [
        { title: 'failover' }, { title: 'first ack ms', align: 'right' }, { title: 'range', align: 'right' }, { title: 'longest wait ms', align: 'right' },
        { title: 'new leader in ZK ms', align: 'right' }, { title: 'rounds (first ack ms)' }, { title: 'goal' },
      ],
      rows: [
        row('hard kill', `< ${ms(hardGoalMs)} (session timeout + 1 s): ${hardKillMs < hardGoalMs ? 'met' : 'NOT met'}`),
        row('controlled shutdown', `< 500: ${controlledShutdownMs < 500 ? 'met' : 'NOT met'}`),
      ],
    }],
    figures: {
      hardKillMs,
      controlledShutdownMs,
      hardKillMaxWaitMs: median(results['hard kill'].map((x) => x.maxWaitMs)),
      controlledShutdownMaxWaitMs: median(results['controlled shutdown'].map((x) => x.maxWaitMs)),
      hardKillNewLeaderMs: median(results['hard kill'].map((x) => x.newLeaderMs)),
      controlledShutdownNewLeaderMs: median(results['controlled shutdown'].map((x) => x.newLeaderMs)),
      sessionTimeoutMs: o.sessionTimeoutMs,
    },
    notes: [
      `first ack: from the signal (SIGKILL, or SIGTERM for a controlled shutdown) to the first acknowledgement of an acks=all record sent after it; the producer sends one record every ${o.intervalMs} ms to partition 0 (linger.ms 0, retry.backoff.ms 100).`,
      'longest wait: the longest any record sent after the signal (until 1 s after the first figure) waited for its acknowledgement: what a producer felt as unavailability (a record sent just before the signal can wait longer; it is not counted).',
      'new leader in ZK: when the partition state znode named another leader (polled every 10 ms). The leader killed is never the controller (the replica list puts the controller last), so no controller failover is included.',
      'A hard kill cannot be noticed before ZooKeeper expires the dead broker\'s session: the floor of the first figure is zookeeper.session.timeout.ms.',
    ],
  };
}

export const failoverBenchmark: Benchmark = {
  name: 'failover',
  description: 'unavailability of a partition when its leader is killed (kill -9) or shut down (SIGTERM), acks=all, RF 3',
  defineOptions(command: Command): void {
    command
      .option('--rounds <n>', 'rounds of each kind; the figures are their median', parseCount, 5)
      .option('--session-timeout-ms <ms>', 'the brokers\' zookeeper.session.timeout.ms (the broker\'s default)', parseCount, 6_000)
      .option('--interval-ms <ms>', 'the producer sends one record this often', parseCount, 5);
  },
  run,
};
