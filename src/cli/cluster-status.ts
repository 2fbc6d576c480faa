/**
 * `josef cluster status`: what ZooKeeper says about a cluster (live brokers, controller and
 * epoch, each partition's leader and ISR against its replica list), whether each registered broker
 * answers, next to what the state file of `cluster up` says about its processes. Reading is apart
 * from the pure summary and formatting.
 */
import { Connection } from '../client/connection';
import { formatAddresses, type ListenerAddress, type ListenerEndpoint } from '../common/endpoint';
import { liveBrokers } from '../coordination/broker-registry';
import { readControllerId } from '../coordination/controller/controller-znode';
import { ZkPaths } from '../coordination/paths';
import { listTopics, readPartitionState, readTopicAssignment } from '../admin/topic-admin';
import type { ZkClient } from '../coordination/zk-client';
import { parseZkConnectString } from '../common/zk-connect-string';
import { srvrMode } from '../local/zk-four-letter';
import { getDataIfExists } from '../coordination/zk-reads';
import { parseControllerEpoch } from '../coordination/znodes';
import { ApiKey } from '../protocol/api-keys';
import { brokerCommandWords, processLiveness, type ClusterState, type ProcessLiveness } from '../local/cluster-state';
import { formatTable } from './format';

export interface PartitionStatus {
  topic: string;
  partition: number;
  replicas: number[];
  /** -1 when the state znode says none, or it is missing (the controller has not elected one yet). */
  leader: number;
  isr: number[];
}

export interface ZkServerMode {
  server: string;
  /** srvr's Mode, undefined when the server does not answer. */
  mode: string | undefined;
}

/**
 * Whether a registered broker answered ApiVersions on its first PLAINTEXT listener within
 * brokerAnswerTimeoutMs: 'no answer' says why (a frozen broker's kernel still accepts the
 * connection, so only an answer counts); 'not asked' when it has no PLAINTEXT listener.
 */
export type BrokerAnswer = { state: 'answers' } | { state: 'no answer'; error: string } | { state: 'not asked' };

export interface ClusterSnapshot {
  zookeeper: ZkServerMode[];
  /** Registered in /brokers/ids: the brokers ZooKeeper counts as alive, and whether each answers. */
  liveBrokers: Array<{ id: number; endpoints: ListenerAddress[]; answer: BrokerAnswer }>;
  controllerId: number;
  controllerEpoch: number | undefined;
  partitions: PartitionStatus[];
}

/** Every partition's state, bounded so that a cluster with very many topics is summed up, not listed. */
export const partitionsReadMax = 10_000;

export async function zkServerModes(connect: string): Promise<ZkServerMode[]> {
  const { servers } = parseZkConnectString(connect);
  return Promise.all(servers.map(async (s) => ({ server: `${s.host}:${s.port}`, mode: await srvrMode(s.host.replace(/^\[|\]$/g, ''), s.port) })));
}

/** How long a registered broker has to accept a connection, and then to answer ApiVersions on it. */
export const brokerAnswerTimeoutMs = 2_000;

/**
 * Asks a registered broker for ApiVersions, as Kafka's tools first do. A broker that is registered
 * but cannot serve (stopped, out of file descriptors, its event loop stuck) fails this while
 * ZooKeeper still counts it alive.
 */
export async function probeBroker(endpoints: readonly ListenerEndpoint[]): Promise<BrokerAnswer> {
  const plaintext = endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
  if (!plaintext) return { state: 'not asked' };
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(plaintext.host, plaintext.port, {
      clientId: 'josef-cluster-status', connectTimeoutMs: brokerAnswerTimeoutMs, requestTimeoutMs: brokerAnswerTimeoutMs,
    });
    await connection.send(ApiKey.ApiVersions, {});
    return { state: 'answers' };
  } catch (err) {
    return { state: 'no answer', error: err instanceof Error ? err.message : String(err) };
  } finally {
    await connection?.close();
  }
}

export async function readClusterSnapshot(zk: ZkClient, connect: string): Promise<ClusterSnapshot> {
  const [zookeeper, brokers, controllerId, epochNode] = await Promise.all([
    zkServerModes(connect),
    liveBrokers(zk).catch(() => []),
    readControllerId(zk),
    getDataIfExists(zk, ZkPaths.controllerEpoch),
  ]);
  // Asked while the partition states are read: a broker that does not answer costs its deadline once.
  const answers = Promise.all(brokers.map((b) => probeBroker(b.endpoints)));
  const partitions: PartitionStatus[] = [];
  const topics = (await zk.exists(ZkPaths.brokerTopics)) ? await listTopics(zk) : [];
  for (const topic of topics) {
    const assignment = await readTopicAssignment(zk, topic);
    if (!assignment) continue;
    for (const [partition, replicas] of [...assignment].sort((a, b) => a[0] - b[0])) {
      if (partitions.length >= partitionsReadMax) break;
      const state = await readPartitionState(zk, topic, partition);
      partitions.push({ topic, partition, replicas, leader: state?.leader ?? -1, isr: state?.isr ?? [] });
    }
  }
  const answered = await answers;
  return {
    zookeeper,
    liveBrokers: brokers.map((b, i) => ({ id: b.brokerId, endpoints: b.endpoints, answer: answered[i] })),
    controllerId,
    controllerEpoch: epochNode ? parseControllerEpoch(ZkPaths.controllerEpoch, epochNode.data) : undefined,
    partitions,
  };
}

/** Kafka's under-replicated: fewer ISR members than replicas. */
export function isUnderReplicated(p: { replicas: number[]; isr: number[] }): boolean {
  return p.isr.length < p.replicas.length;
}

/** Kafka's offline (unavailable): no leader, or a leader that is not a live broker. */
export function isOffline(p: { leader: number }, liveIds: ReadonlySet<number> | undefined = undefined): boolean {
  return p.leader < 0 || (liveIds !== undefined && !liveIds.has(p.leader));
}

/** A broker of the cluster as seen from both sides: its process (state file) and its registration (ZooKeeper). */
export interface BrokerRow {
  id: number;
  address: string;
  pid: number | undefined;
  process: ProcessLiveness | 'unknown';
  registered: boolean;
  /** Undefined when not registered (not asked). */
  answer: BrokerAnswer | undefined;
}

export function brokerRows(snapshot: ClusterSnapshot, state: ClusterState | undefined, liveness = processLiveness): BrokerRow[] {
  const rows = new Map<number, BrokerRow>();
  for (const b of state?.brokers ?? []) {
    rows.set(b.id, { id: b.id, address: `${b.host}:${b.port}`, pid: b.pid, process: liveness(b.pid, brokerCommandWords(b.id)), registered: false, answer: undefined });
  }
  // A registered broker's address is what it advertises, every listener of it.
  for (const b of snapshot.liveBrokers) {
    const address = formatAddresses(b.endpoints);
    const row = rows.get(b.id);
    if (row) Object.assign(row, { registered: true, address, answer: b.answer });
    else rows.set(b.id, { id: b.id, address, pid: undefined, process: 'unknown', registered: true, answer: b.answer });
  }
  return [...rows.values()].sort((a, b) => a.id - b.id);
}

function answerCell(answer: BrokerAnswer | undefined): string {
  if (answer === undefined) return '-';
  if (answer.state === 'answers') return 'yes';
  if (answer.state === 'not asked') return 'not asked (no PLAINTEXT listener)';
  return `NO: ${answer.error}`;
}

function partitionLine(p: PartitionStatus): string {
  return `  ${p.topic}-${p.partition}  leader ${p.leader < 0 ? 'none' : p.leader}  replicas ${p.replicas.join(',')}  isr ${p.isr.join(',') || '(empty)'}`;
}

/** Partitions listed under a heading, at most this many, then a count of the rest. */
const partitionsListedMax = 20;

function partitionSection(title: string, partitions: PartitionStatus[]): string[] {
  if (partitions.length === 0) return [`${title}: none`];
  const shown = partitions.slice(0, partitionsListedMax).map(partitionLine);
  const rest = partitions.length - shown.length;
  return [`${title}: ${partitions.length}`, ...shown, ...(rest > 0 ? [`  ... and ${rest} more (josef topic describe --under-replicated / --unavailable-partitions)`] : [])];
}

export function formatZooKeeperLine(connect: string, modes: ZkServerMode[]): string {
  const kind = modes.length === 1 ? 'standalone' : `${modes.length}-node ensemble`;
  const serving = modes.filter((m) => m.mode !== undefined).length;
  const nodes = modes.map((m) => `${m.server} ${m.mode ?? 'not serving'}`).join(', ');
  return `ZooKeeper: ${connect} (${kind}, ${serving} of ${modes.length} serving: ${nodes})`;
}

export function formatClusterStatus(snapshot: ClusterSnapshot, state: ClusterState | undefined, connect: string, liveness = processLiveness): string {
  const rows = brokerRows(snapshot, state, liveness);
  const liveIds = new Set(snapshot.liveBrokers.map((b) => b.id));
  const underReplicated = snapshot.partitions.filter(isUnderReplicated);
  const offline = snapshot.partitions.filter((p) => isOffline(p, liveIds));
  const topics = new Set(snapshot.partitions.map((p) => p.topic)).size;
  const controller = snapshot.controllerId < 0
    ? 'Controller: none (an election is under way, or no broker is alive)'
    : `Controller: broker ${snapshot.controllerId} (controller epoch ${snapshot.controllerEpoch ?? 'unknown'})`;
  const table = formatTable(
    [{ title: 'broker', align: 'right' }, { title: 'address' }, { title: 'pid', align: 'right' }, { title: 'process' }, { title: 'in /brokers/ids' }, { title: 'answers' }],
    rows.map((r) => [r.id, r.address, r.pid ?? '-', r.process === 'unknown' ? '(not ours)' : r.process, r.registered ? 'yes' : 'no', answerCell(r.answer)]),
  );
  const silent = snapshot.liveBrokers.filter((b) => b.answer.state === 'no answer').map((b) => b.id);
  return [
    formatZooKeeperLine(connect, snapshot.zookeeper),
    // Out of every broker known: those `cluster up` started and any registered besides (a broker added by hand).
    `Brokers alive (registered in /brokers/ids): ${snapshot.liveBrokers.length}${state ? ` of ${rows.length}` : ''}`,
    `Registered but not answering (ApiVersions within ${brokerAnswerTimeoutMs} ms): ${silent.length === 0 ? 'none' : `broker(s) ${silent.join(', ')}`}`,
    controller,
    '',
    table.trimEnd(),
    '',
    `Topics: ${topics}, partitions: ${snapshot.partitions.length}${snapshot.partitions.length >= partitionsReadMax ? ' (stopped reading there)' : ''}`,
    ...partitionSection('Under-replicated partitions (ISR smaller than replicas)', underReplicated),
    ...partitionSection('Offline partitions (no live leader)', offline),
    '',
  ].join('\n');
}

/** What `cluster status` knows of the cluster of its data dir, apart from ZooKeeper. */
export interface DataDirCluster {
  dataDir: string;
  state: ClusterState | undefined;
  /** Whether the `josef cluster up` of `state` still runs. */
  upAlive: boolean;
  /** The live holder of the data dir's lock (cluster-lock.ts), and whether it is a `josef cluster up`. */
  holder: { command: string; pid: number; isClusterUp: boolean } | undefined;
}

export const STATUS_EXIT_CODES = {
  /** The cluster of the data dir runs and every broker it started is registered in /brokers/ids. */
  up: 0,
  /** No cluster runs from the data dir: none started, one still starting, or its `cluster up` gone. */
  notRunning: 1,
  /** It runs but is not whole: a broker not registered (dead, frozen past its session, restarting), or ZooKeeper unreadable. */
  notWhole: 2,
  /** Every broker it started is registered, but one or more does not answer (frozen, out of descriptors, stuck): a zombie. */
  notAnswering: 3,
} as const;

export interface StatusVerdict {
  exitCode: (typeof STATUS_EXIT_CODES)[keyof typeof STATUS_EXIT_CODES];
  /** The last line of the output: the verdict in words, with its exit code. */
  line: string;
}

/**
 * `cluster status`'s verdict on the cluster of its data dir, for scripts as for people. `rows`
 * (brokerRows) is undefined when ZooKeeper could not be read.
 */
export function statusVerdict(cluster: DataDirCluster, rows: BrokerRow[] | undefined): StatusVerdict {
  const verdict = (exitCode: StatusVerdict['exitCode'], text: string): StatusVerdict => ({ exitCode, line: `${text} (exit code ${exitCode})` });
  const { dataDir, state, upAlive, holder } = cluster;
  if (state === undefined || !upAlive) {
    if (holder?.isClusterUp) return verdict(STATUS_EXIT_CODES.notRunning, `A cluster is starting in ${dataDir}: \`${holder.command}\` (pid ${holder.pid}); not up yet`);
    if (holder) return verdict(STATUS_EXIT_CODES.notRunning, `\`${holder.command}\` (pid ${holder.pid}) runs a cluster of its own in ${dataDir}, not one of josef cluster up`);
    if (state) return verdict(STATUS_EXIT_CODES.notRunning, `No cluster runs from ${dataDir}: its josef cluster up (pid ${state.pid}) is gone`);
    return verdict(STATUS_EXIT_CODES.notRunning, `No cluster runs from ${dataDir}`);
  }
  if (rows === undefined) return verdict(STATUS_EXIT_CODES.notWhole, `The cluster of ${dataDir} runs, but ZooKeeper ${state.zookeeper.connect} cannot be read`);
  const ours = rows.filter((r) => r.process !== 'unknown');
  const missing = ours.filter((r) => !r.registered);
  if (missing.length > 0) {
    return verdict(STATUS_EXIT_CODES.notWhole, `The cluster of ${dataDir} is not whole: broker(s) ${missing.map((r) => r.id).join(', ')} of ${ours.length} not registered in /brokers/ids`);
  }
  const silent = ours.filter((r) => r.answer?.state === 'no answer');
  if (silent.length > 0) {
    return verdict(STATUS_EXIT_CODES.notAnswering, `The cluster of ${dataDir} is not serving: broker(s) ${silent.map((r) => r.id).join(', ')} of ${ours.length} registered in /brokers/ids but not answering`);
  }
  return verdict(STATUS_EXIT_CODES.up, `The cluster of ${dataDir} is up: all ${ours.length} broker(s) registered in /brokers/ids`);
}
