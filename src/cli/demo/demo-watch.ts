/**
 * What the failover demo sees of ZooKeeper: watches on /brokers/ids, /controller and the state
 * znode of each partition of the demo's topic, turned into typed events (a broker's znode gone
 * or back, a new controller, a leader chosen, an ISR shrunk or grown) and a current picture.
 * Watch callbacks only queue a re-read; one serial chain re-reads, re-arms the watch and compares
 * with what it saw last, so events come out in ZooKeeper's order.
 */
import type { ZkClient, ZkWatcher } from '../../coordination/zk-client';
import { ZkNoNodeError } from '../../coordination/zk-errors';
import { ZkPaths } from '../../coordination/paths';
import { parseController, parseControllerEpoch, parsePartitionState, type PartitionStateZnode } from '../../coordination/znodes';

export type WatchEvent =
  | { kind: 'brokerGone'; brokerId: number }
  | { kind: 'brokerRegistered'; brokerId: number; brokerEpoch: bigint }
  | { kind: 'controllerChanged'; controllerId: number | undefined; controllerEpoch: number | undefined }
  | { kind: 'leaderChosen'; partition: number; previousLeader: number; state: PartitionStateZnode }
  | { kind: 'isrShrank'; partition: number; removed: number[]; state: PartitionStateZnode }
  | { kind: 'isrExpanded'; partition: number; added: number[]; state: PartitionStateZnode };

/** The cluster as the watches last saw it. */
export interface WatchedCluster {
  brokers: number[];
  controllerId: number | undefined;
  controllerEpoch: number | undefined;
  /** By partition id; absent until the state znode exists. */
  partitions: Map<number, PartitionStateZnode>;
}

export class ClusterWatch {
  readonly cluster: WatchedCluster = { brokers: [], controllerId: undefined, controllerEpoch: undefined, partitions: new Map() };
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly listeners = new Set<(event: WatchEvent) => void>();

  constructor(
    private readonly zk: ZkClient,
    private readonly topic: string,
    private readonly partitionCount: number,
    /** A read that failed (other than a missing znode), for the person to see; the watch carries on. */
    private readonly onError: (err: Error) => void,
  ) {}

  onEvent(listener: (event: WatchEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Reads everything once, with watches set; resolves when the first picture is complete. */
  start(): Promise<void> {
    this.enqueue(() => this.readBrokers(false));
    this.enqueue(() => this.readController(false));
    for (let p = 0; p < this.partitionCount; p++) this.enqueue(() => this.readPartition(p, false));
    return this.chain;
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(read: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await read();
      } catch (err) {
        if (!this.closed) this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** A one-shot watcher that queues `read` again (which sets the next watch). */
  private rearm(read: () => Promise<void>): ZkWatcher {
    return () => {
      if (!this.closed) this.enqueue(read);
    };
  }

  private emit(event: WatchEvent, announce: boolean): void {
    if (!announce) return;
    for (const listener of this.listeners) listener(event);
  }

  private async readBrokers(announce = true): Promise<void> {
    const ids = (await this.zk.getChildren(ZkPaths.brokerIds, this.rearm(() => this.readBrokers()))).map(Number).sort((a, b) => a - b);
    const before = this.cluster.brokers;
    const registered: WatchEvent[] = [];
    for (const id of ids) {
      if (before.includes(id)) continue;
      const stat = await this.zk.exists(ZkPaths.broker(id));
      if (stat) registered.push({ kind: 'brokerRegistered', brokerId: id, brokerEpoch: stat.czxid });
    }
    // The picture changes with the events, so that a reader of it never sees a change not yet told.
    this.cluster.brokers = ids;
    for (const id of before) if (!ids.includes(id)) this.emit({ kind: 'brokerGone', brokerId: id }, announce);
    for (const event of registered) this.emit(event, announce);
  }

  private async readController(announce = true): Promise<void> {
    const watcher = this.rearm(() => this.readController());
    let controllerId: number | undefined;
    let controllerEpoch: number | undefined;
    try {
      controllerId = parseController(ZkPaths.controller, (await this.zk.getData(ZkPaths.controller, watcher)).data).brokerId;
      controllerEpoch = parseControllerEpoch(ZkPaths.controllerEpoch, (await this.zk.getData(ZkPaths.controllerEpoch)).data);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      // No controller right now: watch for the next one's znode.
      if (controllerId === undefined && (await this.zk.exists(ZkPaths.controller, watcher)) !== null) return this.readController(announce);
    }
    const changed = controllerId !== this.cluster.controllerId || controllerEpoch !== this.cluster.controllerEpoch;
    this.cluster.controllerId = controllerId;
    this.cluster.controllerEpoch = controllerEpoch;
    if (changed) this.emit({ kind: 'controllerChanged', controllerId, controllerEpoch }, announce);
  }

  private async readPartition(partition: number, announce = true): Promise<void> {
    const path = ZkPaths.partitionState(this.topic, partition);
    const watcher = this.rearm(() => this.readPartition(partition));
    let state: PartitionStateZnode;
    try {
      state = parsePartitionState(path, (await this.zk.getData(path, watcher)).data);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
      if ((await this.zk.exists(path, watcher)) !== null) return this.readPartition(partition, announce);
      return;
    }
    const before = this.cluster.partitions.get(partition);
    this.cluster.partitions.set(partition, state);
    if (!before) return;
    if (state.leader !== before.leader || state.leaderEpoch !== before.leaderEpoch) {
      this.emit({ kind: 'leaderChosen', partition, previousLeader: before.leader, state }, announce);
    }
    const removed = before.isr.filter((id) => !state.isr.includes(id));
    const added = state.isr.filter((id) => !before.isr.includes(id));
    if (removed.length > 0) this.emit({ kind: 'isrShrank', partition, removed, state }, announce);
    if (added.length > 0) this.emit({ kind: 'isrExpanded', partition, added, state }, announce);
  }
}
