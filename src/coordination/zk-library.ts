/**
 * The adapter to node-zookeeper-client: its create modes, watch events, stats (64-bit fields as
 * 8-byte buffers) and multi results converted to and from Josef's ZooKeeper value types, and the
 * one place that reaches into the library's internals (to abandon a disconnected client, to keep
 * a multi's expected version 0 from meaning "any", to give it the Java client's read timeout, to
 * send the requests of one event-loop turn in one socket write, and to hand it one reply at a time).
 */
import type { Socket } from 'net';
import type { Writable } from 'stream';
import zookeeper from 'node-zookeeper-client';
import type { ACL as LibraryAcl, Client, Event as LibraryEvent, Stat } from 'node-zookeeper-client';
import type { ZkAcl } from './zk-acls';
import {
  decodeMultiReadResponse, deleteOpCode, multiOpCode, multiReadOpCode, multiReadRequestBytes, multiRequestBytes, writeMultiReadRequest, writeMultiRequest,
  type MultiReadResult, type MultiWireOp,
} from './zk-multi-wire';
import type { ZkCreateMode, ZkOp, ZkOpResult, ZkStat, ZkWatchEvent, ZkWatchEventType } from './zk-types';

export const libraryCreateMode: Record<ZkCreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

const watchEventType = new Map<number, ZkWatchEventType>([
  [zookeeper.Event.NODE_CREATED, 'created'],
  [zookeeper.Event.NODE_DELETED, 'deleted'],
  [zookeeper.Event.NODE_DATA_CHANGED, 'dataChanged'],
  [zookeeper.Event.NODE_CHILDREN_CHANGED, 'childrenChanged'],
]);

/** A znode watch event, or undefined for the library's session-state notifications. */
export function toZkWatchEvent(event: LibraryEvent): ZkWatchEvent | undefined {
  const type = watchEventType.get(event.getType());
  return type === undefined ? undefined : { type, path: event.getPath() };
}

function u64(buffer: Buffer): bigint {
  return buffer.readBigUInt64BE(0);
}

function i64AsNumber(buffer: Buffer): number {
  return Number(buffer.readBigInt64BE(0));
}

export function toZkStat(stat: Stat): ZkStat {
  return {
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    czxid: u64(stat.czxid),
    mzxid: u64(stat.mzxid),
    pzxid: u64(stat.pzxid),
    ctimeMs: i64AsNumber(stat.ctime),
    mtimeMs: i64AsNumber(stat.mtime),
    ephemeralOwner: u64(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}

export function toLibraryAcls(acls: readonly ZkAcl[]): LibraryAcl[] {
  return acls.map((acl) => new zookeeper.ACL(acl.perms, new zookeeper.Id(acl.scheme, acl.id)));
}

/** The library's ACL keeps its bits in `permission`, not the `perms` its type declarations name. */
export function toZkAcls(acls: LibraryAcl[]): ZkAcl[] {
  return acls.map((acl) => ({ perms: (acl as unknown as { permission: number }).permission, scheme: acl.id.scheme, id: acl.id.id }));
}

/** One entry of node-zookeeper-client's multi results; `err` is set when the multi failed. */
export interface LibraryOpResult {
  err?: number;
  path?: string;
  stat?: Stat;
}

/** Pairs each op with its result, by position, as ZooKeeper answers a multi. */
export function toZkOpResults(ops: ZkOp[], results: LibraryOpResult[]): ZkOpResult[] {
  return ops.map((op, i): ZkOpResult => {
    const result = results[i] ?? {};
    switch (op.op) {
      case 'create':
        return { op: 'create', path: result.path ?? op.path };
      case 'setData':
        if (!result.stat) throw new Error(`multi: no stat in the result of setData ${op.path}`);
        return { op: 'setData', stat: toZkStat(result.stat) };
      case 'check':
        return { op: 'check' };
      case 'delete':
        return { op: 'delete' };
    }
  });
}

/** The parts of node-zookeeper-client's ConnectionManager that this file reaches into. */
interface ConnectionManagerInternals {
  socket?: Socket;
  /** With a chroot, every path the server sees starts with it. */
  chrootPath?: string;
  /** Requests sent and not yet answered, in order: ZooKeeper answers a session's requests in the order sent. */
  pendingQueue: { request: unknown }[];
  queue(request: unknown, callback: (error: unknown, response?: unknown) => void): void;
  /** The start of a reply not yet whole, kept between its socket reads. */
  pendingBuffer: Buffer | null;
  connectTimeoutHandler?: ReturnType<typeof setTimeout> | null;
  /** The negotiated session timeout once connected. */
  sessionTimeout: number;
  onSocketConnected(): void;
}

function connectionManager(library: Client): ConnectionManagerInternals {
  return (library as unknown as { connectionManager: ConnectionManagerInternals }).connectionManager;
}

/**
 * Stops a library client that is between connections. node-zookeeper-client 1.1.3 has no way to:
 * its close() queues a close-session request and, should a server answer the next attempt, reads
 * the handshake reply as that request's and throws from a socket handler (crashing the process).
 * So: any connection it still makes is dropped at once, and with the client closing, the closed
 * socket ends it instead of starting another attempt.
 */
export function abandonDisconnected(library: Client): void {
  const manager = connectionManager(library);
  manager.onSocketConnected = function dropConnection(this: ConnectionManagerInternals): void {
    if (this.connectTimeoutHandler) clearTimeout(this.connectTimeoutHandler);
    this.socket?.destroy();
  };
  library.close();
  manager.socket?.destroy();
}

/**
 * ZooKeeper's Java client closes a connection on which the server has said nothing for two thirds
 * of the session timeout (ClientCnxn's readTimeout: "have not heard from server in N ms, closing
 * socket connection and attempting reconnect"); node-zookeeper-client 1.1 has the line commented
 * out, so a frozen server (SIGSTOP, a stalled JVM) kept its clients "connected" for ever, their
 * requests unanswered. It pings after a third of the session timeout without traffic, so a live
 * server always speaks within two thirds. Call once the library is connected: it watches that
 * connection's socket, destroys it when silent too long (the library then reports DISCONNECTED,
 * fails the requests sent on it with CONNECTION_LOSS and tries the next server), and tells
 * `onSilent` first. Returns the function that stops watching.
 */
export function closeWhenSilent(library: Client, onSilent: (silentMs: number, server: string) => void): () => void {
  const manager = connectionManager(library);
  const socket = manager.socket;
  if (socket === undefined) return () => undefined;
  const readTimeoutMs = Math.floor((manager.sessionTimeout * 2) / 3);
  let lastReadMs = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const onData = (): void => {
    lastReadMs = Date.now();
  };
  const check = (): void => {
    // After an event-loop stall, bytes that arrived meanwhile are read (poll phase) before setImmediate runs.
    setImmediate(() => {
      if (stopped) return;
      const silentMs = Date.now() - lastReadMs;
      if (silentMs < readTimeoutMs) {
        schedule(readTimeoutMs - silentMs);
        return;
      }
      stop();
      onSilent(silentMs, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
      socket.destroy();
    });
  };
  const schedule = (delayMs: number): void => {
    timer = setTimeout(check, delayMs);
    timer.unref();
  };
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    socket.off('data', onData);
  };
  socket.on('data', onData);
  schedule(readTimeoutMs);
  return stop;
}

/**
 * Holds what `stream` is given in one event-loop turn and writes it at once (cork, then uncork in
 * the turn's check phase): node-zookeeper-client writes every request by itself, one system call
 * each, which was a sixth of a new controller's CPU while it read and wrote thousands of state
 * znodes (the Java client also sends what is queued in one write). Returns the function that stops.
 */
export function writePerTurn(stream: Pick<Writable, 'write' | 'cork' | 'uncork'>): () => void {
  const write = stream.write;
  let flush: NodeJS.Immediate | undefined;
  const uncork = (): void => {
    flush = undefined;
    stream.uncork();
  };
  stream.write = function corkedWrite(this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (flush === undefined) {
      stream.cork();
      flush = setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Writable['write'];
  return () => {
    stream.write = write;
    if (flush === undefined) return;
    clearImmediate(flush);
    uncork();
  };
}

/**
 * Splits a stream of ZooKeeper frames (a 4-byte big-endian length, then that many bytes) into
 * whole frames, each passed to `onFrame` by itself; `carry` is the start of a frame already read.
 * A frame read in pieces is joined once, when whole.
 */
export function frameSplitter(onFrame: (frame: Buffer) => void, carry: Buffer | null = null): (chunk: Buffer) => void {
  let pending: Buffer | null = carry;
  return (chunk) => {
    const buffer = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const end = offset + 4 + buffer.readInt32BE(offset);
      if (end > buffer.length) break;
      onFrame(buffer.subarray(offset, end));
      offset = end;
    }
    pending = offset === buffer.length ? null : buffer.subarray(offset);
  };
}

/**
 * The library's reply reader copies everything after a reply to a new buffer before it reads the
 * next, so a socket read of n replies cost n copies of what was left (quadratic: a twentieth of a
 * new controller's CPU at 5,000 partitions). Given one whole reply at a time it copies nothing.
 * Call between socket reads: what the library then holds is the start of one reply, which the
 * splitter takes over. The library's own listener is the socket's first, added when it made the socket.
 */
function readRepliesOneByOne(manager: ConnectionManagerInternals, socket: Socket): void {
  const libraryOnData = socket.listeners('data')[0] as ((chunk: Buffer) => void) | undefined;
  if (libraryOnData === undefined) return;
  const carry = manager.pendingBuffer;
  manager.pendingBuffer = null;
  socket.off('data', libraryOnData);
  // As the library's own reader, nothing more is read from a socket it destroyed (a reply out of order).
  socket.prependListener('data', frameSplitter((frame) => {
    if (socket.destroyed) return;
    takeMultiReadReply(manager, frame);
    libraryOnData.call(socket, frame);
  }, carry));
}


/** A reply frame: its length (int), then the ReplyHeader: xid (int), zxid (long), err (int). */
const replyHeaderEnd = 4 + 4 + 8 + 4;

/**
 * A request encoded here (zk-multi-wire.ts), as node-zookeeper-client's ConnectionManager queues
 * one: it gives the header its xid, writes what toBuffer returns, pairs the reply with it by xid,
 * in order, and decodes the reply by the header's type. A multi's reply the library reads itself.
 * It knows no multiRead: the header tells it DELETE, whose successful reply has no body for it to
 * read, and readRepliesOneByOne, which sees every reply first, decodes the body (takeMultiReadReply).
 */
class EncodedRequest {
  readonly header: { xid: number; type: number };
  /** A multiRead's reply, set before the library calls back. */
  reply: MultiReadResult[] | Error | undefined;

  constructor(
    readonly opCode: number,
    private readonly bodyBytes: number,
    private readonly writeBody: (buffer: Buffer, offset: number) => void,
  ) {
    // ZooKeeper's OpCode.delete: the type node-zookeeper-client is told a multiRead has.
    this.header = { xid: 0, type: opCode === multiReadOpCode ? deleteOpCode : opCode };
  }

  /** The whole frame: its length, the RequestHeader (xid, op code), the body. */
  toBuffer(): Buffer {
    const buffer = Buffer.allocUnsafe(4 + 8 + this.bodyBytes);
    let at = buffer.writeInt32BE(8 + this.bodyBytes, 0);
    at = buffer.writeInt32BE(this.header.xid, at);
    at = buffer.writeInt32BE(this.opCode, at);
    this.writeBody(buffer, at);
    return buffer;
  }
}

/** A path as the server sees it: with the connect string's chroot, if any. */
function serverPath(manager: ConnectionManagerInternals, path: string): string {
  const chroot = manager.chrootPath;
  if (!chroot) return path;
  return path === '/' ? chroot : chroot + path;
}

/** Decodes `frame` into the multiRead it answers, if it answers the oldest request sent and that is one. */
function takeMultiReadReply(manager: ConnectionManagerInternals, frame: Buffer): void {
  const oldest = manager.pendingQueue[0]?.request;
  if (!(oldest instanceof EncodedRequest) || oldest.opCode !== multiReadOpCode) return;
  if (frame.length < replyHeaderEnd || frame.readInt32BE(4) !== oldest.header.xid) return;
  // An error (err != 0) has no body: the library reports it as for any request.
  if (frame.readInt32BE(16) !== 0) return;
  try {
    oldest.reply = decodeMultiReadResponse(frame, replyHeaderEnd);
  } catch (err) {
    oldest.reply = err as Error;
  }
}

/**
 * Sends a multiRead of getData ops on `paths` (relative to the chroot, as every path Josef names)
 * on the library's connection, in order with its other requests. `done` gets each op's result, or
 * the library's error for the whole request (CONNECTION_LOSS, UNIMPLEMENTED from a server before
 * ZooKeeper 3.6). Needs streamlineConnection on every connection: without it no reply is decoded.
 */
export function queueMultiRead(library: Client, paths: readonly string[], done: (error: unknown, results?: MultiReadResult[]) => void): void {
  const manager = connectionManager(library);
  const onServer = paths.map((path) => serverPath(manager, path));
  const request = new EncodedRequest(multiReadOpCode, multiReadRequestBytes(onServer), (buffer, offset) => writeMultiReadRequest(onServer, buffer, offset));
  manager.queue(request, (error) => {
    if (error) done(error);
    else if (request.reply instanceof Error) done(request.reply);
    else if (request.reply === undefined) done(new Error('multiRead answered without a reply read (the connection was not streamlined)'));
    else done(null, request.reply);
  });
}

/**
 * Sends a multi of `ops` on the library's connection, encoded here (the library's own Transaction
 * serialized a new topic's multis at five times the CPU), each create with the ACL `aclsFor`
 * gives its path. `done` gets the library's error for the whole request (CONNECTION_LOSS...) or
 * every op's result, in which a failed multi's failing op has its error code in `err`.
 */
export function queueMulti(library: Client, ops: readonly ZkOp[], aclsFor: (path: string) => readonly ZkAcl[], done: (error: unknown, results?: LibraryOpResult[]) => void): void {
  const manager = connectionManager(library);
  const onServer = ops.map((op): MultiWireOp => {
    const path = serverPath(manager, op.path);
    switch (op.op) {
      case 'create':
        return { op: 'create', path, data: op.data, acls: aclsFor(op.path), flags: libraryCreateMode[op.mode ?? 'persistent'] };
      case 'setData':
        return { op: 'setData', path, data: op.data, version: op.expectedVersion };
      case 'check':
      case 'delete':
        return { op: op.op, path, version: op.expectedVersion };
    }
  });
  const request = new EncodedRequest(multiOpCode, multiRequestBytes(onServer), (buffer, offset) => writeMultiRequest(onServer, buffer, offset));
  manager.queue(request, (error, response) => {
    if (error) done(error);
    else done(null, (response as { payload: { results: LibraryOpResult[] } }).payload.results);
  });
}

/**
 * The library's current connection streamlined (call once connected): the requests of one turn in
 * one write (writePerTurn), and, from the next turn (the library may be amid a read when it says
 * it is connected), the replies read one by one (readRepliesOneByOne). Returns the function that
 * stops writing per turn.
 */
export function streamlineConnection(library: Client): () => void {
  const manager = connectionManager(library);
  const socket = manager.socket;
  if (socket === undefined) return () => undefined;
  const stopWriting = writePerTurn(socket);
  const later = setImmediate(() => {
    if (manager.socket === socket && !socket.destroyed) readRepliesOneByOne(manager, socket);
  });
  return () => {
    clearImmediate(later);
    stopWriting();
  };
}
