/**
 * Broker registration and the cluster id against the real ZooKeeper: a taken id, a stale
 * registration of our own previous run (KAFKA-7165), the broker epoch, and one cluster id.
 */
import { plaintextEndpoint } from '../../../src/common/endpoint';
import { BrokerIdTakenError, liveBrokers, registerBroker, type RegisterOptions } from '../../../src/coordination/broker-registry';
import { getOrCreateClusterId } from '../../../src/coordination/cluster-id';
import { basePaths, ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parseBrokerRegistration } from '../../../src/coordination/znodes';
import { quietLogger } from '../../helpers/log';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { capturingLogger } from './controller-harness';

const sessions: ZkClient[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

async function session(connectString: string): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 4000, logger: quietLogger });
  sessions.push(zk);
  return zk;
}

const at = (brokerId: number, port: number, staleSessionWaitMs = 10_000): RegisterOptions => ({ brokerId, endpoints: [plaintextEndpoint('127.0.0.1', port)], rack: null, staleSessionWaitMs });

describe('broker registration', () => {
  it('writes an ephemeral znode in Kafka\'s JSON whose czxid is the broker epoch, listed by liveBrokers', async () => {
    const chroot = testChroot('registry-basic');
    const zk = await session(chroot);
    await ensureBasePaths(zk);
    for (const path of basePaths) expect(await zk.exists(path)).not.toBeNull();
    const { brokerEpoch } = await registerBroker(zk, { ...at(1, 9092), rack: 'r1' }, quietLogger);
    const { data, stat } = await zk.getData(ZkPaths.broker(1));
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(Number(stat.czxid)).toBe(brokerEpoch);
    expect(parseBrokerRegistration(ZkPaths.broker(1), 1, data)).toMatchObject({ endpoints: [plaintextEndpoint('127.0.0.1', 9092)], rack: 'r1' });
    // Registering again in the same session (a retry after a lost answer) is not an error.
    expect(await registerBroker(zk, at(1, 9092), quietLogger)).toEqual({ brokerEpoch });
    const other = await session(chroot);
    await registerBroker(other, at(2, 9093), quietLogger);
    expect((await liveBrokers(zk)).map((b) => [b.brokerId, b.endpoints.map((e) => e.port)])).toEqual([[1, [9092]], [2, [9093]]]);
  });

  it('refuses an id held by a live broker at another endpoint with BrokerIdTakenError', async () => {
    const chroot = testChroot('registry-taken');
    const zk1 = await session(chroot);
    const zk2 = await session(chroot);
    await registerBroker(zk1, at(7, 9001), quietLogger);
    const attempt = registerBroker(zk2, at(7, 9002), quietLogger);
    await expect(attempt).rejects.toBeInstanceOf(BrokerIdTakenError);
    await expect(attempt).rejects.toThrow(/broker id 7 is already registered in ZooKeeper by a live broker at 127.0.0.1:9001/);
  });

  it('waits for the stale registration of its own previous run to expire, then registers with a higher epoch (KAFKA-7165)', async () => {
    const chroot = testChroot('registry-stale');
    const previousRun = await session(chroot);
    const { brokerEpoch: oldEpoch } = await registerBroker(previousRun, at(3, 9003), quietLogger);
    const restarted = await session(chroot);
    const { logger, lines } = capturingLogger();
    const registering = registerBroker(restarted, at(3, 9003), logger);
    await waitFor(() => lines.some((l) => l.includes('waiting for the session of the previous broker 3 (0x')), { timeoutMs: 5_000, message: 'the wait to be announced' });
    expect(lines.join('')).toContain(previousRun.sessionIdHex);
    await previousRun.close(); // the old session ends (here at once; in life when it times out)
    const { brokerEpoch } = await registering;
    expect(brokerEpoch).toBeGreaterThan(oldEpoch);
    expect((await restarted.exists(ZkPaths.broker(3)))?.ephemeralOwner).toBe(restarted.sessionId);
  });

  it('gives up with BrokerIdTakenError when the stale-looking registration does not go in time', async () => {
    const chroot = testChroot('registry-stale-timeout');
    const holder = await session(chroot);
    await registerBroker(holder, at(4, 9004), quietLogger);
    const started = Date.now();
    await expect(registerBroker(await session(chroot), at(4, 9004, 600), quietLogger))
      .rejects.toThrow(/broker id 4 is still registered at 127.0.0.1:9004 by session 0x[0-9a-f]+, which did not expire within 600 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });
});

describe('cluster id', () => {
  it('is created once, in Kafka\'s form, and every broker racing for it reads the same one', async () => {
    const chroot = testChroot('cluster-id');
    const zks = await Promise.all([session(chroot), session(chroot), session(chroot)]);
    const ids = await Promise.all(zks.map((zk) => getOrCreateClusterId(zk)));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const { data, stat } = await zks[0].getData(ZkPaths.clusterId);
    expect(JSON.parse(data.toString())).toEqual({ version: '1', id: ids[0] });
    expect(stat.version).toBe(0);
    expect(await getOrCreateClusterId(zks[1])).toBe(ids[0]);
  });
});
