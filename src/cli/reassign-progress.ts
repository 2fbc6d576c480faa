/**
 * How far a reassignment has copied, for `josef cluster rebalance` and `topic reassign --verify`:
 * per replica moving in, the bytes of its log against the leader's, asked of each broker with
 * DescribeLogDirs (as Kafka's tools measure a move). Measuring is apart from drawing; the bar is
 * one line redrawn in place on a terminal, and a plain line per change elsewhere (logs, CI).
 */
import { Connection } from '../client/connection';
import { liveBrokers } from '../coordination/broker-registry';
import type { PartitionVerification } from '../admin/reassignment-admin';
import type { ReassignmentPlan } from '../admin/reassignment-plan';
import { readPartitionState } from '../admin/topic-admin';
import { registeredPlaintextEndpoint } from '../coordination/znodes';
import type { ZkClient } from '../coordination/zk-client';
import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../common/errors';

/** One replica being added: how many of the leader's log bytes it has. */
export interface ReplicaProgress {
  topic: string;
  partition: number;
  broker: number;
  copiedBytes: number;
  totalBytes: number;
}

export interface ReassignmentProgress {
  partitionsDone: number;
  partitionsFailed: number;
  partitionsTotal: number;
  copiedBytes: number;
  totalBytes: number;
}

/** Connections to brokers by id, opened on first use, closed together. */
export class BrokerConnections {
  private readonly open = new Map<number, Promise<Connection>>();

  constructor(private readonly zk: ZkClient, private readonly clientId: string, private readonly requestTimeoutMs = 5_000) {}

  async get(brokerId: number): Promise<Connection | undefined> {
    let pending = this.open.get(brokerId);
    if (!pending) {
      const broker = (await liveBrokers(this.zk)).find((b) => b.brokerId === brokerId);
      // As Kafka's tools that read ZooKeeper: the host and port the znode names, its first PLAINTEXT endpoint.
      const endpoint = broker && registeredPlaintextEndpoint(broker);
      if (!endpoint) return undefined;
      pending = Connection.connect(endpoint.host, endpoint.port, { clientId: this.clientId, requestTimeoutMs: this.requestTimeoutMs });
      this.open.set(brokerId, pending);
    }
    try {
      const connection = await pending;
      if (!connection.closed) return connection;
    } catch {
      // Not reachable now; the next call tries again.
    }
    this.open.delete(brokerId);
    return undefined;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close(), () => undefined)));
  }
}

/** The bytes of a partition's log on a broker (over its log dirs), as DescribeLogDirs reports them; undefined when it does not host it (yet). */
async function logBytes(connections: BrokerConnections, broker: number, topic: string, partition: number): Promise<number | undefined> {
  const connection = await connections.get(broker);
  if (!connection) return undefined;
  try {
    const response = await connection.send(ApiKey.DescribeLogDirs, { topics: [{ topic, partitions: [partition] }] });
    const sizes = response.results
      .filter((dir) => dir.errorCode === ErrorCode.NONE.code)
      .flatMap((dir) => dir.topics.filter((t) => t.name === topic).flatMap((t) => t.partitions.filter((p) => p.partition === partition).map((p) => p.size)));
    return sizes.length === 0 ? undefined : sizes.reduce((sum, size) => sum + size, 0);
  } catch {
    return undefined;
  }
}

/**
 * Per replica moving in (in the plan, not in `original`), the bytes of its log against the current
 * leader's (never above the leader's: the leader's retention may have deleted what it copied).
 */
export async function measureReplicas(zk: ZkClient, connections: BrokerConnections, statuses: readonly PartitionVerification[], original: ReassignmentPlan): Promise<ReplicaProgress[]> {
  const out: ReplicaProgress[] = [];
  for (const p of statuses) {
    const before = original.partitions.find((o) => o.topic === p.topic && o.partition === p.partition)?.replicas ?? [];
    const incoming = p.replicas.filter((id) => !before.includes(id));
    if (incoming.length === 0) continue;
    const state = await readPartitionState(zk, p.topic, p.partition);
    const total = (state && state.leader >= 0 ? await logBytes(connections, state.leader, p.topic, p.partition) : undefined) ?? 0;
    for (const broker of incoming) {
      const replica = p.status === 'in progress' ? await logBytes(connections, broker, p.topic, p.partition) : undefined;
      const copied = p.status === 'done' ? total : Math.min(total, replica ?? 0);
      out.push({ topic: p.topic, partition: p.partition, broker, copiedBytes: copied, totalBytes: total });
    }
  }
  return out;
}

/** Sums for the bar. Pure. */
export function summarizeProgress(statuses: readonly PartitionVerification[], replicas: readonly ReplicaProgress[]): ReassignmentProgress {
  return {
    partitionsDone: statuses.filter((s) => s.status === 'done').length,
    partitionsFailed: statuses.filter((s) => s.status === 'failed').length,
    partitionsTotal: statuses.length,
    copiedBytes: replicas.reduce((sum, r) => sum + r.copiedBytes, 0),
    totalBytes: replicas.reduce((sum, r) => sum + r.totalBytes, 0),
  };
}

const barWidth = 30;
const MiB = 1024 * 1024;

/**
 * `[#########.....................]  30%  3/10 partitions moved, 12.0/40.0 MB copied (1 failed)`.
 * The fraction is of partitions finished, so it reaches 100% exactly when the reassignment ends.
 */
export function formatProgressLine(progress: ReassignmentProgress, elapsedMs: number): string {
  const finished = progress.partitionsDone + progress.partitionsFailed;
  const fraction = progress.partitionsTotal === 0 ? 1 : finished / progress.partitionsTotal;
  const filled = Math.round(fraction * barWidth);
  const mb = (bytes: number): string => (bytes / MiB).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const copied = `${mb(progress.copiedBytes)}/${mb(progress.totalBytes)} MB copied`;
  const failed = progress.partitionsFailed > 0 ? ` (${progress.partitionsFailed} failed)` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
    `${progress.partitionsDone}/${progress.partitionsTotal} partitions moved, ${copied}${failed}, ${Math.round(elapsedMs / 1000)} s`;
}

/** Draws progress lines: in place on a terminal, otherwise one line each time the text (but the seconds) changes. */
export class ProgressRenderer {
  private last = '';
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean }) {}

  update(line: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
      return;
    }
    const withoutTime = line.replace(/, \d+ s$/, '');
    if (withoutTime === this.last) return;
    this.last = withoutTime;
    this.out.write(`${line}\n`);
  }

  /** Ends the redrawn line so that what follows starts on its own. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
