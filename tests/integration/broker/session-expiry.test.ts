/**
 * A broker cut off from ZooKeeper long enough for its session to expire: its registration and
 * controllership vanish, and when it can reach ZooKeeper again it registers again (a new broker
 * epoch) and wins /controller again, without a restart.
 */
import * as path from 'path';
import { Broker } from '../../../src/broker';
import { loadBrokerConfig } from '../../../src/common/config';
import { ZkClient } from '../../../src/coordination/zk-client';
import { parseZkConnectString } from '../../../src/coordination/zk-connect-string';
import { quietLogger } from '../../helpers/log';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

jest.setTimeout(90_000);

describe('broker session expiry', () => {
  let dir: string;
  let proxy: TcpProxy;
  let observer: ZkClient;
  let broker: Broker | undefined;

  beforeEach(async () => {
    dir = tmpDir('session-expiry');
  });
  afterEach(async () => {
    await broker?.shutdown();
    await observer?.close();
    await proxy?.close();
    rmDir(dir);
  });

  it('re-registers with a new epoch and races for the controller again', async () => {
    const connect = testChroot('session-expiry');
    const parsed = parseZkConnectString(connect);
    proxy = await startTcpProxy(parsed.servers[0].host, parsed.servers[0].port);
    observer = await ZkClient.connect({ connectString: connect });
    const { config } = loadBrokerConfig({
      env: {},
      flags: {
        'broker.id': '1', port: '0', 'log.dirs': path.join(dir, 'data'), 'zookeeper.connect': `127.0.0.1:${proxy.port}${parsed.chroot}`,
        'zookeeper.session.timeout.ms': '4000', 'controlled.shutdown.enable': 'false',
      },
    });
    broker = new Broker({ config, logger: quietLogger });
    await broker.startup();
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
});
