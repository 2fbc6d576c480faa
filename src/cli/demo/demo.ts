/**
 * `josef demo failover`: Kafka's failover told live on real processes. On the cluster `josef
 * cluster up` runs from DATA-DIR (waiting for one still starting there; a cluster of its own when
 * none runs), it creates a topic with three replicas, writes numbered records with an acks=all (or
 * acks=1) producer while a consumer reads them, kills the leader of partition 0 with SIGKILL,
 * narrates what ZooKeeper and the controller do (from watches), restarts the broker, shows it
 * rejoin the ISR, and ends with the verdict: every acknowledged record read back, or the truth of
 * what was lost.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { Admin } from '../../client/admin';
import { AckedWriter, deliveryVerdict, ValueReader } from '../../harness/delivery-check';
import { freePorts } from '../../common/free-ports';
import { createLogger, type Logger } from '../../common/logger';
import { waitFor } from '../../common/wait';
import { ZkClient } from '../../coordination/zk-client';
import { awaitClusterUp } from '../../local/cluster-lock';
import {
  brokerCommandWords, isJosefProcess, readClusterState, startRecordedBroker, stateFilePath, type ClusterState,
} from '../../local/cluster-state';
import { ClusterWatch } from './demo-watch';
import { DemoView, formatVerdict, narrate, type DemoHeader, type DemoStep, type DemoViewSource, type Incident } from './demo-view';
import { startLocalCluster } from '../../local/local-cluster';
import { registerScaleOutDemo } from './demo-scale-out';
import { plainOption, stopLoadAndReadBack, storyStepTimeoutMs } from './demo-story';

interface FailoverOptions {
  dataDir: string;
  zookeeper?: string;
  sessionTimeoutMs: string;
  topic?: string;
  partitions: string;
  acks: string;
  rate: string;
  recordsPerStep: string;
  pauseFollowersMs: string;
  assign?: boolean;
  plain?: boolean;
}

/** A cluster to tell the story on: the running `cluster up`, or one the demo started. */
interface DemoCluster {
  /** Which cluster, in a sentence. */
  origin: string;
  bootstrapServers: string;
  zookeeperConnect: string;
  brokerIds: number[];
  /** zookeeper.session.timeout.ms of the brokers, when the demo set it. */
  sessionTimeoutMs: number | undefined;
  kill(id: number): Promise<void>;
  /** SIGSTOP or SIGCONT to broker `id`. */
  signal(id: number, signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** Starts broker `id` again; resolves with how, in a sentence. */
  restart(id: number): Promise<string>;
  close(): Promise<void>;
}

/** Kafka's default zookeeper.session.timeout.ms in the 2.x era and the broker's here (config.ts). */
const brokerSessionTimeoutMsDefault = 6_000;
const killWaitMs = 10_000;
/** A `cluster up` starting in the data dir starts ZooKeeper, then its brokers, each within a minute. */
const startingClusterWaitMs = 180_000;
/** Sends awaiting acknowledgement at most: enough that sends to frozen leaders do not stop the rest. */
const writerInFlightMax = 10_000;
const steps = [
  'creating the topic',
  'writing and reading',
  'the followers of partition 0 freeze (SIGSTOP), as in a long GC pause, and fall behind their leader',
  'leader of partition 0 killed (SIGKILL): waiting for ZooKeeper and the controller',
  'writing on the new leader',
  'restarting the killed broker',
  'the restarted broker catches up with the leaders',
  'writing with the broker back; then the consumer reads to the end',
  'verdict',
] as const;

function positive(flag: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`${flag} wants a whole number${allowZero ? '' : ' above 0'}, got "${value}"`);
  return n;
}

function parseDemoAcks(value: string): 'all' | 1 {
  if (value === 'all' || value === '-1') return 'all';
  if (value === '1') return 1;
  throw new Error(`--acks wants all or 1, got "${value}"`);
}

/** Client and cluster logs of the demo go to a file, so they do not break the view. */
function fileLogger(file: string): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return createLogger('demo', (line) => fs.appendFileSync(file, line));
}

/** The running `cluster up` of dataDir, when there is one with every broker up. */
function runningCluster(state: ClusterState, dataDir: string): DemoCluster {
  const running = state.brokers.filter((b) => isJosefProcess(b.pid, brokerCommandWords(b.id)));
  if (running.length < 3) {
    throw new Error(`the demo needs 3 brokers running; the cluster of ${dataDir} has ${running.length} (${running.map((b) => b.id).join(', ') || 'none'}): `
      + `restart it with josef cluster down --data-dir ${dataDir} && josef cluster up --data-dir ${dataDir}`);
  }
  const broker = (id: number): ClusterState['brokers'][number] => {
    const b = (readClusterState(dataDir) ?? state).brokers.find((x) => x.id === id);
    if (!b) throw new Error(`broker ${id} is not in ${stateFilePath(dataDir)}`);
    return b;
  };
  return {
    origin: `the cluster of \`josef cluster up\` (pid ${state.pid}) in ${dataDir}`,
    bootstrapServers: running.map((b) => `${b.host}:${b.port}`).join(','),
    zookeeperConnect: state.zookeeper.connect,
    brokerIds: running.map((b) => b.id),
    sessionTimeoutMs: undefined,
    async kill(id) {
      const b = broker(id);
      if (!isJosefProcess(b.pid, brokerCommandWords(id))) throw new Error(`broker ${id} (pid ${b.pid}) is not running`);
      process.kill(b.pid as number, 'SIGKILL');
      await waitFor(() => !isJosefProcess(b.pid, brokerCommandWords(id)), { timeoutMs: killWaitMs, message: `broker ${id} (pid ${b.pid}) to die` });
    },
    signal(id, signal) {
      const b = broker(id);
      if (isJosefProcess(b.pid, brokerCommandWords(id))) process.kill(b.pid as number, signal);
    },
    // `cluster up` restarts nothing, so the demo starts the broker with the command line cluster up
    // gave it (same id, port, log dir, ZooKeeper), detached, appending to the same log file, and
    // records its pid in cluster.json for `cluster status`, `broker kill` and `cluster down`.
    async restart(id) {
      const current = readClusterState(dataDir) ?? state;
      const b = current.brokers.find((x) => x.id === id);
      if (!b) throw new Error(`broker ${id} is not in ${stateFilePath(dataDir)}`);
      const pid = startRecordedBroker(dataDir, current, b, `josef demo failover: restarting broker ${id}`);
      return `started broker ${id} again as pid ${pid} (by the demo: \`cluster up\` does not restart brokers; \`josef cluster down\` stops it, its log goes on in ${b.logFile})`;
    },
    close: async () => undefined,
  };
}

/** A cluster of three brokers of its own, on free ports, stopped at the end. */
async function ownCluster(options: FailoverOptions, sessionTimeoutMs: number, logger: Logger): Promise<DemoCluster> {
  const cluster = await startLocalCluster({
    brokers: 3,
    dataDir: options.dataDir,
    zookeeperConnect: options.zookeeper,
    ports: await freePorts(3),
    overrides: { 'zookeeper.session.timeout.ms': String(sessionTimeoutMs) },
    logger,
  });
  return {
    origin: `a cluster of its own: 3 brokers on ${cluster.bootstrapServers}, ZooKeeper ${cluster.zookeeperConnect}, data and logs in ${options.dataDir} (no \`josef cluster up\` runs there)`,
    bootstrapServers: cluster.bootstrapServers,
    zookeeperConnect: cluster.zookeeperConnect,
    brokerIds: cluster.brokers().map((b) => b.id),
    sessionTimeoutMs,
    async kill(id) {
      await cluster.stopBroker(id, 'SIGKILL');
    },
    signal(id, signal) {
      const { pid, running } = cluster.broker(id);
      if (pid !== undefined && running) process.kill(pid, signal);
    },
    async restart(id) {
      // The demo's LocalCluster waits until the broker registered again.
      await cluster.startBroker(id);
      return `started broker ${id} again (pid ${cluster.broker(id).pid}), same id, port and log dir`;
    },
    close: () => cluster.stop(),
  };
}

/** The `cluster up` of the data dir (waited for while it starts), else a cluster of the demo's own, which claims the data dir. */
async function findCluster(options: FailoverOptions, sessionTimeoutMs: number, logger: Logger, say: (text: string) => void): Promise<DemoCluster> {
  const state = await awaitClusterUp(options.dataDir, say, startingClusterWaitMs);
  if (state) return runningCluster(state, options.dataDir);
  say(`no \`josef cluster up\` runs from ${options.dataDir}: starting 3 brokers (zookeeper.session.timeout.ms=${sessionTimeoutMs})`);
  return ownCluster(options, sessionTimeoutMs, logger);
}

async function createTopic(cluster: DemoCluster, header: DemoHeader, logger: Logger): Promise<void> {
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers, logger });
  try {
    await admin.createTopics([{
      name: header.topic, numPartitions: header.partitions, replicationFactor: 3, configs: { 'min.insync.replicas': String(header.minInsyncReplicas) },
    }]);
    for (const p of (await admin.describeTopics([header.topic]))[0].partitions) header.replicas.set(p.partition, p.replicas);
  } finally {
    await admin.close();
  }
}

async function failover(options: FailoverOptions): Promise<void> {
  const startedMs = Date.now();
  const acks = parseDemoAcks(options.acks);
  const sessionTimeoutMs = positive('--session-timeout-ms', options.sessionTimeoutMs);
  const recordsPerStep = positive('--records-per-step', options.recordsPerStep);
  const rate = positive('--rate', options.rate, true);
  const pauseFollowersMs = positive('--pause-followers-ms', options.pauseFollowersMs, true);
  const view = new DemoView(process.stdout, !options.plain && process.stdout.isTTY === true, startedMs);
  const logFile = path.resolve(options.dataDir, 'logs', 'demo-failover.log');
  const logger = fileLogger(logFile);
  const header: DemoHeader = {
    topic: options.topic ?? `failover-demo-${startedMs.toString(36)}`,
    partitions: positive('--partitions', options.partitions),
    acks,
    minInsyncReplicas: 2,
    replicas: new Map(),
  };
  let stepIndex = 1;
  let incident: Incident | undefined;
  const step = (index: number): void => {
    stepIndex = index;
    view.say(`step ${index} of ${steps.length}: ${steps[index - 1]}`);
  };

  const cluster = await findCluster(options, sessionTimeoutMs, logger, (t) => view.say(t));
  let zk: ZkClient | undefined;
  let watch: ClusterWatch | undefined;
  let writer: AckedWriter | undefined;
  let reader: ValueReader | undefined;
  let source: DemoViewSource | undefined;
  const paused = new Set<number>();
  const resume = (): void => {
    for (const id of paused) cluster.signal(id, 'SIGCONT');
    paused.clear();
  };
  const cleanup = async (): Promise<void> => {
    resume();
    watch?.close();
    await writer?.stop().catch(() => undefined);
    await reader?.finish(1_000).catch(() => undefined);
    await zk?.close();
    await cluster.close();
  };
  process.once('SIGINT', () => {
    view.finish(source, 'interrupted: stopping');
    void cleanup().finally(() => process.exit(130));
  });
  try {
    view.say(`cluster: ${cluster.origin}; client log: ${logFile}`);
    if (cluster.brokerIds.length < 3) throw new Error(`the demo needs 3 brokers, the cluster has ${cluster.brokerIds.length}`);
    step(1);
    await createTopic(cluster, header, logger);
    zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger });
    watch = new ClusterWatch(zk, header.topic, header.partitions, (err) => view.say(`reading ZooKeeper failed: ${err.message}`));
    await watch.start();
    const watched = watch.cluster;
    watch.onEvent((event) => view.say(narrate(event, watched, incident, Date.now())));
    await waitFor(() => [...header.replicas].every(([p, replicas]) => watched.partitions.get(p)?.isr.length === replicas.length), {
      timeoutMs: storyStepTimeoutMs, message: `every partition of ${header.topic} to have its 3 replicas in the ISR`,
    });
    view.say(`topic ${header.topic}: ${header.partitions} partitions, replication factor 3, min.insync.replicas=${header.minInsyncReplicas}; controller: broker ${watched.controllerId}`);

    step(2);
    writer = new AckedWriter({
      // Sends to frozen leaders wait without holding back the others (the producer's buffer bounds them too).
      bootstrapServers: cluster.bootstrapServers, topic: header.topic, logger, ratePerSec: rate === 0 ? undefined : rate, inFlightMax: writerInFlightMax,
      producer: { acks, requestTimeoutMs: 30_000, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
    });
    const groupId = options.assign ? undefined : header.topic;
    reader = new ValueReader(cluster.bootstrapServers, header.topic, logger, groupId);
    const w = writer;
    const r = reader;
    source = {
      header, cluster: watched, step: (): DemoStep => ({ index: stepIndex, count: steps.length, text: steps[stepIndex - 1] }),
      counts: () => ({ produced: w.sent, acknowledged: w.acknowledged.length, failed: w.failures.length, consumed: r.values.length }),
    };
    view.attach(source);
    writer.start();
    await reader.start();
    view.say(`producer (acks=${acks}${rate === 0 ? '' : `, ${rate} records/s`}) writes values ${header.topic}-0, -1, ...; `
      + (groupId === undefined
        ? `consumer assigned all ${header.partitions} partitions from the beginning`
        : `consumer in group ${groupId}, its only member, so assigned all ${header.partitions} partitions, from the beginning (auto.offset.reset=earliest)`));
    await writer.acknowledgedMore(recordsPerStep, storyStepTimeoutMs);

    step(3);
    const victim = watched.partitions.get(0)?.leader ?? -1;
    if (victim < 0) throw new Error(`partition 0 of ${header.topic} has no leader to kill`);
    const ackedBeforeStall = writer.acknowledged.length;
    if (pauseFollowersMs > 0) {
      for (const id of header.replicas.get(0) ?? []) {
        if (id === victim) continue;
        cluster.signal(id, 'SIGSTOP');
        paused.add(id);
      }
      view.say(`froze brokers ${[...paused].join(' and ')}, the followers of partition 0, for ${pauseFollowersMs} ms with SIGSTOP (well under replica.lag.time.max.ms, so they stay in the ISR); `
        + (acks === 'all' ? 'acks=all writes to partition 0 now wait for them' : `broker ${victim} alone acknowledges acks=1 writes to partition 0`));
      // A scripted pause of the story, not a wait for state.
      await new Promise((resolve) => setTimeout(resolve, pauseFollowersMs));
    } else {
      view.say('skipped (--pause-followers-ms 0): the followers are as close behind the leader as replication keeps them');
    }

    step(4);
    const ackedBefore = writer.acknowledged.length;
    incident = { brokerId: victim, atMs: Date.now() };
    await cluster.kill(victim);
    resume();
    view.say(`killed broker ${victim}, the leader of partition 0, with SIGKILL: no controlled shutdown; ${ackedBefore} records acknowledged so far`
      + `${pauseFollowersMs > 0 ? ` (${ackedBefore - ackedBeforeStall} while its followers were frozen; they run again now)` : ''}. `
      + `ZooKeeper keeps its session until zookeeper.session.timeout.ms (${cluster.sessionTimeoutMs ?? `default ${brokerSessionTimeoutMsDefault}`} ms) passes without a heartbeat`
      + (acks === 'all' ? `; until then acks=all writes wait, since every ISR still names broker ${victim}` : ''));
    const newLeader = await waitFor(() => {
      const leader = watched.partitions.get(0)?.leader ?? -1;
      return leader >= 0 && leader !== victim ? leader : undefined;
    }, { timeoutMs: (cluster.sessionTimeoutMs ?? 30_000) + storyStepTimeoutMs, message: `partition 0 to get a leader other than broker ${victim}` });

    step(5);
    await writer.acknowledgedMore(recordsPerStep, storyStepTimeoutMs);
    view.say(`broker ${newLeader} leads partition 0 and writes go on: ${writer.acknowledged.length - ackedBefore} more acknowledged since the kill`);

    step(6);
    view.say(await cluster.restart(victim));
    await waitFor(() => watched.brokers.includes(victim), { timeoutMs: storyStepTimeoutMs, message: `broker ${victim} to register in /brokers/ids again` });

    step(7);
    view.say(`broker ${victim} is a follower now: it asks each leader where their histories agree (OffsetsForLeaderEpoch), truncates what it has beyond that, and fetches the rest`);
    const rejoinedFrom = Date.now();
    const hosted = [...header.replicas].filter(([, replicas]) => replicas.includes(victim)).map(([p]) => p);
    await waitFor(() => hosted.every((p) => watched.partitions.get(p)?.isr.includes(victim)), {
      timeoutMs: storyStepTimeoutMs, message: `broker ${victim} to rejoin the ISR of partitions ${hosted.join(', ')}`,
    });
    view.say(`broker ${victim} caught up and is back in the ISR of every partition it holds (${((Date.now() - rejoinedFrom) / 1000).toFixed(1)} s after it registered)`);

    step(8);
    const consumed = await stopLoadAndReadBack(writer, reader, recordsPerStep, (text) => view.say(text));

    step(9);
    const verdict = deliveryVerdict(writer.acknowledged, consumed);
    view.finish(source, formatVerdict(verdict, { acks, minInsyncReplicas: header.minInsyncReplicas, killedBrokerId: victim, failures: writer.failures }));
    if (acks === 'all' && verdict.lost.length > 0) process.exitCode = 1;
  } catch (err) {
    view.finish(source, 'the demo stopped early');
    throw err;
  } finally {
    await cleanup();
  }
}

export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('demonstrations of Kafka\'s machinery on real processes');
  demo.command('failover')
    .description('kill the leader of a partition under an acks=all producer and narrate the failover live from ZooKeeper; '
      + 'ends with acknowledged vs consumed (lost records)')
    .option('--data-dir <dir>', 'use the `josef cluster up` running from DIR (waiting for it while it starts); when none runs there, start 3 brokers with their data in DIR', '.josef')
    .option('--zookeeper <connect>', 'for a cluster the demo starts: this ensemble (HOST:PORT[/chroot]) instead of JOSEF_ZK or a local one')
    .option('--session-timeout-ms <ms>', 'for a cluster the demo starts: the brokers\' zookeeper.session.timeout.ms', String(brokerSessionTimeoutMsDefault))
    .option('--topic <name>', 'topic to create (default failover-demo-<time>)')
    .option('--partitions <n>', 'partitions of the topic (replication factor 3, min.insync.replicas 2)', '3')
    .option('--acks <acks>', 'all (nothing acknowledged is lost) or 1 (what the leader alone acknowledged can be lost)', 'all')
    .option('--rate <records/s>', 'records the producer sends per second; 0: as fast as acknowledgements come', '2000')
    .option('--records-per-step <n>', 'records acknowledged before the kill, after the new leader and after the broker is back', '2000')
    .option('--pause-followers-ms <ms>', 'freeze the followers of partition 0 this long (SIGSTOP) just before the kill, so the leader dies ahead of them; 0: no pause', '1000')
    .option('--assign', 'the consumer assigns itself every partition instead of joining a consumer group')
    .option(...plainOption)
    .addHelpText('after', [
      '',
      'The consumer is the one member of a new consumer group (named as the topic), so it reads every',
      'partition from the beginning; if the killed broker was the group\'s coordinator, it finds the new one.',
      'On a running `josef cluster up`, the demo restarts the killed broker itself (cluster up does not),',
      'with the same command line, and records its pid in DATA-DIR/cluster.json: `josef cluster down` stops it.',
      'Exit code 0 once the verdict is printed, except for acks=all with an acknowledged record lost (1).',
    ].join('\n'))
    .action((options: FailoverOptions) => failover(options));
  registerScaleOutDemo(demo);
}
