/**
 * The value types ZkClient hands out and takes: a znode's stat and data, create modes, watch
 * events, and multi ops with their results. 64-bit ZooKeeper fields (zxids, session ids) are bigint.
 */

export interface ZkStat {
  /** The data version: the zkVersion that conditional writes name. */
  version: number;
  /** The children version. */
  cversion: number;
  aversion: number;
  /** Zxid of the znode's creation; a broker's /brokers/ids/<id> czxid is its broker epoch. */
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctimeMs: number;
  mtimeMs: number;
  /** Session id of the owner for an ephemeral znode, 0 for a persistent one. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
}

export type ZkCreateMode = 'persistent' | 'persistent_sequential' | 'ephemeral' | 'ephemeral_sequential';

export type ZkOp =
  | { op: 'create'; path: string; data?: Buffer; mode?: ZkCreateMode }
  | { op: 'setData'; path: string; data: Buffer; expectedVersion: number }
  | { op: 'check'; path: string; expectedVersion: number }
  | { op: 'delete'; path: string; expectedVersion: number };

export type ZkOpResult =
  | { op: 'create'; path: string }
  | { op: 'setData'; stat: ZkStat }
  | { op: 'check' }
  | { op: 'delete' };

export interface ZkNodeData {
  /** The znode's bytes; empty when it holds none. */
  data: Buffer;
  stat: ZkStat;
}

export type ZkWatchEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
export interface ZkWatchEvent {
  type: ZkWatchEventType;
  /** Relative to the chroot, like every path ZkClient takes. */
  path: string;
}
/** One-shot, as in ZooKeeper: it fires at most once; set it again by reading again. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

export interface ZkClientEvents {
  /** A connection is up; `newSession` is true for the first one and after every expiry. */
  connected: [sessionId: bigint, newSession: boolean];
  /** The connection dropped; the session lives on until its timeout passes without a reconnect. */
  disconnected: [];
  /** The session is gone with all its ephemeral znodes and watches; a new one is being opened. */
  expired: [expiredSessionId: bigint];
}
