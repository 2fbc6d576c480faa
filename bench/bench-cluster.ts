/**
 * A local cluster for one benchmark run: a fresh temporary folder, a ZooKeeper of its own (or a
 * chroot on the ensemble JOSEF_ZK names), the brokers as child processes, and all of it removed
 * afterwards, whatever happened. Shared by the benchmarks that start their own brokers. With
 * `secure` it is what `cluster up --secure` starts: SASL_SSL listeners only, SCRAM users, the
 * authorizer and ZooKeeper ACLs, and the admin's security for the benchmark's clients.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../src/local/local-cluster';
import type { ClientSecurity } from '../src/client/client-security';
import { prepareSecureCluster, secureLocalClusterOptions } from '../src/cli/secure-cluster';
import { freePorts } from '../src/common/free-ports';
import { createLogger, type Logger } from '../src/common/logger';
import { externalZkConnect, findFreeBasePort, startLocalZk, type LocalZk } from '../src/local/local-zk';
import { withChildChroot } from '../src/common/zk-connect-string';
import type { Progress } from './harness';

/** Client and cluster logs below WARN stay out of the benchmark's output. */
export const quietLogger: Logger = createLogger('bench', (line) => {
  if (!line.includes(' DEBUG ') && !line.includes(' INFO ')) process.stderr.write(line);
});

export interface BenchClusterOptions extends Pick<LocalClusterOptions, 'brokers' | 'startedBrokers' | 'overrides'> {
  /** Names the temporary folder and the chroot: josef-bench-<name>. */
  name: string;
  /** Where to look for free ports for a local ZooKeeper (each benchmark its own range). */
  zkBasePort: number;
  /** Give every broker a metrics.port (free ports). */
  metrics?: boolean;
  /** The port the cluster reaches broker i at (one of its listeners'); default: free ports. */
  ports?: number[];
  /** Start the brokers as `cluster up --secure` does (one SASL_SSL listener each, at `ports`). */
  secure?: boolean;
}

export interface StartedBenchCluster {
  cluster: LocalCluster;
  /** How clients reach a `secure` cluster: TLS and the admin's SCRAM credentials (a super user); undefined for PLAINTEXT. */
  clientSecurity: ClientSecurity | undefined;
  /** Stops the brokers and ZooKeeper and removes the folder. */
  stop(): Promise<void>;
}

/**
 * With JOSEF_BENCH_KEEP_LOGS=<dir>, the cluster's logs (brokers' and ZooKeeper's) are copied to
 * <dir>/<name>-<time> before its folder goes: a run's timeline is read from them afterwards.
 */
function keepLogs(dataDir: string, name: string): void {
  const keepDir = process.env.JOSEF_BENCH_KEEP_LOGS;
  const logsDir = path.join(dataDir, 'logs');
  if (!keepDir || !fs.existsSync(logsDir)) return;
  const target = path.join(keepDir, `${name}-${new Date().toISOString().replace(/[:.]/g, '')}`);
  fs.cpSync(logsDir, target, { recursive: true, dereference: true });
  const zkDir = path.join(dataDir, 'zk');
  if (fs.existsSync(zkDir)) {
    for (const node of fs.readdirSync(zkDir)) {
      const zkLog = path.join(zkDir, node, 'zookeeper.log');
      if (fs.existsSync(zkLog)) fs.copyFileSync(zkLog, path.join(target, `zookeeper-${node}.log`));
    }
  }
  process.stderr.write(`the cluster's logs are in ${target}\n`);
}

export async function startBenchCluster(o: BenchClusterOptions, progress: Progress): Promise<StartedBenchCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `josef-bench-${o.name}-`));
  let zk: LocalZk | undefined;
  const cleanUp = async (): Promise<void> => {
    await zk?.stop();
    try {
      keepLogs(dataDir, o.name);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    let connect = externalZkConnect();
    if (connect === undefined) {
      progress('starting ZooKeeper');
      zk = await startLocalZk({ dir: path.join(dataDir, 'zk'), ensemble: 1, basePort: await findFreeBasePort(o.zkBasePort, 1) });
      connect = zk.connectString;
    }
    const started = o.startedBrokers ?? o.brokers;
    progress(`starting ${started} broker(s)${started < o.brokers ? ` (${o.brokers - started} more later)` : ''}`);
    const ports = o.ports ?? await freePorts(o.brokers);
    const secure = o.secure ? prepareSecureCluster(dataDir, ports) : undefined;
    const cluster = await startLocalCluster({
      brokers: o.brokers, startedBrokers: o.startedBrokers, overrides: o.overrides, dataDir, logger: quietLogger,
      zookeeperConnect: withChildChroot(connect, `/josef-bench-${o.name}-${process.pid}`), ports,
      metricsPorts: o.metrics ? await freePorts(o.brokers) : undefined,
      ...(secure && secureLocalClusterOptions(secure, ports)),
    });
    return {
      cluster,
      clientSecurity: secure?.adminSecurity,
      async stop() {
        try {
          await cluster.stop();
        } finally {
          await cleanUp();
        }
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** Runs `body` on a fresh local cluster, and stops and removes it afterwards. */
export async function withBenchCluster<T>(o: BenchClusterOptions, progress: Progress, body: (cluster: LocalCluster) => Promise<T>): Promise<T> {
  const started = await startBenchCluster(o, progress);
  try {
    return await body(started.cluster);
  } finally {
    await started.stop();
  }
}
