/**
 * A broker cut off from ZooKeeper long enough for its session to expire: its registration and
 * controllership vanish, and when it can reach ZooKeeper again it registers again (a new broker
 * epoch) and wins /controller again, without a restart. Cut off in silence (a partition: no
 * packet either way, no connection closed), it stops acting as leader by the time ZooKeeper
 * expires its session, not only once it hears so after the partition heals (the zombie leader),
 * and leads again once registered again and told so by the controller.
 */
import * as path from 'path';
import { Broker } from '../../../src/broker';
import { Admin } from '../../../src/client/admin';
import { Connection } from '../../../src/client/connection';
import { ErrorCode } from '../../../src/common/errors';
import { ApiKey } from '../../../src/protocol/api-keys';
import { loadBrokerConfig } from '../../../src/common/config';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parseZkConnectString } from '../../../src/common/zk-connect-string';
import { quietLogger } from '../../helpers/log';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

jest.setTimeout(90_000);

const sessionTimeoutMs = 4_000;

describe('broker session expiry', () => {
  let dir: string;
  let proxy: TcpProxy;
  let observer: ZkClient;
  let broker: Broker | undefined;
  let connection: Connection | undefined;

  beforeEach(async () => {
    dir = tmpDir('session-expiry');
  });
  afterEach(async () => {
    await connection?.close();
    connection = undefined;
    proxy?.restore();
    await broker?.shutdown();
    await observer?.close();
    await proxy?.close();
    rmDir(dir);
  });

  /** A broker (the controller: it is alone) whose ZooKeeper connection goes through `proxy`. */
  async function startBroker(name: string): Promise<Broker> {
    const connect = testChroot(name);
    const parsed = parseZkConnectString(connect);
    proxy = await startTcpProxy(parsed.servers[0].host, parsed.servers[0].port);
    observer = await ZkClient.connect({ connectString: connect });
    const { config } = loadBrokerConfig({
      env: {},
      flags: {
        'broker.id': '1', port: '0', 'log.dirs': path.join(dir, 'data'), 'zookeeper.connect': `127.0.0.1:${proxy.port}${parsed.chroot}`,
        'zookeeper.session.timeout.ms': String(sessionTimeoutMs), 'controlled.shutdown.enable': 'false',
      },
    });
    broker = new Broker({ config, logger: quietLogger });
    await broker.startup();
    return broker;
  }

  it('re-registers with a new epoch and races for the controller again', async () => {
    const broker = await startBroker('session-expiry');
    expect(broker.isController).toBe(true);
    const firstEpoch = (await observer.exists('/brokers/ids/1'))?.czxid;
    expect(firstEpoch).toBeDefined();

    proxy.cut();
    await waitFor(async () => (await observer.exists('/brokers/ids/1')) === null, { timeoutMs: 30_000, message: 'the registration to vanish with the expired session' });
    proxy.restore();
    await waitFor(async () => {
      const stat = await observer.exists('/brokers/ids/1');
      return stat !== null && stat.czxid !== firstEpoch;
    }, { timeoutMs: 30_000, message: 'the broker to register again' });
    await waitFor(async () => (await observer.exists('/controller')) !== null && broker?.isController, { timeoutMs: 30_000, message: 'the broker to be controller again' });
    expect((await observer.getJson<{ brokerid: number }>('/controller')).value.brokerid).toBe(1);
  });

  it('cut off in silence, stops acting as leader once its session must have expired, and leads again once registered again', async () => {
    const broker = await startBroker('silent-leader');
    const { host, port } = broker.advertisedEndpoints[0];
    const admin = new Admin({ bootstrapServers: `${host}:${port}`, logger: quietLogger });
    try {
      await admin.createTopics([{ name: 'zombie', numPartitions: 1, replicationFactor: 1 }]);
    } finally {
      await admin.close();
    }
    connection = await Connection.connect(host, port, { clientId: 'silent-leader', requestTimeoutMs: 5_000 });
    const listOffsets = async (): Promise<number> => (await connection!.send(ApiKey.ListOffsets, {
      replicaId: -1, topics: [{ name: 'zombie', partitions: [{ partition: 0, timestamp: -1 }] }],
    })).topics[0].partitions[0].errorCode;
    await waitFor(async () => (await listOffsets()) === ErrorCode.NONE.code, { timeoutMs: 20_000, message: 'the broker to lead zombie-0' });

    const silencedAtMs = Date.now();
    proxy.freeze();
    await waitFor(async () => (await listOffsets()) === ErrorCode.NOT_LEADER_OR_FOLLOWER.code, {
      timeoutMs: sessionTimeoutMs * 3, intervalMs: 20, message: 'the leader cut off in silence to stop acting as leader',
    });
    const stoppedAfterMs = Date.now() - silencedAtMs;
    // ZooKeeper expires the session the session timeout after it last heard the broker: at most a
    // ping's third of it before the silence. The leadership goes on hold from then on, not later.
    expect(stoppedAfterMs).toBeGreaterThan(sessionTimeoutMs / 2);
    expect(stoppedAfterMs).toBeLessThan(sessionTimeoutMs + 1_000);

    // Healed once the session is gone: the broker registers again and, controller again, finds
    // itself still leading zombie-0 at the same epoch; its LeaderAndIsr to the new registration
    // lifts the hold (before, the partition stayed on hold for good, refusing every write).
    await waitFor(async () => (await observer.exists('/brokers/ids/1')) === null, { timeoutMs: 30_000, message: 'ZooKeeper to expire the session' });
    proxy.restore();
    await waitFor(async () => (await listOffsets()) === ErrorCode.NONE.code, {
      timeoutMs: 30_000, message: 'the broker, registered again, to lead zombie-0 again',
    });
  });
});
