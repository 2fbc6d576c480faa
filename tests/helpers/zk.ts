/**
 * The test run's ZooKeeper (started by global-setup.ts, or JOSEF_ZK's) and a private chroot per
 * test, so tests share one server without seeing each other's znodes.
 */
import { randomBytes } from 'crypto';
import { withChildChroot } from '../../src/common/zk-connect-string';

/** The connect string of the run's ZooKeeper, without a chroot of the test's own. */
export function testZkConnect(): string {
  const connect = process.env.JOSEF_TEST_ZK;
  if (!connect) {
    throw new Error('JOSEF_TEST_ZK is not set: run through jest (tests/helpers/global-setup.ts starts ZooKeeper) or set JOSEF_ZK');
  }
  return connect;
}

/** `<connect>/josef-test-<name>-<random>`: a fresh namespace, created by ZkClient.connect. */
export function testChroot(name: string): string {
  const safeName = name.replace(/[^A-Za-z0-9_-]+/g, '-');
  return withChildChroot(testZkConnect(), `josef-test-${safeName}-${randomBytes(4).toString('hex')}`);
}
