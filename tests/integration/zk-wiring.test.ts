/**
 * ZkClient against a real ZooKeeper: chroots, ephemeral znodes tied to their session, watches,
 * the typed errors the code acts on (lost race, lost conditional write), multi, a new session
 * opened after the old one expired while its client was cut off, a server that stops answering
 * (the Java client's read timeout), and close while cut off.
 */
import { createLogger } from '../../src/common/logger';
import { formatZkConnectString, parseZkConnectString } from '../../src/common/zk-connect-string';
import { encodeJson, ZK_MATCH_ANY_VERSION, ZkClient, type ZkWatchEvent } from '../../src/coordination/zk-client';
import {
  ZkBadVersionError, ZkNodeExistsError, ZkNoNodeError, ZkNotEmptyError, ZkSessionExpiredError,
} from '../../src/coordination/zk-errors';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { waitFor } from '../helpers/wait';
import { testChroot } from '../helpers/zk';

/** Short sessions, as failover tests use; the test ZooKeeper grants 1-60 s. */
const sessionTimeoutMs = 4_000;

describe('ZkClient with a real ZooKeeper', () => {
  let clients: ZkClient[] = [];

  async function connect(connectString: string, timeoutMs = sessionTimeoutMs): Promise<ZkClient> {
    const client = await ZkClient.connect({ connectString, sessionTimeoutMs: timeoutMs });
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });

  test('an ephemeral znode under a chroot is seen by another session and vanishes when its session closes', async () => {
    const connectString = testChroot('ephemeral');
    const a = await connect(connectString);
    const b = await connect(connectString);
    expect(a.negotiatedSessionTimeoutMs).toBe(sessionTimeoutMs);

    await a.create('/brokers/ids/1', encodeJson({ version: 4, host: '127.0.0.1', port: 9092 }), 'ephemeral', { createParents: true });
    const { value, stat } = await b.getJson<{ port: number }>('/brokers/ids/1');
    expect(value.port).toBe(9092);
    expect(stat.ephemeralOwner).toBe(a.sessionId);
    expect(stat.czxid).toBeGreaterThan(0n);

    // The chroot is a real znode: a client without it sees the same znode under the chroot path.
    const { servers, chroot } = parseZkConnectString(connectString);
    const root = await connect(formatZkConnectString({ servers, chroot: undefined }));
    expect(await root.getChildren(`${chroot}/brokers/ids`)).toEqual(['1']);

    const events: ZkWatchEvent[] = [];
    expect(await b.exists('/brokers/ids/1', (event) => events.push(event))).not.toBeNull();
    await a.close();
    await waitFor(() => events.length > 0, { timeoutMs: 10_000, message: 'the watch on /brokers/ids/1 to fire' });
    expect(events).toEqual([{ type: 'deleted', path: '/brokers/ids/1' }]);
    expect(await b.getChildren('/brokers/ids')).toEqual([]);
  });

  test('a lost race, a lost conditional write and a missing znode are typed errors', async () => {
    const zk = await connect(testChroot('errors'));
    await zk.create('/controller_epoch', Buffer.from('1'));
    await expect(zk.create('/controller_epoch', Buffer.from('1'))).rejects.toBeInstanceOf(ZkNodeExistsError);

    const { stat } = await zk.getData('/controller_epoch');
    const written = await zk.setData('/controller_epoch', Buffer.from('2'), stat.version);
    expect(written.version).toBe(stat.version + 1);
    const stale = zk.setData('/controller_epoch', Buffer.from('3'), stat.version);
    await expect(stale).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(stale).rejects.toMatchObject({ op: 'setData', path: '/controller_epoch' });

    await expect(zk.getData('/absent')).rejects.toBeInstanceOf(ZkNoNodeError);
    await expect(zk.delete('/controller_epoch', stat.version)).rejects.toBeInstanceOf(ZkBadVersionError);
    await zk.mkdirp('/brokers/topics/t/partitions/0');
    await expect(zk.delete('/brokers/topics', ZK_MATCH_ANY_VERSION)).rejects.toBeInstanceOf(ZkNotEmptyError);
    await zk.deleteRecursive('/brokers');
    expect(await zk.exists('/brokers')).toBeNull();
  });

  test('multi applies all of its ops or none, naming the op that failed', async () => {
    const zk = await connect(testChroot('multi'));
    await zk.create('/controller_epoch', Buffer.from('1'));
    const { stat } = await zk.getData('/controller_epoch');

    const fenced = zk.multi([
      { op: 'check', path: '/controller_epoch', expectedVersion: stat.version + 1 },
      { op: 'create', path: '/controller', data: encodeJson({ version: 1, brokerid: 1 }), mode: 'ephemeral' },
    ]);
    await expect(fenced).rejects.toBeInstanceOf(ZkBadVersionError);
    await expect(fenced).rejects.toMatchObject({ op: 'multi[0].check', path: '/controller_epoch' });
    expect(await zk.exists('/controller')).toBeNull();

    const results = await zk.multi([
      { op: 'setData', path: '/controller_epoch', data: Buffer.from('2'), expectedVersion: stat.version },
      { op: 'create', path: '/controller', data: encodeJson({ version: 1, brokerid: 1 }), mode: 'ephemeral' },
    ]);
    expect(results).toEqual([
      { op: 'setData', stat: expect.objectContaining({ version: stat.version + 1 }) },
      { op: 'create', path: '/controller' },
    ]);
    expect((await zk.getData('/controller')).stat.ephemeralOwner).toBe(zk.sessionId);
  });

  test('after its session expires the client says so and opens a new one', async () => {
    const connectString = testChroot('expiry');
    const { servers, chroot } = parseZkConnectString(connectString);
    const proxy = await startTcpProxy(servers[0].host, servers[0].port);
    try {
      const viaProxy = formatZkConnectString({ servers: [{ host: '127.0.0.1', port: proxy.port }], chroot });
      const zk = await connect(viaProxy, 2_000);
      const observer = await connect(connectString);
      await zk.create('/broker', Buffer.from('1'), 'ephemeral');
      const oldSessionId = zk.sessionId;
      const expired: bigint[] = [];
      const newSessions: bigint[] = [];
      zk.on('expired', (id) => expired.push(id));
      zk.on('connected', (id, newSession) => newSession && newSessions.push(id));
      const vanished: ZkWatchEvent[] = [];
      await observer.exists('/broker', (event) => vanished.push(event));

      proxy.cut();
      // A read asked while cut off waits for the connection; the session it was asked in ends first.
      const readWhileCutOff = zk.getData('/broker').catch((err: unknown) => err);
      await waitFor(() => vanished.length > 0, { timeoutMs: 20_000, message: 'ZooKeeper to expire the cut-off session' });
      proxy.restore();
      await waitFor(() => newSessions.length > 0, { timeoutMs: 20_000, message: 'a new session after expiry' });
      expect(await readWhileCutOff).toBeInstanceOf(ZkSessionExpiredError);
      expect(expired).toEqual([oldSessionId]);
      expect(zk.sessionId).toBe(newSessions[0]);
      expect(zk.sessionId).not.toBe(oldSessionId);
      expect(await zk.exists('/broker')).toBeNull();
      await zk.create('/broker', Buffer.from('1'), 'ephemeral');
    } finally {
      await proxy.close();
    }
  });

  test('a server that stops answering (frozen, as by SIGSTOP) is left after two thirds of the session timeout', async () => {
    const connectString = testChroot('frozen');
    const { servers, chroot } = parseZkConnectString(connectString);
    const proxy = await startTcpProxy(servers[0].host, servers[0].port);
    try {
      const lines: string[] = [];
      const zk = await ZkClient.connect({
        connectString: formatZkConnectString({ servers: [{ host: '127.0.0.1', port: proxy.port }], chroot }),
        sessionTimeoutMs: 3_000,
        logger: createLogger('zk', (line) => lines.push(line)),
      });
      clients.push(zk);
      await zk.create('/broker', Buffer.from('1'));
      expect(zk.disconnectedForMs).toBeUndefined();
      let disconnected = false;
      zk.on('disconnected', () => (disconnected = true));
      const frozenAtMs = Date.now();
      proxy.freeze();
      // Nothing closes the connection: only the client's own read timeout (2 s here) can notice.
      await waitFor(() => disconnected, { timeoutMs: 10_000, message: 'the client to give up on the silent server' });
      expect(Date.now() - frozenAtMs).toBeLessThan(2_000 + 2_000);
      expect(zk.isConnected).toBe(false);
      expect(zk.disconnectedForMs).toBeGreaterThanOrEqual(0);
      expect(lines.join('')).toMatch(/WARN +\[zk\] no answer from ZooKeeper 127\.0\.0\.1:\d+ for \d+ ms, two thirds of the session timeout/);
      proxy.restore();
      await waitFor(() => zk.isConnected, { timeoutMs: 20_000, message: 'the client to connect again' });
      expect((await zk.getData('/broker')).data.toString()).toBe('1');
      expect(zk.disconnectedForMs).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  test('a client closed while cut off from ZooKeeper stops for good, even when the server is back', async () => {
    const connectString = testChroot('close-cut-off');
    const { servers, chroot } = parseZkConnectString(connectString);
    const proxy = await startTcpProxy(servers[0].host, servers[0].port);
    try {
      const zk = await connect(formatZkConnectString({ servers: [{ host: '127.0.0.1', port: proxy.port }], chroot }));
      let disconnected = false;
      zk.on('disconnected', () => (disconnected = true));
      proxy.cut();
      await waitFor(() => disconnected, { timeoutMs: 10_000, message: 'the client to notice it is cut off' });
      proxy.restore();
      await zk.close();
      // node-zookeeper-client's own state, read only here: CLOSED (-2) means no attempt is left.
      const manager = (zk as unknown as { library: { connectionManager: { state: number } } }).library.connectionManager;
      await waitFor(() => manager.state === -2, { timeoutMs: 10_000, message: 'the library client to reach CLOSED' });
    } finally {
      await proxy.close();
    }
  });
});
