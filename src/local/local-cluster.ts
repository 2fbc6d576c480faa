/**
 * A local cluster of real processes: a ZooKeeper (local, or the ensemble JOSEF_ZK names, under a
 * chroot) and N `josef broker start` children, for `josef cluster up`, tests and benchmarks. It is
 * ready once every broker is registered, a controller is elected, and every broker's metadata
 * lists every broker. Stopping is orderly: brokers by SIGTERM (the controller last), then ZooKeeper.
 * It holds the data dir's lock (cluster-lock.ts) from before anything starts until all stopped.
 */
import type { ClientSecurity } from '../client/client-security';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { ListenerEndpoint } from '../common/endpoint';
import { createLogger, type Logger } from '../common/logger';
import { commandOn, type ProcessHost } from '../common/process-host';
import { valueWithin, waitFor } from '../common/wait';
import { Connection } from '../client/connection';
import { resolveZkConnect, type LocalZk, type LocalZkEnsembleSize } from './local-zk';
import { nodePaths } from './local-zk-layout';
import { ZkPaths } from '../coordination/paths';
import { withChildChroot } from '../common/zk-connect-string';
import type { ZkSecurity } from '../coordination/zk-acls';
import { ZkClient } from '../coordination/zk-client';
import { ZkNoNodeError } from '../coordination/zk-errors';
import { getDataIfExists } from '../coordination/zk-reads';
import { parseBrokerRegistration } from '../coordination/znodes';
import { ApiKey } from '../protocol/api-keys';
import { brokerNodeOptions } from './broker-node-options';
import { commandZkSecurity, zkSecurityEnv } from './zk-security-env';
import { claimClusterLock, type ClusterLock } from './cluster-lock';
import { brokerStartArgs } from './cluster-state';

export interface LocalClusterOptions {
  /** Brokers 1..N. */
  brokers: number;
  /** startLocalCluster starts brokers 1..startedBrokers (default N); the rest wait for startBroker (a cluster to grow). */
  startedBrokers?: number;
  /** Holds zk/ (a local ZooKeeper), broker-<id>/data (log dirs) and logs/broker-<id>.log. */
  dataDir: string;
  /** `host:port[,...][/chroot]`; default: JOSEF_ZK or a local ZooKeeper in dataDir/zk, under /josef. */
  zookeeperConnect?: string;
  /** Nodes of the local ZooKeeper (1 or 3; default 1, or what dataDir/zk holds). */
  zkEnsemble?: LocalZkEnsembleSize;
  /** Client port of the local ZooKeeper's node 1 (default 2181, or what dataDir/zk used last). */
  zkBasePort?: number;
  /** Told of every broker process that exits, stopped on purpose or not. */
  onBrokerExit?: (broker: LocalBroker, exit: string) => void;
  /** Port of broker i is ports[i - 1] (the cluster's own connections use it); default 9092 + i - 1. */
  ports?: number[];
  /** metrics.port of broker i is metricsPorts[i - 1]; without it brokers serve no metrics. */
  metricsPorts?: number[];
  /** server.properties settings given to every broker (`--override key=value`). */
  overrides?: Record<string, string>;
  /**
   * Settings of some brokers, over `overrides`. A broker given its own `listeners` takes its ports
   * from them (one of which should be its port in `ports`) rather than from --port.
   */
  brokerOverrides?: Record<number, Record<string, string>>;
  /**
   * Brokers that run on hosts of their own (the chaos run's): reached at the host's address, started
   * through its exec prefix. Such a broker should be given `listeners` on that address.
   */
  brokerHosts?: Record<number, ProcessHost>;
  /** More log dirs for some brokers (`log.dirs` is their data folder, then these). */
  extraLogDirs?: Record<number, string[]>;
  /**
   * Open-file limits of some brokers (`prlimit --nofile=N:N`, which then runs the broker in its
   * own process): a machine with a low `ulimit -n`, for tests of running out of descriptors.
   */
  openFileLimits?: Record<number, number>;
  /** A server.properties every broker reads (`--config`), under `overrides` (e.g. `cluster up --secure`'s, which hold passwords). */
  configFile?: string;
  /** Runs once ZooKeeper answers, before any broker starts: the SCRAM users brokers log in with must be there first, as in Kafka. */
  beforeBrokers?: (zk: ZkClient) => Promise<void>;
  /** How this cluster's own connections to the brokers (readiness checks) are secured; plaintext without. */
  clientSecurity?: ClientSecurity;
  /** Environment of the broker processes (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /**
   * The ZooKeeper identity of the cluster (its own session and every broker's) and whether its
   * znodes are created writable by that identity only (zookeeper.set.acl); default: the
   * environment's (zk-security-env.ts's commandZkSecurity). secureLocalZookeeper() makes one.
   */
  zookeeperSecurity?: ZkSecurity;
  readyTimeoutMs?: number;
  logger?: Logger;
}

export interface LocalBroker {
  id: number;
  /** Where this cluster connects to it. */
  host: string;
  port: number;
  /** What it registered in /brokers/ids, every listener (empty until it has registered). */
  endpoints: ListenerEndpoint[];
  /** Its metrics.port, when it serves metrics. */
  metricsPort?: number;
  /** Its log.dirs: the data folder, then any extraLogDirs, comma-separated. */
  logDir: string;
  logFile: string;
  pid: number | undefined;
  running: boolean;
}

const host = '127.0.0.1';
/** Broker processes start ts-node or compiled JavaScript and recover their logs: give them time. */
const readyTimeoutMsDefault = 60_000;
/** A broker's clean shutdown is bounded by its own watchdog (2 minutes); this one only slightly longer. */
const stopTimeoutMs = 130_000;
/** How long stop() waits to learn the controller (to stop it last) from a ZooKeeper that may not answer. */
const controllerLookupTimeoutMs = 3_000;
/** The chroot `josef cluster up` keeps its znodes under, so an ensemble can be shared. */
export const CLUSTER_CHROOT = '/josef';

interface BrokerProcess extends LocalBroker {
  child: ChildProcess | undefined;
  exited: Promise<number | null>;
}

export class LocalCluster {
  private readonly processes = new Map<number, BrokerProcess>();
  private readonly logger: Logger;

  constructor(
    readonly zookeeperConnect: string,
    private readonly options: LocalClusterOptions,
    private readonly zk: ZkClient,
    private readonly localZk: LocalZk | undefined,
    /** The folder of the ZooKeeper this cluster started (or found running there), undefined for an external one. */
    readonly localZkDir: string | undefined,
    private readonly lock: ClusterLock,
  ) {
    this.logger = options.logger ?? createLogger('cluster');
    for (let id = 1; id <= options.brokers; id++) {
      const port = options.ports?.[id - 1] ?? 9092 + id - 1;
      const logDir = [path.resolve(options.dataDir, `broker-${id}`, 'data'), ...(options.extraLogDirs?.[id] ?? [])].join(',');
      const logFile = path.resolve(options.dataDir, 'logs', `broker-${id}.log`);
      const metricsPort = options.metricsPorts?.[id - 1];
      this.processes.set(id, {
        id, host: options.brokerHosts?.[id]?.address ?? host, port, endpoints: [], metricsPort, logDir, logFile, pid: undefined, running: false, child: undefined, exited: Promise.resolve(null),
      });
    }
  }

  brokers(): LocalBroker[] {
    return [...this.processes.values()].map(({ child: _c, exited: _e, ...b }) => ({ ...b }));
  }

  broker(id: number): LocalBroker {
    const { child: _c, exited: _e, ...b } = this.process(id);
    return { ...b };
  }

  /** `host:port,...` of the running brokers, for clients' bootstrap. */
  get bootstrapServers(): string {
    return this.brokers().filter((b) => b.running).map((b) => `${b.host}:${b.port}`).join(',');
  }

  private process(id: number): BrokerProcess {
    const p = this.processes.get(id);
    if (!p) throw new Error(`broker ${id} is not part of this cluster (1..${this.options.brokers})`);
    return p;
  }

  /** Spawns broker `id` (not running) and waits until it is registered in ZooKeeper. */
  async startBroker(id: number, timeoutMs = this.options.readyTimeoutMs ?? readyTimeoutMsDefault): Promise<void> {
    const p = this.process(id);
    if (p.running) throw new Error(`broker ${id} is already running (pid ${p.pid})`);
    fs.mkdirSync(path.dirname(p.logFile), { recursive: true });
    fs.appendFileSync(p.logFile, `---- josef cluster: starting broker ${id} at ${new Date().toISOString()}\n`);
    const logFd = fs.openSync(p.logFile, 'a');
    const settings = { ...this.options.overrides, ...this.options.brokerOverrides?.[id] };
    const args = [
      ...brokerStartArgs(id, 'listeners' in settings ? undefined : p.port, p.logDir, this.zookeeperConnect, p.metricsPort), '--shutdown-on-stdin-close',
      ...(this.options.configFile === undefined ? [] : ['--config', this.options.configFile]),
      ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ];
    try {
      // Its own process group: a Ctrl-C in the terminal reaches `cluster up`, which stops brokers in order.
      const env = { ...(this.options.env ?? process.env), ...(this.options.zookeeperSecurity ? zkSecurityEnv(this.options.zookeeperSecurity) : {}) };
      const openFileLimit = this.options.openFileLimits?.[id];
      const limit = openFileLimit === undefined ? [] : ['prlimit', `--nofile=${openFileLimit}:${openFileLimit}`, '--'];
      const { command, args: argv } = commandOn(this.options.brokerHosts?.[id], process.execPath, [...brokerNodeOptions(env), ...args]);
      const [program, ...programArgs] = [...limit, command, ...argv];
      const child = spawn(program, programArgs, { stdio: ['pipe', logFd, logFd], env, detached: true });
      child.stdin?.on('error', () => undefined);
      p.child = child;
      p.pid = child.pid;
      p.running = true;
      p.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
        p.running = false;
        this.options.onBrokerExit?.(this.broker(id), signal ? `signal ${signal}` : `code ${code}`);
        resolve(code ?? (signal ? 128 : null));
      }));
    } finally {
      fs.closeSync(logFd);
    }
    const registration = await waitFor(async () => {
      if (!p.running) throw new Error(`broker ${id} exited while starting; end of ${p.logFile}:\n${logTail(p.logFile)}`);
      const node = await getDataIfExists(this.zk, ZkPaths.broker(id));
      return node && parseBrokerRegistration(ZkPaths.broker(id), id, node.data);
    }, { timeoutMs, intervalMs: 100, message: () => `broker ${id} to register in ZooKeeper (log: ${p.logFile})` });
    p.endpoints = registration.endpoints;
  }

  /** Sends `signal` and resolves with the exit code (null: killed by a signal it did not handle). */
  async stopBroker(id: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.process(id);
    if (!p.running || !p.child) return p.exited;
    // A broker held by SIGSTOP (`josef broker kill --signal STOP`) would never act on the signal.
    if (signal !== 'SIGKILL') p.child.kill('SIGCONT');
    p.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`broker ${id} did not exit within ${stopTimeoutMs} ms of ${signal}`)), stopTimeoutMs);
    });
    try {
      return await Promise.race([p.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async registeredIds(): Promise<number[]> {
    try {
      return (await this.zk.getChildren('/brokers/ids')).map(Number).sort((a, b) => a - b);
    } catch (err) {
      if (err instanceof ZkNoNodeError) return [];
      throw err;
    }
  }

  /** The broker holding /controller, or undefined while there is none. */
  async controllerId(): Promise<number | undefined> {
    try {
      return (await this.zk.getJson<{ brokerid: number }>('/controller')).value.brokerid;
    } catch (err) {
      if (err instanceof ZkNoNodeError) return undefined;
      throw err;
    }
  }

  /** Ready: every running broker registered, a controller elected, every running broker's metadata lists them all. */
  async awaitReady(timeoutMs = this.options.readyTimeoutMs ?? readyTimeoutMsDefault): Promise<void> {
    const running = this.brokers().filter((b) => b.running);
    let last = 'nothing checked yet';
    await waitFor(async () => {
      for (const b of this.processes.values()) {
        if (running.some((r) => r.id === b.id) && !b.running) throw new Error(`broker ${b.id} exited; end of ${b.logFile}:\n${logTail(b.logFile)}`);
      }
      const ids = await this.registeredIds();
      const controller = await this.controllerId();
      last = `registered ${JSON.stringify(ids)}, controller ${controller ?? 'none'}`;
      if (controller === undefined || !running.every((b) => ids.includes(b.id))) return false;
      for (const b of running) {
        const known = await brokersKnownBy(b, this.options.clientSecurity);
        last = `broker ${b.id} knows brokers ${JSON.stringify(known)}`;
        if (!running.every((r) => known.includes(r.id))) return false;
      }
      return true;
    }, { timeoutMs, intervalMs: 200, message: () => `the cluster to be ready (${last})` });
  }

  /**
   * Stops every running broker (the controller last, so leaderships move once), then the local
   * ZooKeeper: all of it, the data dir's, which this cluster held; or after a failed start
   * (`zooKeeper` 'started') only the nodes this start started. Without ZooKeeper (gone, or frozen)
   * the brokers' order does not matter, since no leadership moves, and a read of /controller would
   * wait for a reconnect: it is only asked of a connected client, briefly.
   */
  async stop(zooKeeper: 'all' | 'started' = 'all'): Promise<void> {
    const controller = this.zk.isConnected
      ? await valueWithin(this.controllerId().catch(() => undefined), controllerLookupTimeoutMs, undefined)
      : undefined;
    const order = this.brokers().filter((b) => b.running).sort((a, b) => Number(a.id === controller) - Number(b.id === controller));
    for (const b of order) {
      const code = await this.stopBroker(b.id);
      if (code !== 0) this.logger.warn(`broker ${b.id} exited with code ${code}; see ${b.logFile}`);
    }
    await this.zk.close();
    await (zooKeeper === 'all' ? this.localZk?.stop() : this.localZk?.stopStarted());
    this.lock.release();
  }
}

async function brokersKnownBy(broker: LocalBroker, security: ClientSecurity | undefined): Promise<number[]> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(broker.host, broker.port, { clientId: 'josef-cluster', connectTimeoutMs: 2000, requestTimeoutMs: 5000, security });
    const metadata = await connection.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
    return metadata.brokers.map((b) => b.nodeId);
  } catch {
    return [];
  } finally {
    await connection?.close();
  }
}

function logTail(file: string, linesMax = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-linesMax).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Every process's log in one folder: `logs/zookeeper.log` (or `zookeeper-<id>.log` for each node
 * of an ensemble) link to the files the ZooKeeper layout keeps beside each node's data.
 */
function linkZooKeeperLogs(dataDir: string, zkDir: string, nodes: number): void {
  const logsDir = path.resolve(dataDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  for (let id = 1; id <= nodes; id++) {
    const link = path.join(logsDir, nodes === 1 ? 'zookeeper.log' : `zookeeper-${id}.log`);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.relative(logsDir, nodePaths(zkDir, id).logPath), link);
  }
}

/**
 * Claims the data dir (ClusterLockedError when a cluster is starting or running there), starts
 * ZooKeeper (unless given one) and the brokers, and resolves once the cluster is ready. A failed
 * start stops what it started and releases the claim; nothing is stopped that it did not start.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const logger = options.logger ?? createLogger('cluster');
  const lock = claimClusterLock(options.dataDir, (line) => logger.warn(line));
  let localZk: LocalZk | undefined;
  let zk: ZkClient;
  let connect = options.zookeeperConnect;
  const localZkDir = path.resolve(options.dataDir, 'zk');
  try {
    if (connect === undefined) {
      // Detached: ZooKeeper must outlive a Ctrl-C long enough for the brokers' controlled shutdown.
      const resolved = await resolveZkConnect({
        dir: localZkDir, ensemble: options.zkEnsemble, basePort: options.zkBasePort, detached: true,
      });
      localZk = resolved.external ? undefined : resolved;
      connect = withChildChroot(resolved.connectString, CLUSTER_CHROOT);
      if (localZk) linkZooKeeperLogs(options.dataDir, localZkDir, resolved.connectString.split(',').length);
    } else if (options.zkEnsemble !== undefined || options.zkBasePort !== undefined) {
      throw new Error('the local ZooKeeper options (ensemble, port) do not apply to a ZooKeeper named by its connect string');
    }
    // With zookeeper.set.acl the chroot is created secure too: an open one would let anyone delete /controller.
    zk = await ZkClient.connect({ connectString: connect, security: options.zookeeperSecurity ?? commandZkSecurity(options.env), logger: logger.child('zk') });
  } catch (err) {
    await localZk?.stopStarted();
    lock.release();
    throw err;
  }
  const cluster = new LocalCluster(connect, { ...options, logger }, zk, localZk, localZk ? localZkDir : undefined, lock);
  try {
    await options.beforeBrokers?.(zk);
    await Promise.all(cluster.brokers().filter((b) => b.id <= (options.startedBrokers ?? options.brokers)).map((b) => cluster.startBroker(b.id)));
    await cluster.awaitReady();
  } catch (err) {
    await cluster.stop('started').catch((stopErr: unknown) => logger.error(`stopping after a failed start: ${(stopErr as Error).message}`));
    throw err;
  }
  return cluster;
}
