/**
 * Jest globalTeardown: stops the ZooKeeper global-setup.ts started and removes its data.
 */
import { rmSync } from 'fs';
import { stopLocalZk } from '../../src/local/local-zk';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.JOSEF_TEST_ZK_DIR;
  if (!dir) return;
  await stopLocalZk(dir);
  rmSync(dir, { recursive: true, force: true });
  delete process.env.JOSEF_TEST_ZK_DIR;
}
