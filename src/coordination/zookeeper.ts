/**
 * What Josef uses of ZooKeeper, as one interface: reads that may set a one-shot watch, creates in
 * the four modes, setData and delete on an expected version, multi with check ops, and the
 * session's connection events. ZkClient implements it over a real ensemble, SimZooKeeper
 * (sim/sim-zookeeper.ts) over an in-memory model, so the controller runs unchanged on either. The
 * recipes built from those primitives (mkdirp, create with parents, getJson, deleteRecursive)
 * are written once here, in ZooKeeperBase.
 */
import { EventEmitter } from 'events';
import { inBatches } from '../common/batches';
import { ZkNodeExistsError, ZkConnectionLossError, ZkNoNodeError } from './zk-errors';
import { pipelined } from './zk-pipeline';
import type { ZkClientEvents, ZkCreateMode, ZkNodeData, ZkOp, ZkOpResult, ZkStat, ZkWatcher } from './zk-types';

/** Pass as an expected version to write whatever version the znode has (Kafka's MatchAnyVersion). */
export const ZK_MATCH_ANY_VERSION = -1;

/**
 * Paths one multiRead asks for (getDataMany). 3,333 state znodes read in 11-15 ms at 100, 250, 500
 * or 1,000 paths a request against 390 ms one getData each (`npm run bench -- zk-reads`, under
 * load, docs/benchmarks.md): past 100 the size hardly matters, so the fewest requests. A state
 * znode's entry in the reply is about 160 bytes (its JSON, its 68-byte stat, the headers), so
 * 1,000 of them are 160 KB, far below ZooKeeper's 1 MB jute.maxbuffer (which the Java client holds
 * replies to; ours reads any size); large znodes (topics of thousands of partitions, 100+ KB each)
 * are not read this way.
 */
export const pathsPerMultiRead = 1_000;

/** Idempotent recipes (mkdirp) are retried on connection loss; each retry waits for a reconnect. */
export const connectionLossAttemptsMax = 5;

export interface ZkCreateOptions {
  /** Create every missing persistent parent first (Kafka's createRecursive). */
  createParents?: boolean;
}

export interface ZooKeeper extends EventEmitter<ZkClientEvents> {
  /** The current session's id (0 before the first connection); compare with a znode's ephemeralOwner. */
  readonly sessionId: bigint;
  readonly isConnected: boolean;
  /** Creates a znode and returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data?: Buffer, mode?: ZkCreateMode, options?: ZkCreateOptions): Promise<string>;
  /** Creates every missing persistent znode along `path`; existing ones are fine. */
  mkdirp(path: string): Promise<void>;
  getData(path: string, watcher?: ZkWatcher): Promise<ZkNodeData>;
  /**
   * Many znodes' data and stat, in the paths' order, undefined for one that does not exist (as
   * getDataIfExists): ZooKeeper's multiRead, pathsPerMultiRead paths to a request, the requests
   * pipelined. No watches. Each request reads its paths at one point of ZooKeeper's history; the
   * batches may see different points. Any other error of one path fails the whole read.
   */
  getDataMany(paths: readonly string[]): Promise<Array<ZkNodeData | undefined>>;
  /** Reads a znode holding JSON (as Kafka's znodes do). */
  getJson<T>(path: string, watcher?: ZkWatcher): Promise<{ value: T; stat: ZkStat }>;
  /** Conditional write: fails with ZkBadVersionError unless the znode is at `expectedVersion`. */
  setData(path: string, data: Buffer, expectedVersion: number): Promise<ZkStat>;
  delete(path: string, expectedVersion: number): Promise<void>;
  /** Deletes a znode and everything under it; a znode someone else deletes meanwhile is fine. */
  deleteRecursive(path: string): Promise<void>;
  /** The children's names (not paths), in no particular order. */
  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]>;
  /** The znode's stat, or null when it does not exist (the watcher then fires on its creation). */
  exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null>;
  /**
   * ZooKeeper's multi: all ops apply or none does. On failure the error is that of the first op
   * that failed, named `multi[i].<op>` with its path.
   */
  multi(ops: ZkOp[]): Promise<ZkOpResult[]>;
  /** Ends the session: its ephemeral znodes vanish at once. */
  close(): Promise<void>;
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function childPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/**
 * The recipes over the primitives; an implementation supplies the primitives (`createNode` for
 * create). Reads are retried on connection loss (retryOnConnectionLoss), as ZkClient always did.
 */
export abstract class ZooKeeperBase extends EventEmitter<ZkClientEvents> implements ZooKeeper {
  abstract get sessionId(): bigint;
  abstract get isConnected(): boolean;
  protected abstract createNode(path: string, data: Buffer | undefined, mode: ZkCreateMode): Promise<string>;
  abstract getData(path: string, watcher?: ZkWatcher): Promise<ZkNodeData>;
  /** One multiRead of getData ops: each path's data, undefined for NONODE; any other error of an op throws. */
  protected abstract multiRead(paths: readonly string[]): Promise<Array<ZkNodeData | undefined>>;
  abstract setData(path: string, data: Buffer, expectedVersion: number): Promise<ZkStat>;
  abstract delete(path: string, expectedVersion: number): Promise<void>;
  abstract getChildren(path: string, watcher?: ZkWatcher): Promise<string[]>;
  abstract exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null>;
  abstract multi(ops: ZkOp[]): Promise<ZkOpResult[]>;
  abstract close(): Promise<void>;

  create(path: string, data?: Buffer, mode: ZkCreateMode = 'persistent', options: ZkCreateOptions = {}): Promise<string> {
    if (!options.createParents) return this.createNode(path, data, mode);
    return this.createNode(path, data, mode).catch(async (err: unknown) => {
      if (!(err instanceof ZkNoNodeError)) throw err;
      await this.mkdirp(parentPath(path));
      return this.createNode(path, data, mode);
    });
  }

  async mkdirp(path: string): Promise<void> {
    if (path === '/') return;
    try {
      await this.retryOnConnectionLoss(() => this.create(path, undefined, 'persistent', { createParents: true }));
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
  }

  async getDataMany(paths: readonly string[]): Promise<Array<ZkNodeData | undefined>> {
    const batches = await pipelined(inBatches(paths, pathsPerMultiRead), (batch) => this.retryOnConnectionLoss(() => this.multiRead(batch)));
    return batches.flat();
  }

  async getJson<T>(path: string, watcher?: ZkWatcher): Promise<{ value: T; stat: ZkStat }> {
    const { data, stat } = await this.getData(path, watcher);
    try {
      return { value: JSON.parse(data.toString('utf8')) as T, stat };
    } catch (err) {
      throw new Error(`znode ${path} does not hold JSON: ${(err as Error).message}`);
    }
  }

  /** Runs an idempotent request again, up to connectionLossAttemptsMax times, while the connection is lost. */
  protected async retryOnConnectionLoss<T>(request: () => Promise<T>, onRetry?: (attempt: number) => void): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (err) {
        if (!(err instanceof ZkConnectionLossError) || attempt >= connectionLossAttemptsMax) throw err;
        onRetry?.(attempt + 1);
      }
    }
  }

  async deleteRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return;
      throw err;
    }
    for (const child of children) await this.deleteRecursive(childPath(path, child));
    if (path === '/') return;
    try {
      await this.delete(path, ZK_MATCH_ANY_VERSION);
    } catch (err) {
      if (!(err instanceof ZkNoNodeError)) throw err;
    }
  }
}
