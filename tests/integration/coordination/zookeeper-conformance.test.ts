/**
 * One suite, two ZooKeepers: the real one the test run starts, through ZkClient, and the
 * in-memory model through SimZooKeeper. Whatever the controller's simulations rely on (versions,
 * zxid order, sequential names, ephemeral owners, one-shot watches and their order, atomic multi
 * and its first error, a connection cut and restored, a session expired) is asserted of both, so
 * the model cannot drift from the real thing.
 */
import { SimScheduler } from '../../../src/coordination/sim/sim-scheduler';
import { SimZooKeeperServer } from '../../../src/coordination/sim/sim-zookeeper';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parseZkConnectString } from '../../../src/common/zk-connect-string';
import { ZkBadVersionError, ZkError, ZkNodeExistsError, ZkNoNodeError, ZkNotEmptyError } from '../../../src/coordination/zk-errors';
import { zookeeperMaxInFlightRequests } from '../../../src/coordination/zk-pipeline';
import type { ZkWatchEvent } from '../../../src/coordination/zk-types';
import { pathsPerMultiRead, ZK_MATCH_ANY_VERSION, type ZooKeeper } from '../../../src/coordination/zookeeper';
import { quietLogger } from '../../helpers/log';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

/** A session whose connection the test cuts and restores, and whose session it lets expire. */
interface CuttableSession {
  zk: ZooKeeper;
  cut(): void;
  restore(): void;
  /** Ends the session while its client is cut off (`observer` sees `ephemeralPath` go), then lets the client reconnect. */
  expire(observer: ZooKeeper, ephemeralPath: string): Promise<void>;
}

interface Backend {
  /** Two sessions on one fresh namespace. */
  open(): Promise<[ZooKeeper, ZooKeeper]>;
  /** A third session on the same namespace, with a connection the test controls. */
  openCuttable(): Promise<CuttableSession>;
  close(): Promise<void>;
}

/** Short sessions, as failover tests use; the test ZooKeeper grants 1-60 s. */
const sessionTimeoutMs = 4_000;

function realBackend(): Backend {
  const clients: ZkClient[] = [];
  let connectString = '';
  let proxy: TcpProxy | undefined;
  const connect = async (to: string): Promise<ZkClient> => {
    const client = await ZkClient.connect({ connectString: to, sessionTimeoutMs, logger: quietLogger });
    clients.push(client);
    return client;
  };
  return {
    async open() {
      connectString = testChroot('conformance');
      return [await connect(connectString), await connect(connectString)];
    },
    async openCuttable() {
      const { servers, chroot } = parseZkConnectString(connectString);
      const through = await startTcpProxy(servers[0].host, servers[0].port);
      proxy = through;
      const zk = await connect(`127.0.0.1:${through.port}${chroot ?? ''}`);
      return {
        zk,
        cut: () => through.cut(),
        restore: () => through.restore(),
        async expire(observer, ephemeralPath) {
          through.cut();
          await waitFor(async () => (await observer.exists(ephemeralPath)) === null, { timeoutMs: 20_000, message: 'ZooKeeper to expire the cut-off session' });
          through.restore();
        },
      };
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await proxy?.close();
    },
  };
}

function simBackend(): Backend {
  let scheduler: SimScheduler | undefined;
  let server: SimZooKeeperServer | undefined;
  const clients: ZooKeeper[] = [];
  return {
    async open() {
      scheduler = new SimScheduler(22);
      scheduler.runFreely();
      server = new SimZooKeeperServer(scheduler);
      clients.push(server.connect('a'), server.connect('b'));
      return [clients[0], clients[1]];
    },
    async openCuttable() {
      const zk = (server as SimZooKeeperServer).connect('c');
      clients.push(zk);
      return { zk, cut: () => zk.disconnect(), restore: () => zk.reconnect(), expire: async () => zk.expire(50) };
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      scheduler?.stopRunningFreely();
    },
  };
}

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe.each([
  ['the real ZooKeeper', realBackend],
  ['the simulated ZooKeeper', simBackend],
])('ZooKeeper semantics: %s', (_name, makeBackend) => {
  let backend: Backend;
  let a: ZooKeeper;
  let b: ZooKeeper;

  beforeEach(async () => {
    backend = makeBackend();
    [a, b] = await backend.open();
    await a.create('/t');
  });
  afterEach(() => backend.close());

  test('a new znode starts at version 0; each setData raises the version and the mzxid; a stale version is refused', async () => {
    await a.create('/t/n', bytes('one'));
    const { data, stat } = await a.getData('/t/n');
    expect(data.toString()).toBe('one');
    expect(stat).toMatchObject({ version: 0, cversion: 0, ephemeralOwner: 0n, dataLength: 3, numChildren: 0 });
    expect(stat.mzxid).toBe(stat.czxid);

    const set = await b.setData('/t/n', bytes('two!'), 0);
    expect(set.version).toBe(1);
    expect(set.mzxid > stat.czxid).toBe(true);
    expect(set.czxid).toBe(stat.czxid);
    expect(set.dataLength).toBe(4);
    await expect(a.setData('/t/n', bytes('three'), 0)).rejects.toBeInstanceOf(ZkBadVersionError);
    expect((await a.setData('/t/n', bytes('any'), ZK_MATCH_ANY_VERSION)).version).toBe(2);
    expect((await a.getData('/t/n')).data.toString()).toBe('any');
  });

  test('more requests at once than zookeeperMaxInFlightRequests are all answered, applied in the order they were sent', async () => {
    const count = Math.floor(zookeeperMaxInFlightRequests * 2.5);
    const paths = await Promise.all(Array.from({ length: count }, () => a.create('/t/seq-', undefined, 'persistent_sequential')));
    expect(paths).toHaveLength(count);
    expect([...paths].sort()).toEqual(paths);
    expect(new Set(paths).size).toBe(count);
  });

  test('getDataMany reads each path\'s data and stat in order, undefined where there is no node, beyond one multiRead', async () => {
    await a.create('/t/empty');
    await a.create('/t/full', bytes('x'.repeat(300)));
    await b.setData('/t/full', bytes('written'), 0);
    // Asked after the write on the other session was answered: it is seen, as a getData would see it.
    const [full, gone, empty, parent, root] = await a.getDataMany(['/t/full', '/t/gone', '/t/empty', '/t', '/']);
    expect(full?.data.toString()).toBe('written');
    expect(full?.stat).toEqual((await a.getData('/t/full')).stat);
    expect(gone).toBeUndefined();
    expect(empty?.data).toEqual(Buffer.alloc(0));
    expect(parent?.stat.numChildren).toBe(2);
    // The root of the namespace: the chroot itself on the real ZooKeeper.
    expect(root?.stat.numChildren).toBe(1);

    const count = pathsPerMultiRead + 7;
    const paths = Array.from({ length: count }, (_, i) => `/t/n${i}`);
    for (let start = 0; start < count; start += 100) {
      await a.multi(paths.slice(start, start + 100).filter((_, i) => (start + i) % 10 !== 3).map((path) => ({ op: 'create' as const, path, data: bytes(path) })));
    }
    const read = await b.getDataMany([...paths, '/t/full']);
    expect(read).toHaveLength(count + 1);
    read.slice(0, count).forEach((node, i) => {
      if (i % 10 === 3) expect(node).toBeUndefined();
      else expect(node?.data.toString()).toBe(paths[i]);
    });
    expect(read[count]?.data.toString()).toBe('written');
    expect(await a.getDataMany([])).toEqual([]);
  });

  test('every change takes a later zxid than the one before it, across sessions', async () => {
    const x = await a.create('/t/x').then(() => a.exists('/t/x'));
    const y = await b.create('/t/y').then(() => b.exists('/t/y'));
    const z = await a.setData('/t/x', bytes('1'), 0);
    expect(x!.czxid < y!.czxid).toBe(true);
    expect(y!.czxid < z.mzxid).toBe(true);
  });

  test('creating and deleting children raises the parent\'s cversion and pzxid, not its version', async () => {
    const before = (await a.exists('/t'))!;
    await a.create('/t/c1');
    await b.create('/t/c2');
    await a.delete('/t/c1', 0);
    const after = (await a.exists('/t'))!;
    expect(after.cversion).toBe(before.cversion + 3);
    expect(after.version).toBe(before.version);
    expect(after.numChildren).toBe(1);
    expect(after.pzxid > before.pzxid).toBe(true);
    expect(after.mzxid).toBe(before.mzxid);
    expect((await a.getChildren('/t')).sort()).toEqual(['c2']);
  });

  test('a sequential znode is numbered, in 10 digits, by the children its parent has had created (deletes do not count)', async () => {
    await a.create('/t/q');
    expect(await a.create('/t/q/item_', bytes('x'), 'persistent_sequential')).toBe('/t/q/item_0000000000');
    await a.create('/t/q/other');
    await a.delete('/t/q/other', 0);
    expect(await b.create('/t/q/item_', undefined, 'ephemeral_sequential')).toBe('/t/q/item_0000000002');
    expect((await a.exists('/t/q'))!.cversion).toBe(4);
  });

  test('the typed errors: a create that exists or lacks a parent, a delete of a parent, a version mismatch', async () => {
    await a.create('/t/p');
    await a.create('/t/p/c');
    await expect(b.create('/t/p')).rejects.toBeInstanceOf(ZkNodeExistsError);
    await expect(b.create('/t/none/c')).rejects.toBeInstanceOf(ZkNoNodeError);
    await expect(b.delete('/t/p', ZK_MATCH_ANY_VERSION)).rejects.toBeInstanceOf(ZkNotEmptyError);
    await expect(b.delete('/t/p/c', 3)).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(b.getData('/t/none')).rejects.toBeInstanceOf(ZkNoNodeError);
    await expect(b.getChildren('/t/none')).rejects.toBeInstanceOf(ZkNoNodeError);
    expect(await b.exists('/t/none')).toBeNull();
    await b.create('/t/deep/er/path', bytes('x'), 'persistent', { createParents: true });
    expect((await a.getData('/t/deep/er/path')).data.toString()).toBe('x');
  });

  test('an ephemeral znode belongs to its session, takes no children, and goes with the session', async () => {
    await a.create('/t/e', bytes('mine'), 'ephemeral');
    const { stat } = await b.getData('/t/e');
    expect(stat.ephemeralOwner).toBe(a.sessionId);
    expect(a.sessionId).not.toBe(b.sessionId);
    const refused = await a.create('/t/e/child').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ZkError);
    expect((refused as ZkError).code).toBe(-108);

    const events: ZkWatchEvent[] = [];
    expect(await b.exists('/t/e', (e) => events.push(e))).not.toBeNull();
    await a.close();
    await waitFor(() => events.length > 0, { timeoutMs: 10_000, message: 'the deletion of /t/e to be seen' });
    expect(events).toEqual([{ type: 'deleted', path: '/t/e' }]);
    expect(await b.exists('/t/e')).toBeNull();
  });

  test('watches fire once, for their kind of change, before a later answer on the same session', async () => {
    await a.create('/t/w', bytes('0'));
    const seen: string[] = [];
    const log = (tag: string) => (e: ZkWatchEvent): void => { seen.push(`${tag} ${e.type} ${e.path}`); };
    await a.getData('/t/w', log('data'));
    await a.getChildren('/t', log('children'));
    await a.exists('/t/missing', log('exists'));

    await b.setData('/t/w', bytes('1'), 0);
    await a.getData('/t/w');
    expect(seen).toEqual(['data dataChanged /t/w']);

    await b.setData('/t/w', bytes('2'), 1); // the data watch was used up
    await b.create('/t/missing');
    await a.getData('/t/w');
    // The server fires the created znode's watches before its parent's, as ZooKeeper's DataTree does.
    expect(seen).toEqual(['data dataChanged /t/w', 'exists created /t/missing', 'children childrenChanged /t']);

    await a.getData('/t/w', log('again'));
    await a.getChildren('/t/w', log('w-children'));
    await b.delete('/t/w', 2);
    await a.exists('/t');
    expect(seen.slice(3).sort()).toEqual(['again deleted /t/w', 'w-children deleted /t/w']);
  });

  test('multi applies every op under one zxid, or none, failing with the first failing op\'s error', async () => {
    await a.create('/t/epoch', bytes('1'));
    await a.setData('/t/epoch', bytes('2'), 0);
    const failed = await a.multi([
      { op: 'create', path: '/t/m1', data: bytes('x') },
      { op: 'check', path: '/t/epoch', expectedVersion: 0 },
      { op: 'create', path: '/t/none/x' },
    ]).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(ZkBadVersionError);
    expect((failed as ZkError).op).toBe('multi[1].check');
    expect((failed as ZkError).path).toBe('/t/epoch');
    expect(await b.exists('/t/m1')).toBeNull();

    const results = await a.multi([
      { op: 'check', path: '/t/epoch', expectedVersion: 1 },
      { op: 'create', path: '/t/m1', data: bytes('x'), mode: 'ephemeral' },
      { op: 'setData', path: '/t/epoch', data: bytes('3'), expectedVersion: 1 },
      { op: 'create', path: '/t/s_', mode: 'persistent_sequential' },
    ]);
    expect(results.map((r) => r.op)).toEqual(['check', 'create', 'setData', 'create']);
    const setStat = results[2].op === 'setData' ? results[2].stat : undefined;
    expect(setStat?.version).toBe(2);
    expect(results[3]).toEqual({ op: 'create', path: expect.stringMatching(/^\/t\/s_\d{10}$/) as unknown as string });
    const created = (await b.exists('/t/m1'))!;
    expect(created.czxid).toBe(setStat?.mzxid);
    expect(created.ephemeralOwner).toBe(a.sessionId);
  });

  test('an expected version 0 fences a multi (the first version of every znode is not "any")', async () => {
    await a.create('/t/v', bytes('0'));
    await b.setData('/t/v', bytes('1'), 0);
    await expect(a.multi([{ op: 'setData', path: '/t/v', data: bytes('x'), expectedVersion: 0 }])).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(a.multi([{ op: 'delete', path: '/t/v', expectedVersion: 0 }])).rejects.toBeInstanceOf(ZkBadVersionError);
  });

  test('a cut connection keeps the session with its ephemeral znodes and watches; an expired one loses them, and a new session opens', async () => {
    const c = await backend.openCuttable();
    const events: string[] = [];
    c.zk.on('disconnected', () => events.push('disconnected'));
    c.zk.on('connected', (_id, newSession) => events.push(newSession ? 'new session' : 'reconnected'));
    c.zk.on('expired', () => events.push('expired'));
    await c.zk.create('/t/e', bytes('x'), 'ephemeral');
    await a.create('/t/w', bytes('0'));
    const seen: ZkWatchEvent[] = [];
    await c.zk.getData('/t/w', (e) => seen.push(e));
    const session = c.zk.sessionId;

    c.cut();
    await waitFor(() => events.includes('disconnected'), { timeoutMs: 10_000, message: 'the client to notice the cut' });
    await a.setData('/t/w', bytes('1'), 0);
    c.restore();
    await waitFor(() => seen.length > 0, { timeoutMs: 10_000, message: 'the watch set before the cut to fire after it' });
    expect(seen).toEqual([{ type: 'dataChanged', path: '/t/w' }]);
    expect(events).toEqual(['disconnected', 'reconnected']);
    expect(c.zk.sessionId).toBe(session);
    expect((await a.exists('/t/e'))?.ephemeralOwner).toBe(session);

    const gone: ZkWatchEvent[] = [];
    await a.exists('/t/e', (e) => gone.push(e));
    await c.zk.getData('/t/w', (e) => seen.push(e));
    await c.expire(b, '/t/e');
    await waitFor(() => events.includes('new session'), { timeoutMs: 20_000, message: 'a new session after the expiry' });
    expect(events.slice(2).filter((e) => e !== 'disconnected')).toEqual(['expired', 'new session']);
    expect(c.zk.sessionId).not.toBe(session);
    expect(gone).toEqual([{ type: 'deleted', path: '/t/e' }]);
    // The expired session's watches went with it.
    await a.setData('/t/w', bytes('2'), 1);
    await c.zk.exists('/t/w');
    expect(seen).toHaveLength(1);
    await c.zk.create('/t/e', bytes('again'), 'ephemeral');
    expect((await a.exists('/t/e'))?.ephemeralOwner).toBe(c.zk.sessionId);
  });
});
