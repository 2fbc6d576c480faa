/**
 * The controller's ZooKeeper session expires while it is cut off: another broker takes over with a
 * higher epoch, and when the old controller can reach ZooKeeper again it resigns and does not
 * come back as a second controller.
 */
import { ZkPaths } from '../../../src/coordination/paths';
import { parseZkConnectString } from '../../../src/common/zk-connect-string';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';
import { ControllerHarness } from './controller-harness';

jest.setTimeout(60_000);

let h: ControllerHarness;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await h.close();
  await proxy?.close();
});

it('hands the controllership over when the controller\'s session expires; the old one resigns on reconnecting', async () => {
  const connect = testChroot('controller-expiry');
  const { servers, chroot } = parseZkConnectString(connect);
  proxy = await startTcpProxy(servers[0].host, servers[0].port);
  h = new ControllerHarness(connect);
  const b1 = await h.broker(1, { connectString: `127.0.0.1:${proxy.port}${chroot}` });
  const b2 = await h.broker(2);
  expect(b1.controller.isActive).toBe(true);
  const resigned = new Promise<void>((resolve) => b1.controller.once('resigned', resolve));

  proxy.cut();
  await waitFor(() => b2.controller.isActive, { timeoutMs: 20_000, message: 'broker 2 to take over once broker 1\'s session expired' });
  expect(b2.controller.epoch).toBe(2);
  proxy.restore();
  await resigned;
  await waitFor(() => b1.controller.activeControllerId === 2, { timeoutMs: 20_000, message: 'broker 1 to see broker 2 as the controller' });
  await b1.controller.idle();
  expect(b1.controller.isActive).toBe(false);
  expect(Number((await b2.zk.getData(ZkPaths.controllerEpoch)).data.toString())).toBe(2);
});
