/**
 * ZooKeeper's multi requests on the wire, encoded here rather than by node-zookeeper-client: a
 * multi (OpCode.multi = 14) of create, setData, check and delete ops, which the library's jute
 * serialized at about 1.2 ms each for a new topic's 50 partitions, 5 times our cost; and multiRead
 * (ZooKeeper 3.6+, OpCode.multiRead = 22), which the library does not know: one request carrying
 * many getData ops, one reply with each op's data and stat or its error, in the ops' order. Pure
 * encoding and decoding of ZooKeeper's jute records (MultiOperationRecord, MultiHeader,
 * CreateRequest, SetDataRequest, CheckVersionRequest, DeleteRequest, GetDataRequest, ACL;
 * MultiResponse, GetDataResponse, ErrorResponse, Stat); zk-library.ts puts the requests on the
 * library's connection, and the library still reads a multi's reply.
 */
import type { ZkAcl } from './zk-acls';
import type { ZkStat } from './zk-types';

export const multiOpCode = 14;
export const multiReadOpCode = 22;
const createOpCode = 1;
export const deleteOpCode = 2;
const getDataOpCode = 4;
const setDataOpCode = 5;
const checkOpCode = 13;
/** A MultiResponse entry of this type carries an ErrorResponse: the op failed (e.g. NONODE). */
const errorOpCode = -1;

/** A MultiHeader: the op's type (int), done (boolean), err (int). */
const multiHeaderBytes = 4 + 1 + 4;
/** A Stat: czxid, mzxid, ctime, mtime (long), version, cversion, aversion (int), ephemeralOwner (long), dataLength, numChildren (int), pzxid (long). */
const statBytes = 8 * 4 + 4 * 3 + 8 + 4 * 2 + 8;

/**
 * One op of a multi as the server sees it: paths with any chroot, a create's mode as ZooKeeper's
 * CreateMode flags and its ACL, versions as given (-1: any).
 */
export type MultiWireOp =
  | { op: 'create'; path: string; data: Buffer | undefined; acls: readonly ZkAcl[]; flags: number }
  | { op: 'setData'; path: string; data: Buffer; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'delete'; path: string; version: number };

/** One getData op of a multiRead: the znode's bytes (empty when it holds none) and stat, or ZooKeeper's error code. */
export type MultiReadResult = { data: Buffer; stat: ZkStat } | { errorCode: number };

/** Writes jute's records one after the other into a buffer sized beforehand. */
class JuteWriter {
  at: number;
  constructor(readonly buffer: Buffer, offset: number) {
    this.at = offset;
  }

  int(value: number): void {
    this.at = this.buffer.writeInt32BE(value, this.at);
  }

  bool(value: boolean): void {
    this.at = this.buffer.writeUInt8(value ? 1 : 0, this.at);
  }

  /** A ustring: its UTF-8 length, then its bytes. */
  string(value: string): void {
    const length = this.buffer.write(value, this.at + 4, 'utf8');
    this.int(length);
    this.at += length;
  }

  /** A buffer: its length, then its bytes; -1 for none (ZooKeeper's null). */
  bytes(value: Buffer | undefined): void {
    if (value === undefined) {
      this.int(-1);
      return;
    }
    this.int(value.length);
    this.at += value.copy(this.buffer, this.at);
  }

  multiHeader(type: number, done: boolean): void {
    this.int(type);
    this.bool(done);
    this.int(-1);
  }
}

const stringBytes = (value: string): number => 4 + Buffer.byteLength(value);

function opBytes(op: MultiWireOp): number {
  const path = multiHeaderBytes + stringBytes(op.path);
  switch (op.op) {
    case 'create':
      return path + 4 + (op.data?.length ?? 0) + 4 + op.acls.reduce((n, acl) => n + 4 + stringBytes(acl.scheme) + stringBytes(acl.id), 0) + 4;
    case 'setData':
      return path + 4 + op.data.length + 4;
    case 'check':
    case 'delete':
      return path + 4;
  }
}

/** The length of a multi's MultiOperationRecord: per op a MultiHeader and its request record, then the closing MultiHeader. */
export function multiRequestBytes(ops: readonly MultiWireOp[]): number {
  return ops.reduce((n, op) => n + opBytes(op), multiHeaderBytes);
}

/** Writes a multi's MultiOperationRecord at `offset` (multiRequestBytes long); returns the offset after it. */
export function writeMultiRequest(ops: readonly MultiWireOp[], buffer: Buffer, offset: number): number {
  const out = new JuteWriter(buffer, offset);
  for (const op of ops) {
    switch (op.op) {
      case 'create':
        out.multiHeader(createOpCode, false);
        out.string(op.path);
        out.bytes(op.data);
        out.int(op.acls.length);
        for (const acl of op.acls) {
          out.int(acl.perms);
          out.string(acl.scheme);
          out.string(acl.id);
        }
        out.int(op.flags);
        break;
      case 'setData':
        out.multiHeader(setDataOpCode, false);
        out.string(op.path);
        out.bytes(op.data);
        out.int(op.version);
        break;
      case 'check':
      case 'delete':
        out.multiHeader(op.op === 'check' ? checkOpCode : deleteOpCode, false);
        out.string(op.path);
        out.int(op.version);
        break;
    }
  }
  out.multiHeader(-1, true);
  return out.at;
}

/**
 * The length of a multiRead's MultiOperationRecord of getData ops on `paths` (as the server sees
 * them, with any chroot): per op a MultiHeader and a GetDataRequest (path, watch), then the
 * closing MultiHeader.
 */
export function multiReadRequestBytes(paths: readonly string[]): number {
  return paths.reduce((n, path) => n + multiHeaderBytes + stringBytes(path) + 1, multiHeaderBytes);
}

/**
 * Writes the multiRead's MultiOperationRecord at `offset` (multiReadRequestBytes long) and returns
 * the offset after it. Every op is a getData without a watch: ZooKeeper's Op.getData sets none,
 * and a multiRead cannot ask for one.
 */
export function writeMultiReadRequest(paths: readonly string[], buffer: Buffer, offset: number): number {
  const out = new JuteWriter(buffer, offset);
  for (const path of paths) {
    out.multiHeader(getDataOpCode, false);
    out.string(path);
    out.bool(false);
  }
  out.multiHeader(-1, true);
  return out.at;
}

function readStat(buffer: Buffer, offset: number): ZkStat {
  return {
    czxid: buffer.readBigUInt64BE(offset),
    mzxid: buffer.readBigUInt64BE(offset + 8),
    ctimeMs: Number(buffer.readBigInt64BE(offset + 16)),
    mtimeMs: Number(buffer.readBigInt64BE(offset + 24)),
    version: buffer.readInt32BE(offset + 32),
    cversion: buffer.readInt32BE(offset + 36),
    aversion: buffer.readInt32BE(offset + 40),
    ephemeralOwner: buffer.readBigUInt64BE(offset + 44),
    dataLength: buffer.readInt32BE(offset + 52),
    numChildren: buffer.readInt32BE(offset + 56),
    pzxid: buffer.readBigUInt64BE(offset + 60),
  };
}

/**
 * Reads the MultiResponse that starts at `offset` (after the ReplyHeader) up to its closing
 * MultiHeader (done). Each entry's data is copied out, so the results keep nothing of `buffer`
 * alive. Throws on an entry that is neither a getData result nor an error, or one that runs past
 * the buffer: the reply does not answer a multiRead of getData ops.
 */
export function decodeMultiReadResponse(buffer: Buffer, offset: number): MultiReadResult[] {
  const results: MultiReadResult[] = [];
  let at = offset;
  const need = (bytes: number): void => {
    if (at + bytes > buffer.length) throw new Error(`multiRead reply cut short: ${bytes} bytes needed at ${at} of ${buffer.length}`);
  };
  for (;;) {
    need(multiHeaderBytes);
    const type = buffer.readInt32BE(at);
    const done = buffer.readUInt8(at + 4) !== 0;
    at += multiHeaderBytes;
    if (done) return results;
    if (type === errorOpCode) {
      need(4);
      results.push({ errorCode: buffer.readInt32BE(at) });
      at += 4;
    } else if (type === getDataOpCode) {
      need(4);
      const length = buffer.readInt32BE(at);
      at += 4;
      const dataBytes = Math.max(length, 0);
      need(dataBytes + statBytes);
      const data = Buffer.from(buffer.subarray(at, at + dataBytes));
      at += dataBytes;
      results.push({ data, stat: readStat(buffer, at) });
      at += statBytes;
    } else {
      throw new Error(`multiRead reply holds an entry of type ${type}, not getData (${getDataOpCode}) or error (${errorOpCode})`);
    }
  }
}
