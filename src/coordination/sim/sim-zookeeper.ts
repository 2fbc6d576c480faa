/**
 * ZooKeeper clients over the in-memory model (zk-model.ts), on simulated time: each request
 * reaches the server after a seeded latency and its answer comes back after another, and each
 * session's answers and watch notifications arrive in the order the server sent them (one TCP
 * connection per session, as in ZooKeeper), so a watch fires before any later read sees the change.
 * A test schedules the failures: a dropped connection (answers in flight lost as CONNECTION_LOSS,
 * a request in flight applied or not, as the seed says) and an expired session. Optionally, drawn
 * from their own seeded sequence: writes the server refuses unapplied (THROTTLEDOP, ZooKeeper 3.6+'s
 * request throttling) and deliveries to a session held up for a while (a slow connection: the
 * session's order is kept, but other sessions see changes first).
 */
import { ZkClientClosedError, ZkConnectionLossError, ZkError, ZkNoNodeError, ZkSessionExpiredError, zkSessionExpiredCode } from '../zk-errors';
import type { ZkCreateMode, ZkNodeData, ZkOp, ZkOpResult, ZkStat, ZkWatchEvent, ZkWatcher } from '../zk-types';
import { ZooKeeperBase } from '../zookeeper';
import type { SeededDraws, SimLabel, SimScheduler } from './sim-scheduler';
import { ZkModel } from './zk-model';

/** ZooKeeper's ConnectionLoss code, as the real client reports it. */
const connectionLossCode = -4;
/** ZooKeeper's THROTTLEDOP: "operation was throttled and not executed at all" (3.6+). */
const throttledOpCode = -127;
const writeOps: ReadonlySet<string> = new Set(['create', 'setData', 'delete', 'multi']);

export interface SimZooKeeperOptions {
  /** One-way latency between a client and the server, drawn per message from [min, max]. */
  latencyMsMin?: number;
  latencyMsMax?: number;
  /** When a connection drops with a request on its way, the chance the server still applied it. */
  appliedOnLossProbability?: number;
  /** Where the optional faults below are drawn from (none without it). */
  faultDraws?: SeededDraws;
  /** The chance the server refuses a write unapplied (THROTTLEDOP). */
  writeFailureProbability?: number;
  /** The chance a message to a client is held up, for up to `slowDeliveryMsMax`. */
  slowDeliveryProbability?: number;
  slowDeliveryMsMax?: number;
}

/** One ensemble: the model and the clients connected to it. */
export class SimZooKeeperServer {
  readonly model: ZkModel;
  private readonly clients = new Map<bigint, SimZooKeeper>();
  readonly latencyMsMin: number;
  readonly latencyMsMax: number;
  readonly appliedOnLossProbability: number;

  constructor(readonly scheduler: SimScheduler, private readonly options: SimZooKeeperOptions = {}) {
    this.model = new ZkModel(scheduler);
    this.latencyMsMin = options.latencyMsMin ?? 1;
    this.latencyMsMax = options.latencyMsMax ?? 5;
    this.appliedOnLossProbability = options.appliedOnLossProbability ?? 0.5;
  }

  /** Whether the server refuses this request unapplied (only writes, only with fault draws). */
  refuses(op: string): boolean {
    const { faultDraws, writeFailureProbability = 0 } = this.options;
    return faultDraws !== undefined && writeFailureProbability > 0 && writeOps.has(op) && faultDraws.chance(writeFailureProbability);
  }

  /** One-way latency to a client: now and then held up, with fault draws. */
  latencyToClientMs(): number {
    const { faultDraws, slowDeliveryProbability = 0, slowDeliveryMsMax = 0 } = this.options;
    const latencyMs = this.latencyMs();
    if (faultDraws === undefined || slowDeliveryProbability <= 0 || !faultDraws.chance(slowDeliveryProbability)) return latencyMs;
    return latencyMs + faultDraws.int(0, slowDeliveryMsMax);
  }

  /** A connected client with a new session (as ZkClient.connect resolves once connected). */
  connect(name: string): SimZooKeeper {
    return new SimZooKeeper(this, name);
  }

  latencyMs(): number {
    return this.scheduler.int(this.latencyMsMin, this.latencyMsMax);
  }

  /** Called by a client for each session it opens, so notifications find it. */
  bind(sessionId: bigint, client: SimZooKeeper): void {
    this.clients.set(sessionId, client);
  }

  /** Hands the notifications the last server action owes to their sessions' connections. */
  dispatchNotifications(): void {
    for (const { sessionId, event } of this.model.takeNotifications()) this.clients.get(sessionId)?.notify(event);
  }
}

interface Pending {
  op: string;
  path: string | undefined;
  fail(error: Error): void;
}

interface Watchers {
  data: Map<string, Set<ZkWatcher>>;
  child: Map<string, Set<ZkWatcher>>;
}

export class SimZooKeeper extends ZooKeeperBase {
  private session: bigint;
  private connected = true;
  private closed = false;
  /** Raised at every drop and expiry: a message of an older connection is lost. */
  private connection = 0;
  /** Times at which the last message each way is delivered: a connection keeps its order. */
  private lastToServerMs = 0;
  private lastToClientMs = 0;
  private readonly pending = new Set<Pending>();
  /** Requests made while disconnected, sent once connected (as node-zookeeper-client queues them). */
  private readonly queued: (() => void)[] = [];
  private watchers: Watchers = { data: new Map(), child: new Map() };

  constructor(private readonly server: SimZooKeeperServer, readonly name: string) {
    super();
    this.session = server.model.openSession();
    server.bind(this.session, this);
  }

  get sessionId(): bigint {
    return this.session;
  }

  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** The connection drops: answers in flight are lost; a request in flight may or may not have been applied. */
  disconnect(): void {
    if (!this.connected || this.closed) return;
    this.connected = false;
    this.connection++;
    this.failPending((p) => new ZkConnectionLossError(connectionLossCode, 'CONNECTION_LOSS', p.op, p.path));
    this.emit('disconnected');
  }

  /** The connection is back within the session timeout: the session, its ephemerals and watches live on. */
  reconnect(): void {
    if (this.connected || this.closed) return;
    if (!this.server.model.isSessionLive(this.session)) {
      this.learnExpiry();
      return;
    }
    this.connected = true;
    this.emit('connected', this.session, false);
    for (const send of this.queued.splice(0)) send();
  }

  /**
   * The session expires (the server has not heard from it for its timeout): the server deletes its
   * ephemeral znodes at once; the client, cut off meanwhile, learns it when it reconnects after
   * `noticeAfterMs`, then opens a new session as ZkClient does.
   */
  expire(noticeAfterMs: number): void {
    if (this.closed) return;
    this.disconnect();
    this.server.model.endSession(this.session);
    this.server.dispatchNotifications();
    this.server.scheduler.schedule(noticeAfterMs, () => this.reconnect(), () => `${this.name} reconnects`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.connection++;
    this.server.model.endSession(this.session);
    this.server.dispatchNotifications();
    this.queued.length = 0;
    this.failPending((p) => new ZkClientClosedError(p.op, p.path));
  }

  protected createNode(path: string, data: Buffer | undefined, mode: ZkCreateMode): Promise<string> {
    return this.request('create', path, (model, session) => model.create(session, path, data, mode));
  }

  getData(path: string, watcher?: ZkWatcher): Promise<ZkNodeData> {
    return this.retryOnConnectionLoss(() => this.request('getData', path, (model, session) => {
      const node = model.getData(session, path, watcher !== undefined);
      if (watcher) this.addWatcher('data', path, watcher);
      return node;
    }));
  }

  /** As ZooKeeper's multiRead: one request, every path read when the server applies it. */
  protected multiRead(paths: readonly string[]): Promise<Array<ZkNodeData | undefined>> {
    return this.request('multiRead', paths[0], (model, session) => paths.map((path) => {
      try {
        return model.getData(session, path, false);
      } catch (err) {
        if (err instanceof ZkNoNodeError) return undefined;
        throw err;
      }
    }));
  }

  setData(path: string, data: Buffer, expectedVersion: number): Promise<ZkStat> {
    return this.request('setData', path, (model, session) => model.setData(session, path, data, expectedVersion));
  }

  delete(path: string, expectedVersion: number): Promise<void> {
    return this.request('delete', path, (model, session) => model.delete(session, path, expectedVersion));
  }

  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.retryOnConnectionLoss(() => this.request('getChildren', path, (model, session) => {
      const children = model.getChildren(session, path, watcher !== undefined);
      if (watcher) this.addWatcher('child', path, watcher);
      return children;
    }));
  }

  exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null> {
    return this.retryOnConnectionLoss(() => this.request('exists', path, (model, session) => {
      const stat = model.exists(session, path, watcher !== undefined);
      if (watcher) this.addWatcher('data', path, watcher);
      return stat;
    }));
  }

  multi(ops: ZkOp[]): Promise<ZkOpResult[]> {
    return this.request('multi', undefined, (model, session) => model.multi(session, ops));
  }

  /** A notification the server owes this session: delivered in order with the session's answers. */
  notify(event: ZkWatchEvent): void {
    const session = this.session;
    this.toClient(() => {
      if (this.closed || session !== this.session) return;
      // One that reaches a dropped connection comes once it is back (ZooKeeper's SetWatches on reconnect).
      if (this.connected) this.fire(event);
      else this.queued.push(() => this.fire(event));
    }, () => `${this.name} watch ${event.type} ${event.path}`);
  }

  private fire(event: ZkWatchEvent): void {
    const kinds: ('data' | 'child')[] = event.type === 'childrenChanged' ? ['child'] : event.type === 'deleted' ? ['data', 'child'] : ['data'];
    const due = new Set<ZkWatcher>();
    for (const kind of kinds) {
      for (const watcher of this.watchers[kind].get(event.path) ?? []) due.add(watcher);
      this.watchers[kind].delete(event.path);
    }
    for (const watcher of due) watcher(event);
  }

  private addWatcher(kind: 'data' | 'child', path: string, watcher: ZkWatcher): void {
    const set = this.watchers[kind].get(path) ?? new Set<ZkWatcher>();
    set.add(watcher);
    this.watchers[kind].set(path, set);
  }

  /**
   * Sends a request: applied by the server after one latency, answered after another, both in
   * this connection's order. While disconnected it waits for the connection.
   */
  private request<T>(op: string, path: string | undefined, apply: (model: ZkModel, sessionId: bigint) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new ZkClientClosedError(op, path));
        return;
      }
      const pending: Pending = { op, path, fail: reject };
      this.pending.add(pending);
      const send = (): void => {
        const connection = this.connection;
        const session = this.session;
        this.toServer(() => {
          // Sent before the connection dropped: the server may or may not have got it.
          if (connection !== this.connection && !this.server.scheduler.chance(this.server.appliedOnLossProbability)) return;
          let outcome: { ok: true; value: T } | { ok: false; error: unknown };
          try {
            if (this.server.refuses(op)) throw new ZkError(throttledOpCode, 'THROTTLEDOP', op, path, 'refused unapplied');
            outcome = { ok: true, value: apply(this.server.model, session) };
          } catch (error) {
            outcome = { ok: false, error };
          }
          this.server.dispatchNotifications();
          if (connection !== this.connection) return;
          this.toClient(() => {
            if (connection !== this.connection || !this.pending.delete(pending)) return;
            if (outcome.ok) resolve(outcome.value);
            else reject(outcome.error);
          }, () => `${this.name} answer ${op}${path ? ` ${path}` : ''}`);
        }, () => `${this.name} ${op}${path ? ` ${path}` : ''}`);
      };
      if (this.connected) send();
      else this.queued.push(send);
    });
  }

  private toServer(deliver: () => void, label: SimLabel): void {
    const scheduler = this.server.scheduler;
    this.lastToServerMs = Math.max(this.lastToServerMs, scheduler.nowMs() + this.server.latencyMs());
    scheduler.at(this.lastToServerMs, deliver, label);
  }

  private toClient(deliver: () => void, label: SimLabel): void {
    const scheduler = this.server.scheduler;
    this.lastToClientMs = Math.max(this.lastToClientMs, scheduler.nowMs() + this.server.latencyToClientMs());
    scheduler.at(this.lastToClientMs, deliver, label);
  }

  private failPending(error: (p: Pending) => Error): void {
    for (const p of [...this.pending]) {
      this.pending.delete(p);
      p.fail(error(p));
    }
  }

  /** Reconnecting found the session gone: fail what waited, forget its watches, open a new session. */
  private learnExpiry(): void {
    const expired = this.session;
    this.failPending((p) => new ZkSessionExpiredError(zkSessionExpiredCode, 'SESSION_EXPIRED', p.op, p.path));
    this.queued.length = 0;
    this.watchers = { data: new Map(), child: new Map() };
    this.session = this.server.model.openSession();
    this.server.bind(this.session, this);
    // As ZkClient: what the 'expired' listeners ask goes to the new session once it is connected.
    this.emit('expired', expired);
    this.connected = true;
    this.emit('connected', this.session, true);
    for (const send of this.queued.splice(0)) send();
  }
}
