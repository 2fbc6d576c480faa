import zookeeper from 'node-zookeeper-client';
import { OPEN_ACL_UNSAFE, ZkPerms } from '../../../src/coordination/zk-acls';
import {
  decodeMultiReadResponse, multiReadRequestBytes, multiRequestBytes, writeMultiReadRequest, writeMultiRequest, type MultiWireOp,
} from '../../../src/coordination/zk-multi-wire';
import type { ZkStat } from '../../../src/coordination/zk-types';

/** node-zookeeper-client's own serializer of a multi's ops (its Transaction's), which zk-multi-wire.ts replaces. */
interface LibraryJute {
  TransactionRequest: new (ops: unknown[]) => { setChrootPath(path: string): void; byteLength(): number; serialize(buffer: Buffer, offset: number): number };
}
const libraryJute = require('node-zookeeper-client/lib/jute') as LibraryJute;

/** Jute's primitives, written out one by one as ZooKeeper's BinaryOutputArchive does, to check the encoder against. */
const jute = {
  int: (value: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return b;
  },
  long: (value: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(value);
    return b;
  },
  bool: (value: boolean): Buffer => Buffer.from([value ? 1 : 0]),
  /** A ustring or buffer: its length (-1 for none), then its bytes. */
  bytes: (value: Buffer | undefined): Buffer => (value === undefined ? jute.int(-1) : Buffer.concat([jute.int(value.length), value])),
  multiHeader: (type: number, done: boolean, err: number): Buffer => Buffer.concat([jute.int(type), jute.bool(done), jute.int(err)]),
  stat: (s: ZkStat): Buffer => Buffer.concat([
    jute.long(s.czxid), jute.long(s.mzxid), jute.long(BigInt(s.ctimeMs)), jute.long(BigInt(s.mtimeMs)),
    jute.int(s.version), jute.int(s.cversion), jute.int(s.aversion), jute.long(s.ephemeralOwner),
    jute.int(s.dataLength), jute.int(s.numChildren), jute.long(s.pzxid),
  ]),
};

const stat: ZkStat = {
  czxid: 0x1_0000_0002n, mzxid: 0x3_0000_0004n, ctimeMs: 1_765_000_000_123, mtimeMs: 1_765_000_000_456,
  version: 7, cversion: 2, aversion: 0, ephemeralOwner: 0x7fff_0000_0000_0001n, dataLength: 5, numChildren: 1, pzxid: 0x5_0000_0006n,
};

describe('multiRead request (MultiOperationRecord of getData ops)', () => {
  it('is a MultiHeader and a GetDataRequest without a watch per path, then the closing MultiHeader', () => {
    const paths = ['/brokers/topics/t/partitions/0/state', '/é'];
    const expected = Buffer.concat([
      ...paths.flatMap((path) => [jute.multiHeader(4, false, -1), jute.bytes(Buffer.from(path, 'utf8')), jute.bool(false)]),
      jute.multiHeader(-1, true, -1),
    ]);
    expect(multiReadRequestBytes(paths)).toBe(expected.length);
    const buffer = Buffer.alloc(3 + expected.length + 2, 0xee);
    expect(writeMultiReadRequest(paths, buffer, 3)).toBe(3 + expected.length);
    expect(buffer.subarray(3, 3 + expected.length)).toEqual(expected);
    // Nothing written outside its place.
    expect([...buffer.subarray(0, 3), ...buffer.subarray(3 + expected.length)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('of no paths is the closing MultiHeader alone', () => {
    const buffer = Buffer.alloc(multiReadRequestBytes([]));
    writeMultiReadRequest([], buffer, 0);
    expect(buffer).toEqual(jute.multiHeader(-1, true, -1));
  });
});

describe('multi request (MultiOperationRecord of write ops)', () => {
  it('is byte for byte what node-zookeeper-client\'s Transaction sends, chroot and ACLs included', () => {
    const chroot = '/josef-é';
    const acls = [{ perms: ZkPerms.all, scheme: 'auth', id: '' }, { perms: ZkPerms.read, scheme: 'world', id: 'anyone' }];
    const state = Buffer.from('{"leader":1}');
    const ops: MultiWireOp[] = [
      { op: 'check', path: '/controller_epoch', version: 0 },
      { op: 'create', path: '/brokers/topics/t/partitions/0', data: undefined, acls: OPEN_ACL_UNSAFE, flags: 0 },
      { op: 'create', path: '/brokers/topics/t/partitions/0/state', data: state, acls, flags: 2 },
      { op: 'setData', path: '/brokers/topics/t/partitions/1/state', data: state, version: 7 },
      { op: 'delete', path: '/admin/reassign_partitions', version: -1 },
    ];
    const libraryOps = ops.map((op) => {
      switch (op.op) {
        case 'create':
          return { type: 1, path: op.path, data: op.data, mode: op.flags, acls: op.acls.map((a) => new zookeeper.ACL(a.perms, new zookeeper.Id(a.scheme, a.id))) };
        case 'setData':
          return { type: 5, path: op.path, data: op.data, version: op.version };
        case 'check':
          return { type: 13, path: op.path, version: op.version };
        case 'delete':
          return { type: 2, path: op.path, version: op.version };
      }
    });
    const library = new libraryJute.TransactionRequest(libraryOps);
    library.setChrootPath(chroot);
    const expected = Buffer.alloc(library.byteLength());
    library.serialize(expected, 0);

    const onServer = ops.map((op) => ({ ...op, path: chroot + op.path }));
    expect(multiRequestBytes(onServer)).toBe(expected.length);
    const ours = Buffer.alloc(expected.length);
    expect(writeMultiRequest(onServer, ours, 0)).toBe(expected.length);
    expect(ours).toEqual(expected);
  });
});

describe('multiRead reply (MultiResponse)', () => {
  const replyHeader = Buffer.alloc(16, 0xaa);

  it('gives each op\'s data and stat or its error code, in order, up to the closing MultiHeader', () => {
    const reply = Buffer.concat([
      replyHeader,
      jute.multiHeader(4, false, 0), jute.bytes(Buffer.from('hello')), jute.stat(stat),
      jute.multiHeader(-1, false, -101), jute.int(-101),
      // A znode holding no data: ZooKeeper writes its data as -1 (null).
      jute.multiHeader(4, false, 0), jute.bytes(undefined), jute.stat({ ...stat, dataLength: 0 }),
      jute.multiHeader(-1, true, -1),
      Buffer.from('after'),
    ]);
    const results = decodeMultiReadResponse(reply, replyHeader.length);
    expect(results).toEqual([
      { data: Buffer.from('hello'), stat },
      { errorCode: -101 },
      { data: Buffer.alloc(0), stat: { ...stat, dataLength: 0 } },
    ]);
    // The data is a copy: the reply's buffer can be reused.
    reply.fill(0);
    expect((results[0] as { data: Buffer }).data.toString()).toBe('hello');
  });

  it('refuses an entry of another op\'s type and a reply cut short', () => {
    const setData = Buffer.concat([jute.multiHeader(5, false, 0), jute.stat(stat), jute.multiHeader(-1, true, -1)]);
    expect(() => decodeMultiReadResponse(setData, 0)).toThrow(/type 5/);
    const whole = Buffer.concat([jute.multiHeader(4, false, 0), jute.bytes(Buffer.from('hello')), jute.stat(stat), jute.multiHeader(-1, true, -1)]);
    for (const cut of [4, 13, 20, whole.length - 1]) expect(() => decodeMultiReadResponse(whole.subarray(0, cut), 0)).toThrow(/cut short/);
  });
});
