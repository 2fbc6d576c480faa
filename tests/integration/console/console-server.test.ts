/**
 * The console's server on a real ZooKeeper whose znodes the test writes as a controller would
 * (no brokers: what the console reads of ZooKeeper alone), reached through a proxy the test can
 * cut: the live feed over a WebSocket, the JSON API and its refusals, and a ZooKeeper that goes
 * away and comes back.
 */
import WebSocket from 'ws';
import { createLogger } from '../../../src/common/logger';
import { ZkPaths } from '../../../src/coordination/paths';
import { encodeJson, ZkClient } from '../../../src/coordination/zk-client';
import { startConsole, type RunningConsole } from '../../../src/console/console';
import type { FeedMessage } from '../../../src/console/console-feed';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

jest.setTimeout(60_000);

const timings = { zkPollIntervalMs: 100, probeIntervalMs: 60_000, groupsIntervalMs: 60_000, zkSessionTimeoutMs: 4_000 };
const state = (leader: number, leaderEpoch: number, isr: number[]): Buffer => encodeJson({ controller_epoch: 1, leader, version: 1, leader_epoch: leaderEpoch, isr });
const statePath = ZkPaths.partitionState('demo', 0);

describe('the console server', () => {
  let zk: ZkClient;
  let proxy: TcpProxy;
  let console: RunningConsole;
  let socket: WebSocket;
  const received: FeedMessage[] = [];

  beforeAll(async () => {
    const connect = testChroot('console-server');
    zk = await ZkClient.connect({ connectString: connect });
    await zk.mkdirp(ZkPaths.brokerIds);
    await zk.create(ZkPaths.broker(1), encodeJson({ version: 4, host: '127.0.0.1', port: 1, endpoints: ['PLAINTEXT://127.0.0.1:1'], jmx_port: -1, rack: null, timestamp: '1' }), 'ephemeral');
    await zk.create(ZkPaths.controller, encodeJson({ version: 1, brokerid: 1, timestamp: '1' }), 'ephemeral');
    await zk.create(ZkPaths.controllerEpoch, Buffer.from('1'));
    await zk.mkdirp(ZkPaths.topicPartitions('demo'));
    await zk.setData(ZkPaths.topic('demo'), encodeJson({ version: 2, partitions: { 0: [1, 2] } }), -1);
    await zk.mkdirp(ZkPaths.partition('demo', 0));
    await zk.create(statePath, state(1, 0, [1, 2]));
    const [host, rest] = connect.split(':');
    const slash = rest.indexOf('/');
    proxy = await startTcpProxy(host, Number(rest.slice(0, slash)));
    console = await startConsole({ zookeeperConnect: `127.0.0.1:${proxy.port}${rest.slice(slash)}`, port: 0, logger: createLogger('test-console', () => undefined), timings });
    socket = new WebSocket(`${console.url.replace('http', 'ws')}live`);
    socket.on('message', (data) => received.push(JSON.parse(data.toString()) as FeedMessage));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  });
  afterAll(async () => {
    socket?.terminate();
    await console?.close();
    await proxy?.close();
    await zk?.close();
  });

  const api = async (path: string, init?: RequestInit): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> => {
    const response = await fetch(new URL(path, console.url), init);
    return { status: response.status, body: (await response.json()) as { error?: string } & Record<string, unknown> };
  };
  const latest = <T extends FeedMessage['type']>(type: T): Extract<FeedMessage, { type: T }> | undefined =>
    received.filter((m): m is Extract<FeedMessage, { type: T }> => m.type === type).pop();

  it('pushes the cluster it reads, then each change as events with their znodes', async () => {
    await waitFor(() => latest('cluster')?.model.topics[0]?.partitions[0]?.leader === 1, { timeoutMs: 20_000, message: 'the first picture' });
    expect(latest('zookeeper')?.up).toBe(true);
    await zk.setData(statePath, state(2, 1, [2]), -1);
    const events = await waitFor(() => {
      const all = received.flatMap((m) => (m.type === 'events' ? m.events : []));
      return all.some((e) => e.kind === 'isr-shrank') ? all : undefined;
    }, { timeoutMs: 10_000, message: 'the leader change on the feed' });
    expect(events.filter((e) => e.znode === statePath).map((e) => e.text)).toEqual([
      'demo-0: leader 1 -> 2, leader epoch raised to 1',
      'demo-0: ISR shrank [1,2] -> [2] (without 1)',
    ]);
    expect(received.some((m) => m.type === 'znodes' && m.paths.includes(statePath))).toBe(true);
  });

  it('serves the page, uPlot from its package, one topic and a znode with its children', async () => {
    const page = await fetch(console.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Josef console<\/title>/);
    expect((await fetch(new URL('/vendor/uPlot.iife.min.js', console.url))).status).toBe(200);
    expect((await api('/api/topics/demo')).body).toMatchObject({ name: 'demo', partitions: [{ partition: 0, replicas: [1, 2] }] });
    const znode = await api(`/api/zk?path=${encodeURIComponent('/brokers/topics/demo/partitions/0')}`);
    expect(znode.status).toBe(200);
    expect(znode.body).toMatchObject({ children: ['state'], stat: { numChildren: 1 } });
    expect((await api(`/api/zk?path=${encodeURIComponent(statePath)}`)).body.data).toContain('"leader":2');
  });

  it.each([
    ['an unknown topic', '/api/topics/nope', undefined, 404, /unknown topic "nope"/],
    ['a znode that is not there', '/api/zk?path=/nope', undefined, 404, /no znode \/nope/],
    ['a path that is not a znode path', '/api/zk?path=brokers//ids', undefined, 400, /znode path/],
    ['a body that is not JSON', '/api/topics', { method: 'POST', body: '{"name":' }, 400, /not JSON/],
    ['a topic without partitions', '/api/topics', { method: 'POST', body: '{"name":"t","replicationFactor":1}' }, 400, /partitions wants a whole number/],
    ['a bad topic name', '/api/topics', { method: 'POST', body: '{"name":"a/b","partitions":1,"replicationFactor":1}' }, 400, /a\/b/],
    ['an action on a cluster this console does not run', '/api/topics', { method: 'POST', body: '{"name":"t","partitions":1,"replicationFactor":1}' }, 403, /read-only/],
    ['a signal it does not know', '/api/brokers/1/signal', { method: 'POST', body: '{"signal":"HUP"}' }, 400, /--signal wants one of/],
    ['a broker id that is not a number', '/api/brokers/x/restart', { method: 'POST' }, 400, /broker id wants a whole number/],
    ['a body over the limit', '/api/topics', { method: 'POST', body: 'x'.repeat(100_000) }, 413, /over/],
    ['the failover demo on a cluster this console does not run', '/api/demo/failover', { method: 'POST' }, 403, /read-only/],
    ['a demo it has not', '/api/demo/scale-out', { method: 'POST' }, 404, /no demo "scale-out"/],
    ['an API path it has not', '/api/nothing', undefined, 404, /no GET \/api\/nothing/],
  ])('answers %s with a %s that says why', async (_what, path, init, status, message) => {
    const answer = await api(path, init as RequestInit | undefined).catch(() => undefined);
    if (status === 413 && answer === undefined) return; // the server may cut the upload short before the answer is read
    expect(answer?.status).toBe(status);
    expect(answer?.body.error).toMatch(message);
  });

  it('says when ZooKeeper cannot be reached and recovers when it can again, without a reload', async () => {
    proxy.cut();
    await waitFor(() => latest('zookeeper')?.up === false, { timeoutMs: 30_000, message: 'ZooKeeper reported down' });
    expect((await api('/api/zk?path=/brokers')).status).toBe(503);
    proxy.restore();
    await waitFor(() => latest('zookeeper')?.up === true, { timeoutMs: 30_000, message: 'ZooKeeper reported back' });
    await zk.setData(statePath, state(1, 2, [1, 2]), -1);
    await waitFor(() => latest('cluster')?.model.topics[0]?.partitions[0]?.leaderEpoch === 2, { timeoutMs: 10_000, message: 'changes seen again after the outage' });
    const kinds = received.flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.text) : []));
    expect(kinds.some((t) => /cannot read ZooKeeper/.test(t))).toBe(true);
    expect(kinds.some((t) => /answers again/.test(t))).toBe(true);
  });
});
