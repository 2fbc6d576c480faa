/**
 * Josef's one ZooKeeper session, as Kafka's ZooKeeperClient keeps it: promise-based calls over
 * node-zookeeper-client that fail with the typed errors of zk-errors.ts, a chroot created on
 * connect when missing, and a new session opened by itself when the old one expires (owners
 * listen for 'expired' to re-register what the old session held). With ZkSecurity every
 * connection authenticates (digest) and every znode it creates gets Kafka's default ACL for its path.
 */
import zookeeper from 'node-zookeeper-client';
import type { ACL as LibraryAcl, Client, Event as LibraryEvent, State, Stat } from 'node-zookeeper-client';
import { createLogger, type Logger } from '../common/logger';
import { formatZkConnectString, parseZkConnectString } from '../common/zk-connect-string';
import {
  ZkClientClosedError, ZkConnectionLossError, ZkConnectTimeoutError, ZkNoNodeError, ZkSessionExpiredError, ZkUnimplementedError, toZkError, zkErrorOfCode,
  zkSessionExpiredCode,
} from './zk-errors';
import {
  abandonDisconnected, closeWhenSilent, libraryCreateMode, queueMulti, queueMultiRead, streamlineConnection, toLibraryAcls, toZkAcls, toZkOpResults, toZkStat,
  toZkWatchEvent, type LibraryOpResult,
} from './zk-library';
import type { MultiReadResult } from './zk-multi-wire';
import { defaultZkAcls, formatZkDigestCredentials, zkDigestId, type ZkAcl, type ZkSecurity } from './zk-acls';
import type { ZkCreateMode, ZkNodeData, ZkOp, ZkOpResult, ZkStat, ZkWatcher } from './zk-types';
import { connectionLossAttemptsMax, ZK_MATCH_ANY_VERSION, ZooKeeperBase } from './zookeeper';
import { pipelined, zookeeperMaxInFlightRequests } from './zk-pipeline';
import { getDataIfExists } from './zk-reads';

export type {
  ZkClientEvents, ZkCreateMode, ZkNodeData, ZkOp, ZkOpResult, ZkStat, ZkWatchEvent, ZkWatchEventType, ZkWatcher,
} from './zk-types';
export { parentPath, ZK_MATCH_ANY_VERSION, type ZooKeeper } from './zookeeper';

export interface ZkClientOptions {
  /** `host:port[,host:port...][/chroot]`, as Kafka's zookeeper.connect. */
  connectString: string;
  /** Kafka's zookeeper.session.timeout.ms (default 18000). The server clamps it to its bounds. */
  sessionTimeoutMs?: number;
  /** Kafka's zookeeper.connection.timeout.ms: how long connect() waits (default the session timeout). */
  connectionTimeoutMs?: number;
  /** Upper bound of the random pause after every server of the list failed once (default 250). */
  reconnectSpinDelayMs?: number;
  /** Digest credentials and zookeeper.set.acl (default: neither, every znode open to anyone, as Kafka's default). */
  security?: ZkSecurity;
  logger?: Logger;
}

const sessionTimeoutMsDefault = 18_000;
const reconnectSpinDelayMsDefault = 250;
/** How long close() waits for the server to confirm the end of the session. */
const closeTimeoutMs = 5_000;

type Callback<T> = (error: unknown, value?: T) => void;

/** A request sent and not yet answered, kept so that expiry or close can fail it. */
interface InflightCall {
  library: Client;
  op: string;
  path: string | undefined;
  fail(error: Error): void;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export class ZkClient extends ZooKeeperBase {
  private library: Client;
  private readonly inflight = new Set<InflightCall>();
  /** Requests not yet sent, in order: at most zookeeperMaxInFlightRequests are unanswered. */
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private lastSessionId = 0n;
  /** When the client lost its last connection; undefined while connected (and before the first). */
  private disconnectedSinceMs: number | undefined;
  /** When a server last spoke on the lost connection: when it was lost, or earlier if it had gone silent first; undefined while connected. */
  private lastHeardMs: number | undefined;
  /** A server answered multiRead with UNIMPLEMENTED (ZooKeeper before 3.6): getDataMany reads one znode at a time from then on. */
  private multiReadUnimplemented = false;
  /** Stops the read timeout of the current connection and its writes per turn (zk-library's closeWhenSilent, streamlineConnection). */
  private stopConnectionWatch: () => void = () => undefined;

  private constructor(
    private readonly connectString: string,
    private readonly sessionTimeoutMs: number,
    private readonly reconnectSpinDelayMs: number,
    private readonly security: ZkSecurity,
    private readonly logger: Logger,
  ) {
    super();
    if (security.setAcl && security.credentials === undefined) {
      throw new Error('zookeeper.set.acl needs credentials: a znode only its creator may write needs a creator ZooKeeper knows');
    }
    this.library = this.openSession();
  }

  /** Opens a session, creating the connect string's chroot first if it does not exist (as Kafka does). */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const parsed = parseZkConnectString(options.connectString);
    const sessionTimeoutMs = options.sessionTimeoutMs ?? sessionTimeoutMsDefault;
    const connectionTimeoutMs = options.connectionTimeoutMs ?? sessionTimeoutMs;
    const logger = options.logger ?? createLogger('zk-client');
    if (parsed.chroot !== undefined) {
      const root = await ZkClient.connect({ ...options, connectString: formatZkConnectString({ ...parsed, chroot: undefined }) });
      try {
        await root.mkdirp(parsed.chroot);
      } finally {
        await root.close();
      }
    }
    const client = new ZkClient(
      options.connectString, sessionTimeoutMs, options.reconnectSpinDelayMs ?? reconnectSpinDelayMsDefault, options.security ?? { setAcl: false }, logger);
    await client.awaitFirstConnection(connectionTimeoutMs);
    return client;
  }

  /** The current session's id (0 before the first connection); compare with a znode's ephemeralOwner. */
  get sessionId(): bigint {
    return this.library.getSessionId().readBigUInt64BE(0);
  }

  get sessionIdHex(): string {
    return `0x${this.sessionId.toString(16)}`;
  }

  /** The timeout the server granted, which may differ from the one asked for. */
  get negotiatedSessionTimeoutMs(): number {
    return this.library.getSessionTimeout();
  }

  /** Whether the session sends credentials (zookeeper.auth.digest). */
  get isAuthenticated(): boolean {
    return this.security.credentials !== undefined;
  }

  /** Who this session is to ZooKeeper: `digest:<user>:<hash>` as ACLs name it, or `anyone` without credentials. */
  get identity(): string {
    const { credentials } = this.security;
    return credentials === undefined ? 'anyone (no credentials)' : `digest:${zkDigestId(credentials)}`;
  }

  get isConnected(): boolean {
    return !this.closed && this.library.getState() === zookeeper.State.SYNC_CONNECTED;
  }

  /** How long the client has been without a connection to any server of the ensemble; undefined while connected. */
  get disconnectedForMs(): number | undefined {
    if (this.isConnected) return undefined;
    return Date.now() - (this.disconnectedSinceMs ?? Date.now());
  }

  /**
   * How long no server has sent this client anything, while it is without a connection (0 while
   * connected). ZooKeeper expires a session it has not heard from for the session timeout, and a
   * client last hears a server just after the server last heard it: so, cut off, the session is
   * gone about the session timeout after this began, which for a connection that went silent is
   * two thirds of a session timeout before the client noticed.
   */
  get silentForMs(): number {
    if (this.isConnected) return 0;
    return Date.now() - (this.lastHeardMs ?? Date.now());
  }

  /** Ends the session: its ephemeral znodes vanish at once, as when a broker shuts down cleanly. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopConnectionWatch();
    this.disconnectedSinceMs ??= Date.now();
    const library = this.library;
    if (library.getState() === zookeeper.State.SYNC_CONNECTED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeTimeoutMs);
        library.once('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        library.close();
      });
    } else {
      abandonDisconnected(library);
    }
    this.failInflight(undefined, (call) => new ZkClientClosedError(call.op, call.path));
  }

  protected createNode(path: string, data: Buffer | undefined, mode: ZkCreateMode): Promise<string> {
    return this.call<string>('create', path, (lib, done) => {
      if (data === undefined) lib.create(path, this.aclsFor(path), libraryCreateMode[mode], done);
      else lib.create(path, data, this.aclsFor(path), libraryCreateMode[mode], done);
    });
  }

  /** The ACL a znode this session creates at `path` gets (Kafka's ZkData.defaultAcls). */
  private aclsFor(path: string): LibraryAcl[] {
    return toLibraryAcls(defaultZkAcls(this.security.setAcl, path));
  }

  /** The znode's ACL and stat, as zkCli.sh's getAcl shows them. */
  getAcl(path: string): Promise<{ acls: ZkAcl[]; stat: ZkStat }> {
    return this.read('getAcl', path, (lib, done) =>
      lib.getACL(path, (err, acls, stat) => (err ? done(err) : done(null, { acls: toZkAcls(acls), stat: toZkStat(stat) }))));
  }

  /** Replaces the znode's ACL, whatever its ACL version (needs the ADMIN permission on it). */
  setAcl(path: string, acls: readonly ZkAcl[]): Promise<ZkStat> {
    return this.call<ZkStat>('setAcl', path, (lib, done) =>
      lib.setACL(path, toLibraryAcls(acls), ZK_MATCH_ANY_VERSION, (err, stat) => (err ? done(err) : done(null, toZkStat(stat)))));
  }

  getData(path: string, watcher?: ZkWatcher): Promise<ZkNodeData> {
    return this.read<ZkNodeData>('getData', path, (lib, done) => {
      const reply = (err: unknown, data?: Buffer | null, stat?: Stat): void =>
        err ? done(err) : done(null, { data: data ?? Buffer.alloc(0), stat: toZkStat(stat as Stat) });
      if (watcher) lib.getData(path, this.wrapWatcher(watcher), reply);
      else lib.getData(path, reply);
    });
  }

  /**
   * One multiRead (ZooKeeper 3.6+). A server that does not know the op (before 3.6:
   * ZooKeeperServer finds the type invalid and hands the request to UnimplementedRequestProcessor)
   * answers UNIMPLEMENTED and then closes the connection, failing every other request in flight on
   * it with a connection loss (the session lives on). So the first UNIMPLEMENTED decides for the
   * client's whole life, not only for the connection: asked again on every new connection, each
   * would cost one more connection loss. The reads then go one getData each, pipelined, as before.
   */
  protected async multiRead(paths: readonly string[]): Promise<Array<ZkNodeData | undefined>> {
    const oneByOne = (): Promise<Array<ZkNodeData | undefined>> => pipelined(paths, (path) => getDataIfExists(this, path));
    if (this.multiReadUnimplemented) return oneByOne();
    let results: MultiReadResult[];
    try {
      results = await this.call<MultiReadResult[]>('multiRead', paths[0], (lib, done) => queueMultiRead(lib, paths, done));
    } catch (err) {
      if (!(err instanceof ZkUnimplementedError)) throw err;
      if (!this.multiReadUnimplemented) {
        this.multiReadUnimplemented = true;
        this.logger.warn(`ZooKeeper ${this.connectString} does not know multiRead (it is older than 3.6): reading many znodes one getData each from now on`);
      }
      return oneByOne();
    }
    if (results.length !== paths.length) throw new Error(`multiRead of ${paths.length} path(s) answered with ${results.length} result(s)`);
    return results.map((result, i) => {
      if (!('errorCode' in result)) return result;
      const error = zkErrorOfCode(result.errorCode, `multiRead[${i}].getData`, paths[i]);
      if (error instanceof ZkNoNodeError) return undefined;
      throw error;
    });
  }

  /** Conditional write: fails with ZkBadVersionError unless the znode is at `expectedVersion`. */
  setData(path: string, data: Buffer, expectedVersion: number): Promise<ZkStat> {
    return this.call<ZkStat>('setData', path, (lib, done) =>
      lib.setData(path, data, expectedVersion, (err, stat) => (err ? done(err) : done(null, toZkStat(stat)))));
  }

  delete(path: string, expectedVersion: number): Promise<void> {
    return this.call<void>('delete', path, (lib, done) => lib.remove(path, expectedVersion, (err) => done(err)));
  }

  /** The children's names (not paths), in no particular order. */
  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.read<string[]>('getChildren', path, (lib, done) => {
      const reply = (err: unknown, children?: string[]): void => (err ? done(err) : done(null, children ?? []));
      if (watcher) lib.getChildren(path, this.wrapWatcher(watcher), reply);
      else lib.getChildren(path, reply);
    });
  }

  /** The znode's stat, or null when it does not exist (the watcher then fires on its creation). */
  exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null> {
    return this.read<ZkStat | null>('exists', path, (lib, done) => {
      const reply = (err: unknown, stat?: Stat | null): void => (err ? done(err) : done(null, stat ? toZkStat(stat) : null));
      if (watcher) lib.exists(path, this.wrapWatcher(watcher), reply);
      else lib.exists(path, reply);
    });
  }

  /**
   * ZooKeeper's multi: all ops apply or none does. On failure the error is that of the first op
   * that failed, named `multi[i].<op>` with its path (e.g. a check of /controller_epoch's version).
   */
  multi(ops: ZkOp[]): Promise<ZkOpResult[]> {
    return this.call<ZkOpResult[]>('multi', undefined, (lib, done) => {
      queueMulti(lib, ops, (path) => defaultZkAcls(this.security.setAcl, path), (err, results = []) => {
        if (err) {
          done(err);
          return;
        }
        // A failed multi answers each op: OK before the one that failed, its error, RUNTIMEINCONSISTENCY after.
        const failed = results.findIndex((r) => r.err !== undefined && r.err !== 0);
        if (failed === -1) done(null, toZkOpResults(ops, results));
        else done(zkErrorOfCode(results[failed].err ?? 0, `multi[${failed}].${ops[failed].op}`, ops[failed].path));
      });
    });
  }

  /**
   * Sends a request, or queues it while zookeeperMaxInFlightRequests are unanswered (Kafka's
   * ZooKeeperClient and its in-flight semaphore): thousands of writes at once (a controller's
   * elections, a leader's ISR changes) would sit in the socket ahead of the session's pings, and
   * ZooKeeper would expire a session that is alive.
   */
  private call<T>(op: string, path: string | undefined, invoke: (lib: Client, done: Callback<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const send = (): void => {
        if (this.closed) {
          reject(new ZkClientClosedError(op, path));
          return;
        }
        const call: InflightCall = { library: this.library, op, path, fail: reject };
        this.inflight.add(call);
        invoke(this.library, (err, value) => {
          if (!this.inflight.delete(call)) return; // Already failed by expiry or close.
          this.sendWaiting();
          if (err) reject(toZkError(err, op, path));
          else resolve(value as T);
        });
      };
      this.waiting.push(send);
      this.sendWaiting();
    });
  }

  private sendWaiting(): void {
    while (this.waiting.length > 0 && this.inflight.size < zookeeperMaxInFlightRequests) this.waiting.shift()?.();
  }

  /**
   * Fails the calls still waiting on `library` (all calls when undefined). The library never
   * answers a request it queued while disconnected once its session expires or it is abandoned.
   */
  private failInflight(library: Client | undefined, error: (call: InflightCall) => Error): void {
    for (const call of this.inflight) {
      if (library !== undefined && call.library !== library) continue;
      this.inflight.delete(call);
      call.fail(error(call));
    }
    this.sendWaiting();
  }

  private read<T>(op: string, path: string, invoke: (lib: Client, done: Callback<T>) => void): Promise<T> {
    return this.retryOnConnectionLoss(() => this.call(op, path, invoke), (attempt) =>
      this.logger.debug(`${op} ${path}: connection lost, retrying (attempt ${attempt} of ${connectionLossAttemptsMax})`));
  }

  private wrapWatcher(watcher: ZkWatcher): (event: LibraryEvent) => void {
    return (libraryEvent) => {
      const event = toZkWatchEvent(libraryEvent);
      if (event !== undefined && !this.closed) watcher(event);
    };
  }

  private openSession(): Client {
    const library = zookeeper.createClient(this.connectString, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: this.reconnectSpinDelayMs,
      retries: 0,
    });
    // Sent on every connection of the session, before any request (the library keeps it for reconnects).
    const { credentials } = this.security;
    if (credentials !== undefined) library.addAuthInfo('digest', Buffer.from(formatZkDigestCredentials(credentials), 'utf8'));
    library.on('state', (state: State) => this.onStateChange(library, state));
    library.connect();
    return library;
  }

  /** Only the current library client's changes count; an expired one is left to finish closing. */
  private onStateChange(library: Client, state: State): void {
    if (library !== this.library || this.closed) return;
    this.stopConnectionWatch();
    if (state === zookeeper.State.SYNC_CONNECTED) {
      const sessionId = this.sessionId;
      const newSession = sessionId !== this.lastSessionId;
      this.lastSessionId = sessionId;
      this.disconnectedSinceMs = undefined;
      this.lastHeardMs = undefined;
      const stopReadTimeout = closeWhenSilent(library, (silentMs, server) => {
        this.lastHeardMs = Date.now() - silentMs;
        this.logger.warn(`no answer from ZooKeeper ${server} for ${silentMs} ms, two thirds of the session timeout: closing the connection and trying again (as ZooKeeper's own client does)`);
      });
      const stopStreamlining = streamlineConnection(library);
      this.stopConnectionWatch = () => {
        stopReadTimeout();
        stopStreamlining();
      };
      this.logger.debug(`connected to ${this.connectString}, session ${this.sessionIdHex}${newSession ? ' (new)' : ''}`);
      this.emit('connected', sessionId, newSession);
    } else if (state === zookeeper.State.DISCONNECTED) {
      this.disconnectedSinceMs ??= Date.now();
      this.lastHeardMs ??= Date.now();
      this.logger.debug(`disconnected from ${this.connectString}, session ${this.sessionIdHex}`);
      this.emit('disconnected');
    } else if (state === zookeeper.State.EXPIRED) {
      const expired = this.lastSessionId;
      this.logger.warn(`session 0x${expired.toString(16)} expired; opening a new one`);
      this.library = this.openSession();
      this.failInflight(library, (call) => new ZkSessionExpiredError(zkSessionExpiredCode, 'SESSION_EXPIRED', call.op, call.path));
      this.emit('expired', expired);
    }
  }

  private awaitFirstConnection(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        void this.close();
        reject(new ZkConnectTimeoutError(0, 'CONNECT_TIMEOUT', 'connect', undefined,
          `no session with ${this.connectString} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('connected', onConnected);
    });
  }
}
