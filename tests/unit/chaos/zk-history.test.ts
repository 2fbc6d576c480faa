import { controllerFencing, describeTxn, isRefused, parseTxnLog, type ZkTxn, type ZkTxnOp } from '../../../chaos/zk-history';

/** Jute's big-endian primitives, as ZooKeeper writes its transaction log. */
class JuteWriter {
  private readonly parts: Buffer[] = [];

  int(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    this.parts.push(b);
    return this;
  }

  long(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(value);
    this.parts.push(b);
    return this;
  }

  bool(value: boolean): this {
    this.parts.push(Buffer.from([value ? 1 : 0]));
    return this;
  }

  buffer(value: Buffer): this {
    return this.int(value.length).raw(value);
  }

  string(value: string): this {
    return this.buffer(Buffer.from(value));
  }

  raw(value: Buffer): this {
    this.parts.push(value);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const checkRecord = (path: string, version: number): Buffer => new JuteWriter().string(path).int(version).bytes();
const setDataRecord = (path: string, data: string, version: number): Buffer => new JuteWriter().string(path).buffer(Buffer.from(data)).int(version).bytes();
const createRecord = (path: string, data: string): Buffer => new JuteWriter().string(path).buffer(Buffer.from(data)).int(1).int(31).string('world').string('anyone').bool(true).bytes();

/** One logged transaction: checksum, length, header and record, end-of-record byte. */
function logged(sessionId: bigint, zxid: bigint, type: number, record: Buffer): Buffer {
  const body = new JuteWriter().long(sessionId).int(7).long(zxid).long(1_796_000_000_000n).int(type).raw(record).bytes();
  return new JuteWriter().long(0n).int(body.length).raw(body).raw(Buffer.from([0x42])).bytes();
}

describe('ZooKeeper\'s transaction log', () => {
  it('reads creates, multis and refusals in order, up to the zero-filled tail', () => {
    const multi = new JuteWriter().int(2)
      .int(13).buffer(checkRecord('/josef/controller_epoch', 1))
      .int(5).buffer(setDataRecord('/josef/brokers/topics/t/partitions/0/state', '{"leader":2}', 4))
      .bytes();
    const refused = new JuteWriter().int(2).int(-1).buffer(new JuteWriter().int(-103).bytes()).int(-1).buffer(new JuteWriter().int(-2).bytes()).bytes();
    const file = Buffer.concat([
      new JuteWriter().int(0x5a4b4c47).int(2).long(0n).bytes(),
      logged(0x10n, 0x100000001n, 1, createRecord('/josef/controller', '{"brokerid":1}')),
      logged(0x10n, 0x100000002n, 14, multi),
      logged(0x20n, 0x100000003n, 14, refused),
      Buffer.alloc(64),
    ]);
    const txns = parseTxnLog(file);
    expect(txns.map(describeTxn)).toEqual([
      'zxid 0x100000001 session 0x10: create ephemeral /josef/controller {"brokerid":1}',
      'zxid 0x100000002 session 0x10: multi [check /josef/controller_epoch is at version 0; setData /josef/brokers/topics/t/partitions/0/state (now version 4) {"leader":2}]',
      'zxid 0x100000003 session 0x20: REFUSED multi [error -103; error -2]',
    ]);
    expect(txns.map(isRefused)).toEqual([false, false, true]);
    expect(() => parseTxnLog(Buffer.alloc(32))).toThrow(/not a ZooKeeper transaction log/);
  });
});

describe('the controllers\' fencing in the znode history', () => {
  const epochPath = '/josef/controller_epoch';
  let zxid = 0n;
  const txn = (sessionId: bigint, ...ops: ZkTxnOp[]): ZkTxn => ({ zxid: ++zxid, sessionId, cxid: 0, timeMs: 0, txn: { op: 'multi', ops } });
  const state = (leader: number): ZkTxnOp => ({ op: 'setData', path: '/josef/brokers/topics/t/partitions/0/state', data: Buffer.from(`{"leader":${leader}}`), version: 1 });
  // Logged versions: a check's is the version it checked plus one.
  const history = [
    txn(0xan, { op: 'create', path: '/josef/controller', data: Buffer.from('1'), ephemeral: true }, { op: 'create', path: epochPath, data: Buffer.from('1'), ephemeral: false }),
    txn(0xan, { op: 'check', path: epochPath, version: 1 }, state(1)),
    txn(0xbn, { op: 'create', path: '/josef/controller', data: Buffer.from('2'), ephemeral: true }, { op: 'setData', path: epochPath, data: Buffer.from('2'), version: 1 }),
    txn(0xbn, { op: 'check', path: epochPath, version: 2 }, state(2)),
    // The deposed controller's write, refused: history, not a decision that landed.
    txn(0xan, { op: 'error', code: -103 }, { op: 'error', code: -2 }),
  ];

  it('names who raised each epoch and finds every fenced write from its epoch\'s controller', () => {
    const fencing = controllerFencing(history, epochPath);
    expect(fencing.epochs.map((e) => [e.version, e.session])).toEqual([[0, 0xan], [1, 0xbn]]);
    expect(fencing.fencedWrites).toBe(2);
    expect(fencing.unfenced).toEqual([]);
  });

  it('reports a write that landed under an epoch another session raised: two controllers\' decisions', () => {
    const stale = txn(0xan, { op: 'check', path: epochPath, version: 2 }, state(1));
    expect(controllerFencing([...history, stale], epochPath).unfenced).toEqual([stale]);
  });
});
