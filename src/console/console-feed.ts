/**
 * The console's live picture of one cluster: ZooKeeper read into a ClusterModel (whose
 * differences become the timeline and the znodes to flash) within half a second of a watch on
 * one of its znodes firing, and, while a page is open, the
 * brokers probed every second (throughput, log end offsets, high watermarks) and the groups every
 * two: what the brokers answer is paid for by their producers, so nobody watching costs them
 * nothing. Subscribers (the page's WebSocket connections) get every change as a message; a
 * ZooKeeper that is down is reported and retried, never fatal. The timeline keeps the last
 * `timelineMax` events.
 */
import { createLogger, type Logger } from '../common/logger';
import { ZkClient } from '../coordination/zk-client';
import { BrokerProbe, type GroupView, type ProbeResult } from './broker-probe';
import { changedZnodes, clusterEvents, emptyClusterModel, type ClusterEvent, type ClusterModel } from './cluster-model';
import { ClusterWatches, readClusterModel } from './zk-cluster-reader';

export type FeedMessage =
  | { type: 'zookeeper'; connect: string; up: boolean; error: string | null }
  | { type: 'cluster'; model: ClusterModel }
  | { type: 'events'; events: ClusterEvent[] }
  | { type: 'znodes'; paths: string[] }
  | { type: 'probe'; probe: ProbeResult }
  | { type: 'groups'; groups: GroupView[] }
  | { type: 'action'; line: string };

export interface FeedTimings {
  /** How often the console looks whether a watch fired (and reads ZooKeeper if one did). */
  zkPollIntervalMs: number;
  probeIntervalMs: number;
  groupsIntervalMs: number;
  /** The console's own ZooKeeper session and connection timeouts. */
  zkSessionTimeoutMs: number;
}

export const feedTimingsDefault: FeedTimings = { zkPollIntervalMs: 500, probeIntervalMs: 1_000, groupsIntervalMs: 2_000, zkSessionTimeoutMs: 10_000 };

export const timelineMax = 500;
/** Lines of action output (the failover demo's narration) kept for a page that opens later. */
const actionLinesMax = 200;

export class ConsoleFeed {
  private zk: ZkClient | undefined;
  private connecting: Promise<ZkClient | undefined> | undefined;
  private model: ClusterModel = emptyClusterModel;
  private readonly timeline: ClusterEvent[] = [];
  private readonly actionLines: string[] = [];
  private zkStatus: Extract<FeedMessage, { type: 'zookeeper' }>;
  private probe: ProbeResult | undefined;
  private groupViews: GroupView[] = [];
  private readonly subscribers = new Set<(message: FeedMessage) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly prober: BrokerProbe;
  private stopped = false;
  private wasEverUp = false;
  private readonly busy = new Set<string>();
  private readonly watches = new ClusterWatches();

  constructor(
    readonly zookeeperConnect: string,
    private readonly timings: FeedTimings = feedTimingsDefault,
    private readonly logger: Logger = createLogger('console-feed'),
  ) {
    this.zkStatus = { type: 'zookeeper', connect: zookeeperConnect, up: false, error: 'not connected yet' };
    this.prober = new BrokerProbe(logger.child('probe'));
  }

  start(): void {
    this.every(this.timings.zkPollIntervalMs, 'zk', () => this.pollZooKeeper());
    this.every(this.timings.probeIntervalMs, 'probe', () => this.probeBrokers());
    this.every(this.timings.groupsIntervalMs, 'groups', () => this.probeGroups());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.prober.close();
    const zk = this.zk ?? (await this.connecting);
    await zk?.close();
  }

  /** Everything a newly opened page needs, in the order it applies it. */
  snapshot(): FeedMessage[] {
    const messages: FeedMessage[] = [this.zkStatus, { type: 'cluster', model: this.model }, { type: 'events', events: [...this.timeline] }, { type: 'groups', groups: this.groupViews }];
    if (this.probe) messages.push({ type: 'probe', probe: this.probe });
    for (const line of this.actionLines) messages.push({ type: 'action', line });
    return messages;
  }

  subscribe(listener: (message: FeedMessage) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  get cluster(): ClusterModel {
    return this.model;
  }

  get zookeeperUp(): boolean {
    return this.zkStatus.up;
  }

  /** The session to read through, or undefined while ZooKeeper cannot be reached. */
  async zooKeeper(): Promise<ZkClient | undefined> {
    if (this.zk) return this.zk;
    this.connecting ??= ZkClient.connect({
      connectString: this.zookeeperConnect, sessionTimeoutMs: this.timings.zkSessionTimeoutMs, connectionTimeoutMs: this.timings.zkSessionTimeoutMs,
      logger: this.logger.child('zk'),
    }).then((zk) => {
      if (this.stopped) {
        void zk.close();
        return undefined;
      }
      this.zk = zk;
      // A read waits for the connection to come back: the connection's own events tell the page at once.
      zk.on('disconnected', () => this.setZooKeeperStatus(false, 'the connection was lost (the console reconnects by itself)'));
      zk.on('connected', () => {
        // The session's watches survive a lost connection; reading once more costs little and settles it.
        this.watches.changed = true;
        this.setZooKeeperStatus(true, null);
      });
      zk.on('expired', () => {
        this.watches.lost();
        this.record([{ timeMs: Date.now(), kind: 'zookeeper', text: 'the console\'s own ZooKeeper session expired; it opened a new one', znode: '/' }]);
      });
      return zk;
    }, (err: unknown) => {
      this.setZooKeeperStatus(false, (err as Error).message);
      return undefined;
    }).finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  /** A line of an action's output (the failover demo's narration), for every page. */
  actionOutput(line: string): void {
    this.actionLines.push(line);
    if (this.actionLines.length > actionLinesMax) this.actionLines.shift();
    this.publish({ type: 'action', line });
  }

  /** Runs `task` every `intervalMs` (and once now), never two of the same at once. */
  private every(intervalMs: number, name: string, task: () => Promise<void>): void {
    const run = (): void => {
      if (this.busy.has(name) || this.stopped) return;
      this.busy.add(name);
      task().catch((err: unknown) => this.logger.warn(`${name}: ${(err as Error).message}`)).finally(() => this.busy.delete(name));
    };
    run();
    const timer = setInterval(run, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private async pollZooKeeper(): Promise<void> {
    if (!this.watches.changed) return;
    const zk = await this.zooKeeper();
    if (!zk) return;
    let next: ClusterModel;
    try {
      next = await readClusterModel(zk, this.watches);
    } catch (err) {
      // Which watches the failed reading set is not known: the next one sets them all again.
      this.watches.lost();
      this.setZooKeeperStatus(false, (err as Error).message);
      return;
    }
    this.setZooKeeperStatus(true, null);
    const before = this.model;
    const changed = changedZnodes(before, next);
    if (changed.length === 0) return;
    this.model = next;
    // The first reading is the starting picture, not a list of news.
    if (before !== emptyClusterModel) this.record(clusterEvents(before, next, Date.now()));
    this.publish({ type: 'cluster', model: next });
    this.publish({ type: 'znodes', paths: changed });
  }

  private setZooKeeperStatus(up: boolean, error: string | null): void {
    if (this.zkStatus.up === up && (up || this.zkStatus.error === error)) return;
    const wasUp = this.zkStatus.up;
    this.zkStatus = { type: 'zookeeper', connect: this.zookeeperConnect, up, error };
    this.publish(this.zkStatus);
    // The first connection is no news; losing it, and getting it back after that, are.
    const news = wasUp !== up && (!up || this.wasEverUp);
    this.wasEverUp ||= up;
    if (news) {
      const text = up ? `ZooKeeper ${this.zookeeperConnect} answers again` : `cannot read ZooKeeper ${this.zookeeperConnect}: ${error}; retrying`;
      this.record([{ timeMs: Date.now(), kind: 'zookeeper', text, znode: '/' }]);
    }
  }

  private record(events: ClusterEvent[]): void {
    if (events.length === 0) return;
    this.timeline.push(...events);
    if (this.timeline.length > timelineMax) this.timeline.splice(0, this.timeline.length - timelineMax);
    this.publish({ type: 'events', events });
  }

  private async probeBrokers(): Promise<void> {
    if (this.model.brokers.length === 0 || this.subscribers.size === 0) return;
    this.probe = await this.prober.probe(this.model);
    this.publish({ type: 'probe', probe: this.probe });
  }

  private async probeGroups(): Promise<void> {
    if (this.model.brokers.length === 0 || this.subscribers.size === 0) return;
    this.groupViews = await this.prober.groups(this.model);
    this.publish({ type: 'groups', groups: this.groupViews });
  }

  private publish(message: FeedMessage): void {
    for (const listener of this.subscribers) listener(message);
  }
}
