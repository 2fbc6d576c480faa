/**
 * ZooKeeper's multiRead (ZooKeeper 3.6+, OpCode.multiRead = 22) on the wire, which
 * node-zookeeper-client 1.1 does not know: one request carrying many getData ops, one reply with
 * each op's data and stat or its error, in the ops' order. Pure encoding and decoding of ZooKeeper's
 * jute records (MultiOperationRecord, MultiHeader, GetDataRequest; MultiResponse, GetDataResponse,
 * ErrorResponse, Stat); zk-library.ts puts the request on the library's connection.
 */
import type { ZkStat } from './zk-types';

export const multiReadOpCode = 22;
const getDataOpCode = 4;
/** A MultiResponse entry of this type carries an ErrorResponse: the op failed (e.g. NONODE). */
const errorOpCode = -1;

/** A MultiHeader: the op's type (int), done (boolean), err (int). */
const multiHeaderBytes = 4 + 1 + 4;
/** A Stat: czxid, mzxid, ctime, mtime (long), version, cversion, aversion (int), ephemeralOwner (long), dataLength, numChildren (int), pzxid (long). */
const statBytes = 8 * 4 + 4 * 3 + 8 + 4 * 2 + 8;

/** One getData op of a multiRead: the znode's bytes (empty when it holds none) and stat, or ZooKeeper's error code. */
export type MultiReadResult = { data: Buffer; stat: ZkStat } | { errorCode: number };

/**
 * The length of a MultiOperationRecord of getData ops on `paths` (as the server sees them, with
 * any chroot): per op a MultiHeader and a GetDataRequest (path as a jute ustring, watch), then the
 * closing MultiHeader.
 */
export function multiReadRequestBytes(paths: readonly string[]): number {
  let bytes = multiHeaderBytes;
  for (const path of paths) bytes += multiHeaderBytes + 4 + Buffer.byteLength(path) + 1;
  return bytes;
}

/**
 * Writes the MultiOperationRecord at `offset` (multiReadRequestBytes long) and returns the offset
 * after it. Every op is a getData without a watch: ZooKeeper's Op.getData sets none, and a
 * multiRead cannot ask for one.
 */
export function writeMultiReadRequest(paths: readonly string[], buffer: Buffer, offset: number): number {
  let at = offset;
  const header = (type: number, done: boolean): void => {
    at = buffer.writeInt32BE(type, at);
    at = buffer.writeUInt8(done ? 1 : 0, at);
    at = buffer.writeInt32BE(-1, at);
  };
  for (const path of paths) {
    header(getDataOpCode, false);
    const length = buffer.write(path, at + 4, 'utf8');
    buffer.writeInt32BE(length, at);
    at += 4 + length;
    at = buffer.writeUInt8(0, at);
  }
  header(-1, true);
  return at;
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
