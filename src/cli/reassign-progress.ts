/**
 * How far a reassignment has copied, for `josef cluster rebalance` and `topic reassign --verify`:
 * per replica moving in, its log end offset against the leader's, asked of each broker with
 * ListOffsets under Kafka's DEBUGGING_REPLICA_ID (which followers answer too). Progress is counted
 * in records (offsets), not bytes: no Josef API reports a replica's size, and offsets are what a
 * follower's catch-up is measured in anyway. Measuring is apart from drawing; the bar is one line
 * redrawn in place on a terminal, and a plain line per change elsewhere (logs, CI).
 */
import { Connection } from '../client/connection';
import { liveBrokers } from '../coordination/broker-registry';
import type { PartitionVerification } from '../coordination/reassignment-admin';
import type { ReassignmentPlan } from '../coordination/reassignment-plan';
import { readPartitionState } from '../coordination/topic-admin';
import type { ZkClient } from '../coordination/zk-client';
import { ApiKey, DEBUGGING_REPLICA_ID, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/api-keys';
import { ErrorCode } from '../common/errors';

/** One replica being added: how many of the leader's records it has. */
export interface ReplicaProgress {
  topic: string;
  partition: number;
  broker: number;
  copiedRecords: number;
  totalRecords: number;
}

export interface ReassignmentProgress {
  partitionsDone: number;
  partitionsFailed: number;
  partitionsTotal: number;
  copiedRecords: number;
  totalRecords: number;
}

/** Connections to brokers by id, opened on first use, closed together. */
export class BrokerConnections {
  private readonly open = new Map<number, Promise<Connection>>();

  constructor(private readonly zk: ZkClient, private readonly clientId: string, private readonly requestTimeoutMs = 5_000) {}

  async get(brokerId: number): Promise<Connection | undefined> {
    let pending = this.open.get(brokerId);
    if (!pending) {
      const broker = (await liveBrokers(this.zk)).find((b) => b.brokerId === brokerId);
      if (!broker) return undefined;
      pending = Connection.connect(broker.host, broker.port, { clientId: this.clientId, requestTimeoutMs: this.requestTimeoutMs });
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

/** A replica's log start and end offsets as its broker reports them; undefined when it does not host it (yet). */
async function logOffsets(connections: BrokerConnections, broker: number, topic: string, partition: number): Promise<{ start: number; end: number } | undefined> {
  const connection = await connections.get(broker);
  if (!connection) return undefined;
  try {
    const response = await connection.send(ApiKey.ListOffsets, {
      replicaId: DEBUGGING_REPLICA_ID,
      topics: [{ name: topic, partitions: [{ partition, timestamp: EARLIEST_TIMESTAMP }] }],
    });
    const latest = await connection.send(ApiKey.ListOffsets, {
      replicaId: DEBUGGING_REPLICA_ID,
      topics: [{ name: topic, partitions: [{ partition, timestamp: LATEST_TIMESTAMP }] }],
    });
    const start = response.topics[0]?.partitions[0];
    const end = latest.topics[0]?.partitions[0];
    if (!start || !end || start.errorCode !== ErrorCode.NONE.code || end.errorCode !== ErrorCode.NONE.code) return undefined;
    return { start: start.offset, end: end.offset };
  } catch {
    return undefined;
  }
}

/**
 * Per replica moving in (in the plan, not in `original`), its records against the current leader's:
 * copied is its log end minus the leader's log start (never below 0 nor above the total).
 */
export async function measureReplicas(zk: ZkClient, connections: BrokerConnections, statuses: readonly PartitionVerification[], original: ReassignmentPlan): Promise<ReplicaProgress[]> {
  const out: ReplicaProgress[] = [];
  for (const p of statuses) {
    const before = original.partitions.find((o) => o.topic === p.topic && o.partition === p.partition)?.replicas ?? [];
    const incoming = p.replicas.filter((id) => !before.includes(id));
    if (incoming.length === 0) continue;
    const state = await readPartitionState(zk, p.topic, p.partition);
    const leader = state && state.leader >= 0 ? await logOffsets(connections, state.leader, p.topic, p.partition) : undefined;
    for (const broker of incoming) {
      const replica = p.status === 'in progress' ? await logOffsets(connections, broker, p.topic, p.partition) : undefined;
      const total = leader ? Math.max(0, leader.end - leader.start) : 0;
      const copied = p.status === 'done' ? total : replica && leader ? Math.min(total, Math.max(0, replica.end - leader.start)) : 0;
      out.push({ topic: p.topic, partition: p.partition, broker, copiedRecords: copied, totalRecords: total });
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
    copiedRecords: replicas.reduce((sum, r) => sum + r.copiedRecords, 0),
    totalRecords: replicas.reduce((sum, r) => sum + r.totalRecords, 0),
  };
}

const barWidth = 30;

/**
 * `[#########.....................]  30%  3/10 partitions moved, 12,000/40,000 records copied (1 failed)`.
 * The fraction is of partitions finished, so it reaches 100% exactly when the reassignment ends.
 */
export function formatProgressLine(progress: ReassignmentProgress, elapsedMs: number): string {
  const finished = progress.partitionsDone + progress.partitionsFailed;
  const fraction = progress.partitionsTotal === 0 ? 1 : finished / progress.partitionsTotal;
  const filled = Math.round(fraction * barWidth);
  const records = `${progress.copiedRecords.toLocaleString('en-US')}/${progress.totalRecords.toLocaleString('en-US')} records copied`;
  const failed = progress.partitionsFailed > 0 ? ` (${progress.partitionsFailed} failed)` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
    `${progress.partitionsDone}/${progress.partitionsTotal} partitions moved, ${records}${failed}, ${Math.round(elapsedMs / 1000)} s`;
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
