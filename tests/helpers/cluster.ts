/**
 * Real broker processes for e2e tests: a LocalCluster (src/local/local-cluster.ts) on free ports,
 * in a private ZooKeeper chroot of the test run's ZooKeeper, with its data in a temporary folder.
 * Brokers run the build the test run's globalSetup made from the sources (global-setup.ts), so a
 * stale build is never what is tested.
 */
import path from 'path';
import { Connection } from '../../src/client/connection';
import { freePorts } from '../../src/common/free-ports';
import { createLogger } from '../../src/common/logger';
import { startLocalCluster, type LocalCluster } from '../../src/local/local-cluster';
import type { ZkSecurity } from '../../src/coordination/zk-acls';
import { runChild } from './child-processes';
import { rmDir, tmpDir } from './tmp';
import { testChroot } from './zk';

export interface TestCluster {
  cluster: LocalCluster;
  dataDir: string;
  zookeeperConnect: string;
  /** A connection to broker `id`, closed by stop(). */
  connect(id: number): Promise<Connection>;
  /** Stops the brokers (SIGTERM), closes connections, removes the data. */
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  brokers?: number;
  overrides?: Record<string, string>;
  /** Settings of some brokers, over `overrides` (a broker given its own `listeners` takes its ports from them). */
  brokerOverrides?: Record<number, Record<string, string>>;
  /** The port the cluster connects to broker i at is ports[i - 1]; default: free ports. */
  ports?: number[];
  /** A chroot the test prepared (e.g. SCRAM users the brokers log in with); default: a fresh one. */
  zookeeperConnect?: string;
  /** Keep the data folder (e.g. to restart on it in another cluster). */
  dataDir?: string;
  /** More log dirs for some brokers, after their data folder. */
  extraLogDirs?: Record<number, string[]>;
  /** Give every broker a metrics.port (free ports; LocalBroker.metricsPort says which). */
  metrics?: boolean;
  /** Open-file limits of some brokers (ulimit -n). */
  openFileLimits?: Record<number, number>;
  /** The brokers' ZooKeeper identity and zookeeper.set.acl (default: none, open znodes). */
  zookeeperSecurity?: ZkSecurity;
}

export { freePorts };

/** Settings that keep tests quick without changing what they test. */
export const testBrokerOverrides: Record<string, string> = {
  'controlled.shutdown.retry.backoff.ms': '200',
};

export async function startTestCluster(name: string, options: TestClusterOptions = {}): Promise<TestCluster> {
  const brokers = options.brokers ?? 1;
  const dataDir = options.dataDir ?? tmpDir(`cluster-${name}`);
  const zookeeperConnect = options.zookeeperConnect ?? testChroot(name);
  const cluster = await startLocalCluster({
    brokers,
    dataDir,
    zookeeperConnect,
    ports: options.ports ?? await freePorts(brokers),
    metricsPorts: options.metrics ? await freePorts(brokers) : undefined,
    overrides: { ...testBrokerOverrides, ...options.overrides },
    brokerOverrides: options.brokerOverrides,
    extraLogDirs: options.extraLogDirs,
    openFileLimits: options.openFileLimits,
    env: process.env,
    zookeeperSecurity: options.zookeeperSecurity ?? { setAcl: false },
    logger: createLogger(`test-cluster-${name}`, () => undefined),
  });
  const connections: Connection[] = [];
  return {
    cluster,
    dataDir,
    zookeeperConnect,
    async connect(id: number): Promise<Connection> {
      const b = cluster.broker(id);
      const connection = await Connection.connect(b.host, b.port, { clientId: `test-${name}`, requestTimeoutMs: 30_000 });
      connections.push(connection);
      return connection;
    },
    async stop(): Promise<void> {
      await Promise.all(connections.splice(0).map((c) => c.close()));
      await cluster.stop();
      // JOSEF_TEST_KEEP=1 keeps the brokers' data and logs for a post-mortem.
      if (options.dataDir === undefined && !process.env.JOSEF_TEST_KEEP) rmDir(dataDir);
    },
  };
}

export interface JosefRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `josef <args>` (the run's fresh build) to its exit (killed past timeoutMs), capturing its output; `input` goes to its stdin. */
export async function runJosef(args: string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}, input?: string): Promise<JosefRun> {
  const run = await runChild(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'josef'), ...args], timeoutMs, { env, input });
  return { code: run.code, stdout: run.stdout.toString(), stderr: run.stderr };
}
