/**
 * Jest globalSetup: one real standalone ZooKeeper for the whole run, on a free port from 21810 up
 * (so a developer's own on 2181 is left alone) with its data in a temporary folder. Its connect
 * string goes to the test workers as JOSEF_TEST_ZK. With JOSEF_ZK set, that ensemble is used
 * instead; a run of unit tests only starts nothing.
 */
import { randomInt } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { externalZkConnect, findFreeBasePort, startLocalZk, type LocalZk } from '../../src/coordination/local-zk';

/**
 * Test runs started at the same moment (several checkouts on one machine) must not pick the same
 * port: each starts its search at a random base port, and tries again elsewhere if it lost a race.
 */
const testBasePortMin = 21810;
const testBasePortSlots = 300;
const startAttemptsMax = 3;

/** The part of Jest's global config read here: the test path filter given on the command line. */
interface JestGlobalConfig {
  testPathPattern?: string;
}

/** True when the run was narrowed to tests/unit, which never touch ZooKeeper. */
function unitTestsOnly(globalConfig: JestGlobalConfig): boolean {
  const patterns = (globalConfig.testPathPattern ?? '').split('|').filter((p) => p !== '');
  return patterns.length > 0 && patterns.every((p) => /(^|\/)tests\/unit(\/|$)/.test(p));
}

export default async function globalSetup(globalConfig: JestGlobalConfig): Promise<void> {
  const external = externalZkConnect();
  if (external !== undefined) {
    process.env.JOSEF_TEST_ZK = external;
    return;
  }
  if (unitTestsOnly(globalConfig)) return;
  const { zk, dir } = await startTestZk(1);
  process.env.JOSEF_TEST_ZK = zk.connectString;
  process.env.JOSEF_TEST_ZK_DIR = dir;
}

async function startTestZk(attempt: number): Promise<{ zk: LocalZk; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'josef-test-zk-'));
  try {
    const basePort = await findFreeBasePort(testBasePortMin + 10 * randomInt(testBasePortSlots), 1);
    return { zk: await startLocalZk({ dir, ensemble: 1, basePort }), dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= startAttemptsMax) throw err;
    return startTestZk(attempt + 1);
  }
}
