/**
 * `josef demo scale-out`: Kafka's way of growing a cluster, told live on real processes. Three
 * brokers of its own (data in a temporary folder, its own ZooKeeper or chroot) hold a loaded topic
 * while an acks=all producer writes unique values and a consumer group reads them; a fourth broker
 * starts empty, a reassignment plan (generate, then execute with an optional throttle, then verify
 * until done) moves replicas onto it, a preferred leader election hands it leaderships, and the
 * verdict says whether every acknowledged record, loaded or live, was read back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { Admin } from '../../client/admin';
import { AckedWriter, deliveryVerdict, ValueReader } from '../../harness/delivery-check';
import { freePorts } from '../../common/free-ports';
import { createLogger, type Logger } from '../../common/logger';
import { waitFor } from '../../common/wait';
import { externalZkConnect, findFreeBasePort } from '../../local/local-zk';
import { ZkPaths } from '../../coordination/paths';
import { executeReassignment, generateReassignment, readTopicZnodes, verifyReassignment } from '../../admin/reassignment-admin';
import { ZkClient } from '../../coordination/zk-client';
import { withChildChroot } from '../../common/zk-connect-string';
import { serializePreferredReplicaElection } from '../../coordination/znodes';
import { loadTopic, replicaLogBytes } from './demo-scale-out-load';
import {
  brokerLoads, formatPlanLines, formatScaleOutVerdict, moveEvents, narrateScaleOut, replicaKey, ScaleOutView,
  type MovePicture, type PartitionPicture, type ScaleOutPicture,
} from './demo-scale-out-view';
import type { DemoCounts } from './demo-view';
import { plainOption, stopLoadAndReadBack, storyStepTimeoutMs } from './demo-story';
import { ClusterWatch } from './demo-watch';
import { startLocalCluster, type LocalCluster } from '../../local/local-cluster';

interface ScaleOutOptions {
  dataDir?: string;
  zookeeper?: string;
  topic?: string;
  partitions: string;
  replicationFactor: string;
  loadMb: string;
  valueBytes: string;
  throttle: string;
  rate: string;
  recordsAfter: string;
  plain?: boolean;
}

const brokersAtStart = 3;
const newBrokerId = 4;
/** The move itself may be throttled to a crawl: bounded, but generously. */
const moveTimeoutMs = 30 * 60_000;
const pictureRefreshMs = 500;
const verifyIntervalMs = 1_000;
const MiB = 1024 * 1024;
const steps = [
  `starting ${brokersAtStart} brokers`,
  'creating the topic and loading it',
  'a producer (acks=all) writes and a consumer group reads',
  `starting broker ${newBrokerId}: it joins with no partitions`,
  `planning the reassignment onto brokers 1-${newBrokerId} and executing it`,
  `replicas copy to broker ${newBrokerId} (josef verify polls until done)`,
  'preferred leader election: leadership spreads to the new broker',
  'the load stops; the consumer reads to the end',
  'verdict',
] as const;

function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${flag} wants a whole number of at least ${min}, got "${value}"`);
  return n;
}

/** --throttle in MB/s (decimals allowed); 0 for none. */
function parseThrottle(value: string): number | undefined {
  const mbPerSec = Number(value);
  if (!Number.isFinite(mbPerSec) || mbPerSec < 0) throw new Error(`--throttle wants MB/s (0: none), got "${value}"`);
  return mbPerSec === 0 ? undefined : Math.max(1, Math.round(mbPerSec * MiB));
}

/**
 * The ZooKeeper to use: the one named, else a chroot of its own on JOSEF_ZK's, else (undefined)
 * a local one that startLocalCluster starts in the data folder.
 */
function zookeeperFor(options: ScaleOutOptions, startedMs: number): string | undefined {
  if (options.zookeeper !== undefined) return options.zookeeper;
  const external = externalZkConnect();
  return external === undefined ? undefined : withChildChroot(external, `/josef-demo-scale-out-${startedMs.toString(36)}`);
}

/** The demo's cluster, ZooKeeper session and clients, and the picture the view draws. */
class ScaleOut {
  picture: ScaleOutPicture;
  zk: ZkClient | undefined;
  watch: ClusterWatch | undefined;
  writer: AckedWriter | undefined;
  reader: ValueReader | undefined;
  loaded: string[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private refreshChain: Promise<void> = Promise.resolve();
  private topicWatched = false;
  private refreshFailed = false;

  constructor(readonly cluster: LocalCluster, readonly topic: string, partitions: number, replicationFactor: number, private readonly view: ScaleOutView) {
    this.picture = {
      topic, replicationFactor, brokers: [], controllerId: undefined, logBytes: new Map(), move: undefined,
      partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, replicas: [], adding: [], removing: [], leader: undefined, isr: [] })),
      counts: { produced: 0, acknowledged: 0, failed: 0, consumed: 0 },
      step: { index: 1, count: steps.length, text: steps[0] },
    };
  }

  step(index: number): void {
    this.picture.step = { index, count: steps.length, text: steps[index - 1] };
    this.view.say(`step ${index} of ${steps.length}: ${steps[index - 1]}`);
  }

  /** Re-reads the topic znode, the watched state znodes and the replicas' log sizes every pictureRefreshMs. */
  startRefreshing(): void {
    this.refreshTimer = setInterval(() => {
      if (this.refreshing) return;
      this.refreshing = true;
      this.refresh().catch((err: Error) => {
        if (!this.refreshFailed) this.view.say(`reading the cluster's state failed: ${err.message}`);
        this.refreshFailed = true;
      }).finally(() => { this.refreshing = false; });
    }, pictureRefreshMs);
  }

  /** Re-reads the picture; calls run one after another, so that each change is told once. */
  refresh(): Promise<void> {
    const next = this.refreshChain.then(() => this.readPicture());
    this.refreshChain = next.catch(() => undefined);
    return next;
  }

  private async readPicture(): Promise<void> {
    const { zk, watch } = this;
    if (!zk || !watch) return;
    if (!this.topicWatched) {
      // A change of the topic znode (a move starting or ending) is drawn at once, not at the next tick.
      this.topicWatched = true;
      await zk.exists(ZkPaths.topic(this.topic), () => {
        this.topicWatched = false;
        void this.refresh().catch(() => undefined);
      });
    }
    const znode = (await readTopicZnodes(zk, [this.topic])).get(this.topic);
    const partitions = this.picture.partitions.map(({ partition }): PartitionPicture => {
      const state = watch.cluster.partitions.get(partition);
      return {
        partition,
        replicas: znode?.partitions.get(partition) ?? [],
        adding: znode?.addingReplicas.get(partition) ?? [],
        removing: znode?.removingReplicas.get(partition) ?? [],
        leader: state?.leader,
        isr: state?.isr ?? [],
      };
    });
    const logBytes = new Map<string, number>();
    for (const broker of this.cluster.brokers()) {
      const logDir = broker.logDir.split(',')[0];
      for (const { partition } of partitions) {
        const bytes = replicaLogBytes(logDir, this.topic, partition);
        if (bytes > 0) logBytes.set(replicaKey(partition, broker.id), bytes);
      }
    }
    for (const line of moveEvents(this.picture.partitions, partitions)) this.view.say(line);
    this.picture = { ...this.picture, partitions, logBytes, brokers: [...watch.cluster.brokers], controllerId: watch.cluster.controllerId, counts: this.counts() };
  }

  counts(): DemoCounts {
    const w = this.writer;
    return {
      produced: this.loaded.length + (w?.sent ?? 0),
      acknowledged: this.loaded.length + (w?.acknowledged.length ?? 0),
      failed: w?.failures.length ?? 0,
      consumed: this.reader?.values.length ?? 0,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.watch?.close();
    await this.writer?.stop().catch(() => undefined);
    await this.reader?.finish(1_000).catch(() => undefined);
    await this.zk?.close();
    await this.cluster.stop();
  }
}

async function createTopic(demo: ScaleOut, partitions: number, replicationFactor: number, logger: Logger): Promise<void> {
  const admin = new Admin({ bootstrapServers: demo.cluster.bootstrapServers, logger });
  try {
    await admin.createTopics([{
      name: demo.topic, numPartitions: partitions, replicationFactor, configs: { 'min.insync.replicas': String(Math.max(1, replicationFactor - 1)) },
    }]);
  } finally {
    await admin.close();
  }
}

/** Executes a plan that balances the topic over every broker, and polls verify until no partition is in progress. */
async function reassign(demo: ScaleOut, zk: ZkClient, throttleBytesPerSec: number | undefined, view: ScaleOutView): Promise<void> {
  const brokerIds = Array.from({ length: newBrokerId }, (_, i) => i + 1);
  const { current, proposed } = await generateReassignment(zk, [demo.topic], brokerIds);
  const executed = await executeReassignment(zk, proposed, { throttleBytesPerSec });
  const targets = new Map(executed.moving.map((p) => [p.partition, p.replicas]));
  const was = new Map(current.partitions.map((p) => [p.partition, p.replicas]));
  const move: MovePicture = {
    targets,
    newReplicas: executed.moving.flatMap((p) => p.replicas.filter((id) => !(was.get(p.partition) ?? []).includes(id)).map((id) => [p.partition, id] as const)),
    throttleBytesPerSec,
    startedMs: Date.now(),
    finishedMs: undefined,
  };
  demo.picture = { ...demo.picture, move };
  view.say(`plan (generated as kafka-reassign-partitions --generate would, keeping the replicas that may stay): ${targets.size} of ${demo.picture.partitions.length} partitions change`);
  for (const line of formatPlanLines(was, targets)) view.say(line);
  view.say(`executed: ${ZkPaths.reassignPartitions} written${throttleBytesPerSec === undefined ? ' (no throttle)'
    : `, after the throttle: ${(throttleBytesPerSec / MiB).toFixed(1)} MB/s per broker as leader.replication.throttled.rate and follower.replication.throttled.rate, with the moving replicas listed in the topic's throttled-replica configs`}`);
  demo.step(6);
  const result = await waitFor(async () => {
    const verified = await verifyReassignment(zk, proposed);
    return verified.partitions.some((p) => p.status === 'in progress') ? undefined : verified;
  }, { timeoutMs: moveTimeoutMs, intervalMs: verifyIntervalMs, message: `the reassignment of ${demo.topic} to finish (verify: none in progress)` });
  demo.picture = { ...demo.picture, move: { ...move, finishedMs: Date.now() } };
  const failed = result.partitions.filter((p) => p.status === 'failed');
  if (failed.length > 0) {
    throw new Error(`verify: the reassignment failed for partition ${failed.map((p) => `${p.partition} (assigned [${p.assigned?.join(',') ?? ''}], planned [${p.replicas.join(',')}])`).join(', ')}`);
  }
  await demo.refresh();
  view.say(`verify: all ${result.partitions.length} partitions of the plan are done in ${((Date.now() - move.startedMs) / 1000).toFixed(1)} s; throttles removed`);
}

/** As kafka-preferred-replica-election.sh: asks the controller to hand each partition to its first replica, and waits until it did. */
async function electPreferredLeaders(demo: ScaleOut, zk: ZkClient, view: ScaleOutView): Promise<void> {
  const partitions = demo.picture.partitions.map((p) => ({ topic: demo.topic, partition: p.partition }));
  await zk.create(ZkPaths.preferredReplicaElection, serializePreferredReplicaElection(partitions), 'persistent', { createParents: true });
  view.say(`${ZkPaths.preferredReplicaElection} written for the ${partitions.length} partitions (Kafka's controller would also do it by itself, auto.leader.rebalance.enable, every leader.imbalance.check.interval.seconds)`);
  await waitFor(async () => (await zk.exists(ZkPaths.preferredReplicaElection)) === null, {
    timeoutMs: storyStepTimeoutMs, message: `the controller to run the election and delete ${ZkPaths.preferredReplicaElection}`,
  });
  await waitFor(async () => {
    await demo.refresh();
    return demo.picture.partitions.every((p) => p.leader === p.replicas[0]);
  }, { timeoutMs: storyStepTimeoutMs, message: 'every partition to be led by its preferred (first) replica' });
  view.say(`leaders by broker now: ${brokerLoads(demo.picture).map((b) => `broker ${b.brokerId} leads ${b.leaders}`).join(', ')}`);
}

async function scaleOut(options: ScaleOutOptions): Promise<void> {
  const startedMs = Date.now();
  const partitions = wholeNumber('--partitions', options.partitions, 1);
  const replicationFactor = wholeNumber('--replication-factor', options.replicationFactor, 1);
  if (replicationFactor > brokersAtStart) throw new Error(`--replication-factor is at most ${brokersAtStart}, the brokers the topic starts on`);
  const loadBytes = wholeNumber('--load-mb', options.loadMb, 0) * MiB;
  const valueBytes = wholeNumber('--value-bytes', options.valueBytes, 64);
  const throttleBytesPerSec = parseThrottle(options.throttle);
  const rate = wholeNumber('--rate', options.rate, 1);
  const recordsAfter = wholeNumber('--records-after', options.recordsAfter, 1);
  const dataDir = options.dataDir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'josef-demo-scale-out-')) : path.resolve(options.dataDir);
  const logFile = path.join(dataDir, 'logs', 'demo-scale-out.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  // Client and cluster logs go to a file, so they do not break the view.
  const logger = createLogger('demo', (line) => fs.appendFileSync(logFile, line));
  const view = new ScaleOutView(process.stdout, !options.plain && process.stdout.isTTY === true, startedMs);
  const topic = options.topic ?? `scale-out-demo-${startedMs.toString(36)}`;

  view.say(`step 1 of ${steps.length}: ${steps[0]} (broker ${newBrokerId} is configured but not started); data and logs in ${dataDir}`);
  const zookeeperConnect = zookeeperFor(options, startedMs);
  const cluster = await startLocalCluster({
    brokers: newBrokerId, startedBrokers: brokersAtStart, dataDir, zookeeperConnect, logger,
    zkBasePort: zookeeperConnect === undefined ? await findFreeBasePort(2181, 1) : undefined,
    ports: await freePorts(newBrokerId),
  });
  const demo = new ScaleOut(cluster, topic, partitions, replicationFactor, view);
  let succeeded = false;
  process.once('SIGINT', () => {
    view.finish(demo.picture, 'interrupted: stopping');
    void demo.close().finally(() => process.exit(130));
  });
  try {
    view.say(`brokers 1-${brokersAtStart} on ${cluster.bootstrapServers}, ZooKeeper ${cluster.zookeeperConnect}; client log: ${logFile}`);
    demo.step(2);
    await createTopic(demo, partitions, replicationFactor, logger);
    const zk = await ZkClient.connect({ connectString: cluster.zookeeperConnect, logger });
    demo.zk = zk;
    const watch = new ClusterWatch(zk, topic, partitions, (err) => view.say(`reading ZooKeeper failed: ${err.message}`));
    demo.watch = watch;
    await watch.start();
    watch.onEvent((event) => {
      const line = narrateScaleOut(event);
      if (line !== undefined) view.say(line);
    });
    await waitFor(async () => {
      await demo.refresh();
      return demo.picture.partitions.every((p) => p.replicas.length === replicationFactor && p.isr.length === replicationFactor);
    }, { timeoutMs: storyStepTimeoutMs, message: `every partition of ${topic} to have its ${replicationFactor} replicas in the ISR` });
    view.say(`topic ${topic}: ${partitions} partitions, replication factor ${replicationFactor}, min.insync.replicas ${Math.max(1, replicationFactor - 1)}; loading ${loadBytes / MiB} MB of ${valueBytes}-byte values (acks=all)`);
    demo.loaded = await loadTopic({ bootstrapServers: cluster.bootstrapServers, topic, partitions, bytes: loadBytes, valueBytes, logger });
    await demo.refresh();
    view.say(`loaded ${demo.loaded.length} records; ${brokerLoads(demo.picture).map((b) => `broker ${b.brokerId}: ${b.replicas} replicas, ${b.leaders} leaders, ${(b.logBytes / MiB).toFixed(1)} MB`).join('; ')}`);

    demo.step(3);
    const writer = new AckedWriter({
      bootstrapServers: cluster.bootstrapServers, topic, logger, ratePerSec: rate, inFlightMax: 10_000,
      producer: { acks: 'all', requestTimeoutMs: 30_000, retryBackoffMs: 100, deliveryTimeoutMs: 120_000, metadataMaxAgeMs: 5_000 },
    });
    demo.writer = writer;
    const reader = new ValueReader(cluster.bootstrapServers, topic, logger, topic);
    demo.reader = reader;
    view.attach(() => demo.picture);
    demo.startRefreshing();
    writer.start();
    await reader.start();
    view.say(`producer: acks=all, ${rate} records/s, values ${topic}-0, -1, ...; consumer: the one member of group ${topic}, from the beginning`);
    await writer.acknowledgedMore(Math.min(rate, recordsAfter), storyStepTimeoutMs);

    demo.step(4);
    await cluster.startBroker(newBrokerId);
    await cluster.awaitReady();
    view.say(`broker ${newBrokerId} started (pid ${cluster.broker(newBrokerId).pid}) and every broker's metadata lists it; it holds no replica yet`);

    demo.step(5);
    await reassign(demo, zk, throttleBytesPerSec, view);

    demo.step(7);
    await electPreferredLeaders(demo, zk, view);

    demo.step(8);
    const consumed = await stopLoadAndReadBack(writer, reader, recordsAfter, (text) => view.say(text));
    await demo.refresh();

    demo.step(9);
    const verdict = deliveryVerdict([...demo.loaded, ...writer.acknowledged], consumed);
    view.finish(demo.picture, formatScaleOutVerdict(verdict, {
      newBrokerId, loadedRecords: demo.loaded.length, failures: writer.failures, newBroker: brokerLoads(demo.picture).find((b) => b.brokerId === newBrokerId),
    }));
    if (verdict.lost.length > 0) process.exitCode = 1;
    succeeded = verdict.lost.length === 0;
  } catch (err) {
    view.finish(demo.picture, `the demo stopped early; data and logs kept in ${dataDir}`);
    throw err;
  } finally {
    await demo.close();
    if (succeeded && options.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function registerScaleOutDemo(demo: Command): void {
  demo.command('scale-out')
    .description('add a fourth broker to a loaded 3-broker cluster and move replicas onto it (reassignment with a throttle) under acks=all load; '
      + 'shows the move live and ends with acknowledged vs read back (lost records)')
    .option('--data-dir <dir>', 'where the brokers keep their data and logs (default: a new temporary folder, removed after a successful run)')
    .option('--zookeeper <connect>', 'this ensemble (HOST:PORT[/chroot]) instead of a chroot of its own on JOSEF_ZK or a local ZooKeeper in the data folder')
    .option('--topic <name>', 'topic to create (default scale-out-demo-<time>)')
    .option('--partitions <n>', 'partitions of the topic', '6')
    .option('--replication-factor <n>', `replicas per partition (at most ${brokersAtStart}); min.insync.replicas is one less`, '3')
    .option('--load-mb <MB>', 'megabytes written to the topic before the load starts: what the new replicas copy', '32')
    .option('--value-bytes <n>', 'size of each loaded value', '1024')
    .option('--throttle <MB/s>', 'replication throttle of the moving replicas, per broker (Kafka\'s --throttle); 0: none', '4')
    .option('--rate <records/s>', 'records the producer sends per second during the story', '500')
    .option('--records-after <n>', 'records acknowledged after the leaders moved, before the load stops', '1000')
    .option(...plainOption)
    .addHelpText('after', [
      '',
      'The cluster is the demo\'s own: brokers 1-3 on free ports, then broker 4; ZooKeeper is --zookeeper, a chroot of its own',
      'on JOSEF_ZK, or a local one started in the data folder. Everything is stopped at the end.',
      'Exit code 0 once the verdict is printed with nothing acknowledged lost, 1 otherwise.',
    ].join('\n'))
    .action((options: ScaleOutOptions) => scaleOut(options));
}
