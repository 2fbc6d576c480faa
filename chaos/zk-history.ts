/**
 * The znode history: ZooKeeper's transaction log read back, every change the ensemble agreed on
 * in zxid order, with the session that asked for it, including the multis it refused (logged as
 * error transactions: the refusal is history too), and what it shows of the controllers' fencing:
 * whether every write fenced by /controller_epoch landed from the session that had raised the
 * epoch it checked, so that no two controllers' decisions both land. The parsing and the check
 * are pure (ZooKeeper's FileTxnLog format: a header, then per transaction a checksum, its length,
 * its jute-serialized header and record, and an end-of-record byte); readEnsembleHistory reads a
 * local ensemble's logs. Only what Josef's checks read is decoded (create, delete, setData,
 * check, multi, error, sessions); other transactions keep their type.
 */
import * as fs from 'fs';
import * as path from 'path';

/** ZooKeeper's OpCode values that appear in a transaction log. */
const opCode = {
  create: 1, delete: 2, setData: 5, check: 13, multi: 14, create2: 15, createSession: -10, closeSession: -11, error: -1,
} as const;
const fileMagic = 0x5a4b4c47; // "ZKLG"
const fileHeaderBytes = 16;
const endOfRecord = 0x42; // 'B'

/** ZooKeeper's error codes a refused multi shows. */
export const zkErrorCode = { ok: 0, runtimeInconsistency: -2, noNode: -101, badVersion: -103, nodeExists: -110 } as const;

/**
 * A logged operation. ZooKeeper logs versions as they are after the transaction: a setData's is the
 * znode's new version, and a check's the version checked plus one (its checkAndIncVersion).
 */
export type ZkTxnOp =
  | { op: 'create'; path: string; data: Buffer; ephemeral: boolean }
  | { op: 'delete'; path: string }
  | { op: 'setData'; path: string; data: Buffer; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'error'; code: number }
  | { op: 'multi'; ops: ZkTxnOp[] }
  | { op: 'createSession'; timeoutMs: number }
  | { op: 'closeSession' }
  | { op: 'other'; type: number };

export interface ZkTxn {
  zxid: bigint;
  sessionId: bigint;
  cxid: number;
  timeMs: number;
  txn: ZkTxnOp;
}

/** Reads jute's big-endian primitives from a buffer, failing loudly past its end. */
class JuteReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  int(): number {
    this.need(4);
    const value = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  long(): bigint {
    this.need(8);
    const value = this.bytes.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  bool(): boolean {
    this.need(1);
    return this.bytes[this.offset++] !== 0;
  }

  buffer(): Buffer {
    const length = this.int();
    if (length < 0) return Buffer.alloc(0);
    this.need(length);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  string(): string {
    return this.buffer().toString('utf8');
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.bytes.length) throw new Error(`ZooKeeper transaction cut short: ${bytes} bytes wanted at ${this.offset} of ${this.bytes.length}`);
  }
}

function readOp(type: number, r: JuteReader): ZkTxnOp {
  switch (type) {
    case opCode.create:
    case opCode.create2: {
      const path = r.string();
      const data = r.buffer();
      const acls = r.int();
      for (let i = 0; i < acls; i++) {
        r.int();
        r.string();
        r.string();
      }
      return { op: 'create', path, data, ephemeral: r.bool() };
    }
    case opCode.delete:
      return { op: 'delete', path: r.string() };
    case opCode.setData:
      return { op: 'setData', path: r.string(), data: r.buffer(), version: r.int() };
    case opCode.check:
      return { op: 'check', path: r.string(), version: r.int() };
    case opCode.error:
      return { op: 'error', code: r.int() };
    case opCode.multi: {
      const count = r.int();
      const ops: ZkTxnOp[] = [];
      for (let i = 0; i < count; i++) {
        const subType = r.int();
        ops.push(readOp(subType, new JuteReader(r.buffer())));
      }
      return { op: 'multi', ops };
    }
    case opCode.createSession:
      return { op: 'createSession', timeoutMs: r.int() };
    case opCode.closeSession:
      return { op: 'closeSession' };
    default:
      return { op: 'other', type };
  }
}

/** The transactions of one log file, in the order logged; the zero-filled preallocated tail ends it. */
export function parseTxnLog(file: Buffer): ZkTxn[] {
  if (file.length < fileHeaderBytes || file.readInt32BE(0) !== fileMagic) throw new Error('not a ZooKeeper transaction log (no ZKLG header)');
  const txns: ZkTxn[] = [];
  let offset = fileHeaderBytes;
  while (offset + 12 <= file.length) {
    const length = file.readInt32BE(offset + 8);
    if (length <= 0 || offset + 12 + length + 1 > file.length) break;
    const body = file.subarray(offset + 12, offset + 12 + length);
    if (file[offset + 12 + length] !== endOfRecord) throw new Error(`ZooKeeper transaction log: no end-of-record mark after the transaction at byte ${offset}`);
    const r = new JuteReader(body);
    const sessionId = r.long();
    const cxid = r.int();
    const zxid = r.long();
    const timeMs = Number(r.long());
    const txn = readOp(r.int(), r);
    txns.push({ zxid, sessionId, cxid, timeMs, txn });
    offset += 12 + length + 1;
  }
  return txns;
}

/** Whether a transaction was refused: an error, or a multi whose ops are all errors (ZooKeeper logs a failed multi so). */
export function isRefused(t: ZkTxn): boolean {
  return t.txn.op === 'error' || (t.txn.op === 'multi' && t.txn.ops.length > 0 && t.txn.ops.every((o) => o.op === 'error'));
}

/** The paths a transaction changed (none for a refused one). */
export function changedPaths(t: ZkTxn): string[] {
  const of = (op: ZkTxnOp): string[] => {
    switch (op.op) {
      case 'create':
      case 'delete':
      case 'setData':
        return [op.path];
      case 'multi':
        return op.ops.flatMap(of);
      default:
        return [];
    }
  };
  return of(t.txn);
}

/** One line per transaction, as a person reads the history: `0x10000003f session 0x2… multi [check /x@3, setData /y@4 {...}]`. */
export function describeTxn(t: ZkTxn): string {
  const op = (o: ZkTxnOp): string => {
    switch (o.op) {
      case 'create': return `create${o.ephemeral ? ' ephemeral' : ''} ${o.path} ${o.data.toString('utf8')}`;
      case 'delete': return `delete ${o.path}`;
      case 'setData': return `setData ${o.path} (now version ${o.version}) ${o.data.toString('utf8')}`;
      case 'check': return `check ${o.path} is at version ${o.version - 1}`;
      case 'error': return `error ${o.code}`;
      case 'multi': return `multi [${o.ops.map(op).join('; ')}]`;
      case 'createSession': return `createSession ${o.timeoutMs} ms`;
      case 'closeSession': return 'closeSession';
      case 'other': return `op ${o.type}`;
    }
  };
  return `zxid 0x${t.zxid.toString(16)} session 0x${t.sessionId.toString(16)}: ${isRefused(t) ? 'REFUSED ' : ''}${op(t.txn)}`;
}

/**
 * Every transaction the nodes of a local ensemble logged (`zkDir/node-N/version-2/log.*`), each
 * once, in zxid order: a node that was down or cut off for a while lacks some, and another has them.
 */
export function readEnsembleHistory(zkDir: string): ZkTxn[] {
  const byZxid = new Map<bigint, ZkTxn>();
  for (const node of fs.readdirSync(zkDir).filter((n) => n.startsWith('node-'))) {
    const logDir = path.join(zkDir, node, 'version-2');
    if (!fs.existsSync(logDir)) continue;
    for (const file of fs.readdirSync(logDir).filter((f) => f.startsWith('log.'))) {
      for (const txn of parseTxnLog(fs.readFileSync(path.join(logDir, file)))) byZxid.set(txn.zxid, txn);
    }
  }
  return [...byZxid.values()].sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
}

/** A controller epoch as ZooKeeper recorded it: /controller_epoch's znode version and the session that raised it. */
export interface ControllerEpoch {
  version: number;
  session: bigint;
  zxid: bigint;
}

export interface ControllerFencing {
  epochs: ControllerEpoch[];
  /** Writes that landed with a check of /controller_epoch. */
  fencedWrites: number;
  /** Of those, the ones from a session other than the one that had raised the epoch they checked: two controllers' decisions both landing. */
  unfenced: ZkTxn[];
}

/**
 * Who raised each controller epoch (the multi that creates /controller also creates or sets
 * /controller_epoch), and whether each write checked against an epoch came from the session that
 * raised it. ZooKeeper's check alone guarantees that the epoch checked was current; this also
 * shows that only its controller wrote under it.
 */
export function controllerFencing(history: readonly ZkTxn[], epochPath: string): ControllerFencing {
  const owners = new Map<number, ControllerEpoch>();
  let fencedWrites = 0;
  const unfenced: ZkTxn[] = [];
  for (const t of history) {
    if (isRefused(t)) continue;
    const ops = t.txn.op === 'multi' ? t.txn.ops : [t.txn];
    for (const op of ops) {
      if (op.op === 'create' && op.path === epochPath) owners.set(0, { version: 0, session: t.sessionId, zxid: t.zxid });
      if (op.op === 'setData' && op.path === epochPath) owners.set(op.version, { version: op.version, session: t.sessionId, zxid: t.zxid });
    }
    const check = ops.find((op): op is Extract<ZkTxnOp, { op: 'check' }> => op.op === 'check' && op.path === epochPath);
    if (!check) continue;
    fencedWrites++;
    // A check is logged with the version it checked plus one.
    if (owners.get(check.version - 1)?.session !== t.sessionId) unfenced.push(t);
  }
  return { epochs: [...owners.values()].sort((a, b) => a.version - b.version), fencedWrites, unfenced };
}
