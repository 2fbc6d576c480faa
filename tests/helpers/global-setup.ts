/**
 * Jest globalSetup: one real standalone ZooKeeper for the whole run, on a free port from 21810 up
 * (so a developer's own on 2181 is left alone) with its data in a temporary folder. Its connect
 * string goes to the test workers as JOSEF_TEST_ZK. With JOSEF_ZK set, that ensemble is used
 * instead; a run of unit tests only starts nothing. A run that includes end-to-end tests first
 * makes sure the Kafka clients several of them run are installed (scripts/ensure-kafka-clients.sh).
 */
import { spawnSync } from 'child_process';
import { randomInt } from 'crypto';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { externalZkConnect, findFreeBasePort, startLocalZk, type LocalZk } from '../../src/local/local-zk';
import { ensureKafkaClientsInstalled } from './kafka-clients';

/**
 * Test runs started at the same moment (several checkouts on one machine) must not pick the same
 * port: each starts its search at a random base port, and tries again elsewhere if it lost a race.
 */
const testBasePortMin = 21810;
const testBasePortSlots = 300;
const startAttemptsMax = 3;

/** The part of Jest's global config read here: the checkout's root and the test path filter given on the command line. */
interface JestGlobalConfig {
  rootDir: string;
  testPathPattern?: string;
}

/** True when the run was narrowed to tests/unit, which never touch ZooKeeper. */
function unitTestsOnly(globalConfig: JestGlobalConfig): boolean {
  const patterns = (globalConfig.testPathPattern ?? '').split('|').filter((p) => p !== '');
  return patterns.length > 0 && patterns.every((p) => /(^|\/)tests\/unit(\/|$)/.test(p));
}

/**
 * True when the run may include an end-to-end test (Kafka's clients are run by those only): the
 * whole suite, or a filter that matches one of tests/e2e/ (Jest matches it case-insensitively).
 */
function runsEndToEndTests(globalConfig: JestGlobalConfig): boolean {
  const pattern = globalConfig.testPathPattern ?? '';
  if (pattern === '') return true;
  const e2eDir = path.join(globalConfig.rootDir, 'tests', 'e2e');
  return readdirSync(e2eDir).some((name) => new RegExp(pattern, 'i').test(path.join(e2eDir, name)));
}

/**
 * Builds the compiled JavaScript (dist/, incrementally: a no-op when nothing changed) that the
 * processes tests start run: a broker or a CLI command started from the build costs a third of a
 * CPU-second, where one started through ts-node costs seven, and a run starts hundreds of them.
 * Built here, at the start of every run that starts processes, so a stale build is never tested.
 */
function buildForChildProcesses(rootDir: string): void {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [rootDir] });
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(rootDir, 'tsconfig.build.json')], { cwd: rootDir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the build (tsc -p tsconfig.build.json) failed, so no process could be started from it:\n${result.stdout}${result.stderr}`);
}

export default async function globalSetup(globalConfig: JestGlobalConfig): Promise<void> {
  if (!unitTestsOnly(globalConfig)) buildForChildProcesses(globalConfig.rootDir);
  if (runsEndToEndTests(globalConfig)) ensureKafkaClientsInstalled();
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
