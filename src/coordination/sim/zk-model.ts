/**
 * An in-memory ZooKeeper server with ZooKeeper's semantics, pure and synchronous: every write
 * (applied or refused, as ZooKeeper logs an error txn) takes the next zxid; stats carry data and
 * children versions as ZooKeeper keeps them; ephemeral znodes belong to a session and vanish with
 * it in one txn; sequential names append, in 10 digits, how many children the parent has had
 * created (the cversion ZooKeeper keeps, which reports creates plus deletes); a multi applies all
 * its ops under one zxid or none, failing with the first failing op's error; watches are one-shot
 * per session, path and kind, and their notifications come out in the order of the changes.
 */
import {
  ZkBadVersionError, ZkError, ZkNodeExistsError, ZkNoNodeError, ZkNotEmptyError, ZkSessionExpiredError, zkSessionExpiredCode,
} from '../zk-errors';
import type { ZkCreateMode, ZkNodeData, ZkOp, ZkOpResult, ZkStat, ZkWatchEvent } from '../zk-types';
import { parentPath, ZK_MATCH_ANY_VERSION } from '../zookeeper';

/** ZooKeeper's NoChildrenForEphemerals: an ephemeral znode cannot have children. */
const noChildrenForEphemeralsCode = -108;
/** The first session id handed out; ZooKeeper's embed the server id in the high byte. */
const firstSessionId = 0x1000000000000n;

/**
 * Copied on its first write in a txn (see `writable`), so a committed znode is never changed
 * again: readers outside a session (`peek`) may hold it, and its sorted children are computed once.
 */
interface Znode {
  data: Buffer;
  stat: ZkStat;
  children: Set<string>;
  /** Children ever created under it: the next sequential name's number (ZooKeeper's stored cversion). */
  childrenCreated: number;
  /** `children` sorted, computed on the first read after the znode was committed. */
  sortedChildren: string[] | undefined;
}

/** A znode as `peek` shows it: the model's own, so not to be changed. */
export interface ZkPeekedNode {
  readonly data: Buffer;
  readonly stat: Readonly<ZkStat>;
}

/** A notification owed to a session: the client learns of the change in this order. */
export interface ZkNotification {
  sessionId: bigint;
  event: ZkWatchEvent;
}

type WatchKind = 'data' | 'child';

/** The state a multi works on: writes go to an overlay of the tree until the whole multi applied. */
interface Txn {
  zxid: bigint;
  nowMs: number;
  /** Path -> znode after the txn (undefined: deleted). */
  changed: Map<string, Znode | undefined>;
  events: ZkWatchEvent[];
}

export class ZkModel {
  private readonly nodes = new Map<string, Znode>();
  private readonly sessions = new Set<bigint>();
  /** Path -> sessions watching, by kind. */
  private readonly watches: Record<WatchKind, Map<string, Set<bigint>>> = { data: new Map(), child: new Map() };
  /** Session -> the paths of its ephemeral znodes, so that ending a session does not scan the tree. */
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private lastZxid = 0n;
  private nextSessionId = firstSessionId;
  private readonly outbox: ZkNotification[] = [];

  constructor(private readonly clock: { nowMs(): number }) {
    this.nodes.set('/', newZnode(Buffer.alloc(0), newStat(0n, 0, 0n, 0)));
  }

  get zxid(): bigint {
    return this.lastZxid;
  }

  openSession(): bigint {
    const id = this.nextSessionId++;
    this.sessions.add(id);
    return id;
  }

  isSessionLive(sessionId: bigint): boolean {
    return this.sessions.has(sessionId);
  }

  /** Closes or expires a session: one txn deletes its ephemeral znodes; its watches go. */
  endSession(sessionId: bigint): void {
    if (!this.sessions.delete(sessionId)) return;
    for (const watchers of this.watches.data.values()) watchers.delete(sessionId);
    for (const watchers of this.watches.child.values()) watchers.delete(sessionId);
    const owned = [...(this.ephemerals.get(sessionId) ?? [])].sort();
    this.ephemerals.delete(sessionId);
    const txn = this.begin();
    for (const path of owned) this.deleteIn(txn, path, ZK_MATCH_ANY_VERSION);
    this.commit(txn);
  }

  /** Notifications owed since the last call, in order; the caller delivers them. */
  takeNotifications(): ZkNotification[] {
    return this.outbox.splice(0);
  }

  create(sessionId: bigint, path: string, data: Buffer | undefined, mode: ZkCreateMode): string {
    return this.write(sessionId, 'create', path, (txn) => this.createIn(txn, sessionId, path, data, mode));
  }

  setData(sessionId: bigint, path: string, data: Buffer, expectedVersion: number): ZkStat {
    return this.write(sessionId, 'setData', path, (txn) => this.setDataIn(txn, path, data, expectedVersion));
  }

  delete(sessionId: bigint, path: string, expectedVersion: number): void {
    this.write(sessionId, 'delete', path, (txn) => this.deleteIn(txn, path, expectedVersion));
  }

  multi(sessionId: bigint, ops: ZkOp[]): ZkOpResult[] {
    return this.write(sessionId, 'multi', undefined, (txn) => ops.map((op, i): ZkOpResult => {
      try {
        switch (op.op) {
          case 'create':
            return { op: 'create', path: this.createIn(txn, sessionId, op.path, op.data, op.mode ?? 'persistent') };
          case 'setData':
            return { op: 'setData', stat: this.setDataIn(txn, op.path, op.data, op.expectedVersion) };
          case 'check':
            this.checkIn(txn, op.path, op.expectedVersion);
            return { op: 'check' };
          case 'delete':
            this.deleteIn(txn, op.path, op.expectedVersion);
            return { op: 'delete' };
        }
      } catch (err) {
        if (!(err instanceof ZkError)) throw err;
        const ErrorClass = err.constructor as new (code: number, codeName: string, op: string, path: string | undefined) => ZkError;
        throw new ErrorClass(err.code, err.codeName, `multi[${i}].${op.op}`, op.path);
      }
    }));
  }

  getData(sessionId: bigint, path: string, watch: boolean): ZkNodeData {
    this.requireSession(sessionId, 'getData', path);
    const node = this.nodes.get(path);
    if (!node) throw new ZkNoNodeError(-101, 'NO_NODE', 'getData', path);
    if (watch) this.watch('data', path, sessionId);
    return { data: Buffer.from(node.data), stat: copyStat(node.stat) };
  }

  exists(sessionId: bigint, path: string, watch: boolean): ZkStat | null {
    this.requireSession(sessionId, 'exists', path);
    // A watch set by exists fires on creation when the znode is missing, on change or deletion when there.
    if (watch) this.watch('data', path, sessionId);
    const node = this.nodes.get(path);
    return node ? copyStat(node.stat) : null;
  }

  getChildren(sessionId: bigint, path: string, watch: boolean): string[] {
    this.requireSession(sessionId, 'getChildren', path);
    const node = this.nodes.get(path);
    if (!node) throw new ZkNoNodeError(-101, 'NO_NODE', 'getChildren', path);
    if (watch) this.watch('child', path, sessionId);
    return [...sortedChildren(node)];
  }

  /** A znode as it is now, seen from outside any session (no watch, no copy): for invariant checks. */
  peek(path: string): ZkPeekedNode | undefined {
    return this.nodes.get(path);
  }

  /** A znode's children's names, sorted (none for a missing znode), not to be changed: for invariant checks. */
  peekChildren(path: string): readonly string[] {
    const node = this.nodes.get(path);
    return node ? sortedChildren(node) : [];
  }

  private requireSession(sessionId: bigint, op: string, path: string | undefined): void {
    if (!this.sessions.has(sessionId)) throw new ZkSessionExpiredError(zkSessionExpiredCode, 'SESSION_EXPIRED', op, path);
  }

  private watch(kind: WatchKind, path: string, sessionId: bigint): void {
    const byPath = this.watches[kind];
    const watchers = byPath.get(path);
    if (watchers) watchers.add(sessionId);
    else byPath.set(path, new Set([sessionId]));
  }

  /** A write takes a zxid whether it applies or not (ZooKeeper logs an error txn for a refused one). */
  private write<T>(sessionId: bigint, op: string, path: string | undefined, apply: (txn: Txn) => T): T {
    this.requireSession(sessionId, op, path);
    const txn = this.begin();
    const result = apply(txn);
    this.commit(txn);
    return result;
  }

  private begin(): Txn {
    this.lastZxid++;
    return { zxid: this.lastZxid, nowMs: this.clock.nowMs(), changed: new Map(), events: [] };
  }

  private read(txn: Txn, path: string): Znode | undefined {
    return txn.changed.has(path) ? txn.changed.get(path) : this.nodes.get(path);
  }

  /** The znode as the txn will leave it, copied on first write so a failed multi leaves the tree untouched. */
  private writable(txn: Txn, path: string): Znode | undefined {
    const node = this.read(txn, path);
    if (!node) return undefined;
    if (!txn.changed.has(path)) {
      const copy: Znode = { data: node.data, stat: copyStat(node.stat), children: new Set(node.children), childrenCreated: node.childrenCreated, sortedChildren: undefined };
      txn.changed.set(path, copy);
      return copy;
    }
    return node;
  }

  private createIn(txn: Txn, sessionId: bigint, requested: string, data: Buffer | undefined, mode: ZkCreateMode): string {
    validatePath(requested, 'create');
    const parentName = parentPath(requested);
    const parent = this.writable(txn, parentName);
    if (!parent) throw new ZkNoNodeError(-101, 'NO_NODE', 'create', requested);
    const sequential = mode === 'persistent_sequential' || mode === 'ephemeral_sequential';
    const path = sequential ? `${requested}${String(parent.childrenCreated).padStart(10, '0')}` : requested;
    if (this.read(txn, path)) throw new ZkNodeExistsError(-110, 'NODE_EXISTS', 'create', path);
    if (parent.stat.ephemeralOwner !== 0n) throw new ZkError(noChildrenForEphemeralsCode, 'NO_CHILDREN_FOR_EPHEMERALS', 'create', path);
    const ephemeral = mode === 'ephemeral' || mode === 'ephemeral_sequential';
    const bytes = data === undefined ? Buffer.alloc(0) : Buffer.from(data);
    txn.changed.set(path, newZnode(bytes, newStat(txn.zxid, txn.nowMs, ephemeral ? sessionId : 0n, bytes.length)));
    parent.children.add(path.slice(parentName === '/' ? 1 : parentName.length + 1));
    parent.childrenCreated++;
    parent.stat.cversion++;
    parent.stat.pzxid = txn.zxid;
    parent.stat.numChildren = parent.children.size;
    txn.events.push({ type: 'created', path }, { type: 'childrenChanged', path: parentName });
    return path;
  }

  private setDataIn(txn: Txn, path: string, data: Buffer, expectedVersion: number): ZkStat {
    this.checkIn(txn, path, expectedVersion, 'setData');
    const node = this.writable(txn, path) as Znode;
    node.data = Buffer.from(data);
    node.stat.version++;
    node.stat.mzxid = txn.zxid;
    node.stat.mtimeMs = txn.nowMs;
    node.stat.dataLength = node.data.length;
    txn.events.push({ type: 'dataChanged', path });
    return copyStat(node.stat);
  }

  private checkIn(txn: Txn, path: string, expectedVersion: number, op = 'check'): Znode {
    const node = this.read(txn, path);
    if (!node) throw new ZkNoNodeError(-101, 'NO_NODE', op, path);
    if (expectedVersion !== ZK_MATCH_ANY_VERSION && expectedVersion !== node.stat.version) {
      throw new ZkBadVersionError(-103, 'BAD_VERSION', op, path);
    }
    return node;
  }

  private deleteIn(txn: Txn, path: string, expectedVersion: number): void {
    const node = this.checkIn(txn, path, expectedVersion, 'delete');
    if (node.children.size > 0) throw new ZkNotEmptyError(-111, 'NOT_EMPTY', 'delete', path);
    const parentName = parentPath(path);
    const parent = this.writable(txn, parentName) as Znode;
    txn.changed.set(path, undefined);
    parent.children.delete(path.slice(parentName === '/' ? 1 : parentName.length + 1));
    parent.stat.cversion++;
    parent.stat.pzxid = txn.zxid;
    parent.stat.numChildren = parent.children.size;
    txn.events.push({ type: 'deleted', path }, { type: 'childrenChanged', path: parentName });
  }

  /** Applies the txn's changes, then owes each watching session its notifications, in order. */
  private commit(txn: Txn): void {
    for (const [path, node] of txn.changed) {
      const before = this.nodes.get(path);
      if (before && before.stat.ephemeralOwner !== 0n) this.ephemerals.get(before.stat.ephemeralOwner)?.delete(path);
      if (node) this.nodes.set(path, node);
      else this.nodes.delete(path);
      if (node && node.stat.ephemeralOwner !== 0n) {
        const owned = this.ephemerals.get(node.stat.ephemeralOwner);
        if (owned) owned.add(path);
        else this.ephemerals.set(node.stat.ephemeralOwner, new Set([path]));
      }
    }
    for (const event of txn.events) {
      for (const kind of watchKindsFiredBy(event)) {
        const byPath = this.watches[kind];
        const watchers = byPath.get(event.path);
        if (!watchers) continue;
        byPath.delete(event.path);
        for (const sessionId of [...watchers].sort(compareBigint)) this.outbox.push({ sessionId, event });
      }
    }
  }
}

const dataKind: readonly WatchKind[] = ['data'];
const childKind: readonly WatchKind[] = ['child'];
const bothKinds: readonly WatchKind[] = ['data', 'child'];

/** ZooKeeper's watch triggers: data watches (getData, exists) and child watches (getChildren). */
function watchKindsFiredBy(event: ZkWatchEvent): readonly WatchKind[] {
  switch (event.type) {
    case 'created':
    case 'dataChanged':
      return dataKind;
    case 'childrenChanged':
      return childKind;
    case 'deleted':
      return bothKinds;
  }
}

function newZnode(data: Buffer, stat: ZkStat): Znode {
  return { data, stat, children: new Set(), childrenCreated: 0, sortedChildren: undefined };
}

function sortedChildren(node: Znode): string[] {
  node.sortedChildren ??= [...node.children].sort();
  return node.sortedChildren;
}

/** A field-by-field copy: a caller's stat is its own (an object spread costs several times more in Node 20). */
function copyStat(stat: ZkStat): ZkStat {
  return {
    version: stat.version, cversion: stat.cversion, aversion: stat.aversion, czxid: stat.czxid, mzxid: stat.mzxid, pzxid: stat.pzxid,
    ctimeMs: stat.ctimeMs, mtimeMs: stat.mtimeMs, ephemeralOwner: stat.ephemeralOwner, dataLength: stat.dataLength, numChildren: stat.numChildren,
  };
}

function newStat(zxid: bigint, nowMs: number, ephemeralOwner: bigint, dataLength: number): ZkStat {
  return {
    version: 0, cversion: 0, aversion: 0, czxid: zxid, mzxid: zxid, pzxid: zxid,
    ctimeMs: nowMs, mtimeMs: nowMs, ephemeralOwner, dataLength, numChildren: 0,
  };
}

function validatePath(path: string, op: string): void {
  if (!path.startsWith('/') || path === '/' || path.endsWith('/') || path.includes('//')) {
    throw new ZkError(-8, 'BAD_ARGUMENTS', op, path, 'invalid path');
  }
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
