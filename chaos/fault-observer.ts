/**
 * What the run sees of one fault, from when it strikes until the cluster has healed: who led each
 * partition of the chaos topic when it struck, when ZooKeeper named another leader, until when
 * the old leader still answered as leader (a probe asks it every 100 ms from the clients' side,
 * as a client would), every acknowledgement with its partition and time, and how long after the
 * heal every partition of every topic had a leader and all its replicas in the ISR again.
 */
import type { LocalCluster } from '../src/local/local-cluster';
import { Connection } from '../src/client/connection';
import { ErrorCode } from '../src/common/errors';
import type { Logger } from '../src/common/logger';
import { waitFor } from '../src/common/wait';
import { readControllerId } from '../src/coordination/controller/controller-znode';
import { listTopics, readPartitionState, readTopicAssignment } from '../src/admin/topic-admin';
import type { ZkClient } from '../src/coordination/zk-client';
import { ApiKey } from '../src/protocol/api-keys';
import type { ClusterRoles } from './nemesis';

/** How often ZooKeeper's leaders are read and old leaders probed while a fault lasts. */
const watchIntervalMs = 100;
const probeTimeoutMs = 1_000;
/** ListOffsets' LATEST_TIMESTAMP, asked as a consumer (replica id -1): answered by the leader only. */
const latestTimestamp = -1;
const consumerReplicaId = -1;

export interface LeaderChange {
  partition: number;
  oldLeader: number;
  newLeader: number;
  /** When the run saw ZooKeeper name the new leader (ms since the run's start, to within watchIntervalMs). */
  electedAtMs: number;
  /** The last time the old leader answered the probe as leader (ms since the run's start), -1 if never after the fault struck. */
  lastAnsweredAsLeaderAtMs: number;
}

/** One acknowledgement: which partition, when (ms since the run's start), and the value. */
export interface TimedAck {
  partition: number;
  atMs: number;
  value: string;
}

export interface Observation {
  leadersAtStart: readonly number[];
  leaderChanges: LeaderChange[];
  acks: TimedAck[];
}

/** Who leads what, and who the controller is, as ZooKeeper says now. */
export async function readRoles(zk: ZkClient, topic: string, partitions: number, brokers: readonly number[], zookeepers: readonly number[]): Promise<ClusterRoles> {
  const leaders: number[] = [];
  for (let p = 0; p < partitions; p++) leaders.push((await readPartitionState(zk, topic, p))?.leader ?? -1);
  return { brokers, zookeepers, controller: await readControllerId(zk), leaders };
}

/** Whether every partition of every topic has a leader and all its replicas in its ISR. */
export async function clusterHealed(zk: ZkClient): Promise<boolean> {
  for (const topic of await listTopics(zk)) {
    const assignment = await readTopicAssignment(zk, topic);
    if (!assignment) continue;
    for (const [partition, replicas] of assignment) {
      const state = await readPartitionState(zk, topic, partition);
      if (!state || state.leader < 0 || !replicas.every((r) => state.isr.includes(r))) return false;
    }
  }
  return true;
}

export class FaultObserver {
  readonly acks: TimedAck[] = [];
  private readonly changes = new Map<number, LeaderChange>();
  private readonly lastAnswered: number[];
  /** Per partition: the old leader answered as not leading after the new leader was elected; its tenure is over. */
  private readonly tenureOver: boolean[];
  private readonly probes = new Map<number, Promise<Connection | undefined>>();
  private watching = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly zk: ZkClient,
    private readonly cluster: LocalCluster,
    private readonly topic: string,
    readonly leadersAtStart: readonly number[],
    private readonly runStartedMs: number,
    private readonly logger: Logger,
  ) {
    this.lastAnswered = leadersAtStart.map(() => -1);
    this.tenureOver = leadersAtStart.map(() => false);
  }

  /**
   * Starts watching, in two loops so that a probe waiting on a stopped broker does not delay the
   * other: ZooKeeper's leaders, and the leaders the fault found, asked whether they still lead.
   */
  start(): void {
    this.watching = true;
    this.loops = [this.repeat(() => this.readLeaders()), this.repeat(() => this.probeOldLeaders())];
  }

  onAcknowledged(partition: number, value: string): void {
    if (this.watching) this.acks.push({ partition, atMs: this.nowMs(), value });
  }

  /** After the fault is healed: waits until every partition has a leader and a full ISR; the time it took, or undefined past `timeoutMs`. */
  async awaitHealed(timeoutMs: number): Promise<number | undefined> {
    const healStartMs = Date.now();
    try {
      await waitFor(() => clusterHealed(this.zk), { timeoutMs, intervalMs: 200, message: 'every partition to have a leader and a full ISR' });
      return Date.now() - healStartMs;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<Observation> {
    this.watching = false;
    await Promise.all(this.loops);
    for (const probe of this.probes.values()) await (await probe)?.close();
    const leaderChanges = [...this.changes.values()].map((c) => ({ ...c, lastAnsweredAsLeaderAtMs: this.lastAnswered[c.partition] }));
    return { leadersAtStart: this.leadersAtStart, leaderChanges, acks: this.acks };
  }

  private nowMs(): number {
    return Date.now() - this.runStartedMs;
  }

  private async repeat(round: () => Promise<void>): Promise<void> {
    while (this.watching) {
      const startedMs = Date.now();
      await round().catch((err: unknown) => this.logger.debug(`fault watch: ${(err as Error).message}`));
      // Paces the loop, not waiting for a state.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, watchIntervalMs - (Date.now() - startedMs))));
    }
  }

  /** The first leader other than the one the fault found, per partition, as ZooKeeper names it. */
  private async readLeaders(): Promise<void> {
    await Promise.all(this.leadersAtStart.map(async (oldLeader, partition) => {
      if (oldLeader < 0 || this.changes.has(partition)) return;
      const state = await readPartitionState(this.zk, this.topic, partition);
      if (state && state.leader !== oldLeader && !this.changes.has(partition)) {
        this.changes.set(partition, { partition, oldLeader, newLeader: state.leader, electedAtMs: this.nowMs(), lastAnsweredAsLeaderAtMs: -1 });
      }
    }));
  }

  /**
   * Until when each old leader answers as leader. Once it has answered otherwise after the new
   * leader's election its tenure is over: leading again later (a later election) is not a zombie's.
   */
  private async probeOldLeaders(): Promise<void> {
    await Promise.all(this.leadersAtStart.map(async (oldLeader, partition) => {
      if (oldLeader < 0 || this.tenureOver[partition]) return;
      const electedBefore = this.changes.has(partition);
      if (await this.probe(oldLeader, partition)) this.lastAnswered[partition] = this.nowMs();
      else if (electedBefore) this.tenureOver[partition] = true;
    }));
  }

  /** Whether `broker` answers ListOffsets for the partition as its leader (no answer or an error: not). */
  private async probe(broker: number, partition: number): Promise<boolean> {
    const connection = await this.connectionTo(broker);
    if (!connection) return false;
    try {
      const response = await connection.send(ApiKey.ListOffsets, {
        replicaId: consumerReplicaId, topics: [{ name: this.topic, partitions: [{ partition, timestamp: latestTimestamp }] }],
      }, { timeoutMs: probeTimeoutMs });
      return response.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE.code;
    } catch {
      this.probes.delete(broker);
      await connection.close().catch(() => undefined);
      return false;
    }
  }

  private connectionTo(broker: number): Promise<Connection | undefined> {
    let probe = this.probes.get(broker);
    if (!probe) {
      const { host, port } = this.cluster.broker(broker);
      probe = Connection.connect(host, port, { clientId: 'chaos-probe', connectTimeoutMs: probeTimeoutMs, requestTimeoutMs: probeTimeoutMs })
        .catch(() => {
          this.probes.delete(broker);
          return undefined;
        });
      this.probes.set(broker, probe);
    }
    return probe;
  }
}
