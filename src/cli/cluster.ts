/**
 * `josef cluster up|status|add-broker|down`. `up` runs ZooKeeper plus N brokers on this machine in
 * the foreground, prints where everything listens and how to use it, keeps `<data-dir>/cluster.json`
 * current for the other commands, and on Ctrl-C (or SIGTERM) stops the brokers cleanly, the
 * controller last, then ZooKeeper. `status`, `add-broker` and `down` work from another terminal
 * through that file.
 */
import type { Command } from 'commander';
import * as path from 'path';
import { formatAddresses, hostPort } from '../common/endpoint';
import { createLogger } from '../common/logger';
import { waitFor } from '../common/wait';
import { readControllerId } from '../coordination/controller/controller-znode';
import { externalZkConnect, parseEnsembleSize, statusLocalZk, stopLocalZk, type LocalZkEnsembleSize } from '../local/local-zk';
import { ZkClient } from '../coordination/zk-client';
import { liveLockHolder, removeStaleLock } from '../local/cluster-lock';
import {
  brokerCommandWords, clusterUpCommandWords, inspectedZookeeper, isJosefProcess, newClusterState, readClusterState,
  removeClusterState, requireClusterState, startRecordedBroker, stateFilePath, writeClusterState, type BrokerState, type ClusterState,
} from '../local/cluster-state';
import { commandZkSecurity } from '../local/zk-security-env';
import {
  brokerAnswerTimeoutMs, brokerRows, formatClusterStatus, formatZooKeeperLine, readClusterSnapshot, STATUS_EXIT_CODES, statusVerdict, zkServerModes,
  type ClusterSnapshot, type ZkServerMode,
} from './cluster-status';
import { METRICS_PATH } from '../metrics/metrics-server';
import { CONSOLE_PORT_DEFAULT, startConsole, type RunningConsole } from '../console/console';
import { startLocalCluster, type LocalBroker } from '../local/local-cluster';
import { registerRebalanceCommand } from './rebalance';
import { formatSecureClusterSummary, prepareSecureCluster, secureLocalClusterOptions } from './secure-cluster';

interface UpOptions {
  brokers: string;
  dataDir: string;
  zookeeper?: string;
  basePort: string;
  metricsBasePort?: string;
  /** commander's --no-console: false. */
  console: boolean;
  consolePort: string;
  zkEnsemble?: string;
  zkPort?: string;
  /** SASL_SSL with SCRAM for clients and between brokers, and the authorizer (secure-cluster.ts). */
  secure?: boolean;
}

interface InspectOptions {
  dataDir: string;
  zookeeper?: string;
}

/** A read-only look fails fast when ZooKeeper does not answer, rather than waiting out a session timeout. */
const inspectConnectTimeoutMs = 10_000;
/** A broker's clean shutdown is bounded by its own 2-minute watchdog; `down` waits slightly longer. */
const brokerStopTimeoutMs = 130_000;
/** `cluster up` stops its brokers one after the other, then ZooKeeper. */
const upStopTimeoutMs = 5 * 60_000;
const killWaitMs = 10_000;

export function formatClusterTable(
  brokers: LocalBroker[], controllerId: number | undefined, zookeeperConnect: string, dataDir: string, zkModes: ZkServerMode[] = [], consoleUrl?: string,
  /** A secured cluster's client.properties: the client commands shown use it. */
  commandConfig?: string,
): string {
  // Each broker's addresses as it registered them: every listener it advertises.
  const address = (b: LocalBroker): string => (b.endpoints.length > 0 ? formatAddresses(b.endpoints) : hostPort(b));
  const rows = brokers.map((b) => [
    String(b.id), address(b), String(b.pid ?? '-'), b.metricsPort === undefined ? '-' : metricsUrl(b.host, b.metricsPort), b.logFile, b.id === controllerId ? 'controller' : '',
  ]);
  const header = ['broker', 'address', 'pid', 'metrics', 'log', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const connectFlag = commandConfig === undefined ? `--bootstrap-server ${hostPort(brokers[0])}` : `--command-config ${commandConfig}`;
  const dirFlag = dataDir === '.josef' ? '' : ` --data-dir ${dataDir}`;
  const rf = Math.min(3, brokers.length);
  const commands: Array<[string, string]> = [
    ...(commandConfig === undefined ? [] : [[`kcat -F ${commandConfig} -L`, 'librdkafka reads the same file'] as [string, string]]),
    [`josef topic create demo --partitions 3 --replication-factor ${rf} ${connectFlag}`, ''],
    [`josef topic describe demo ${connectFlag}`, ''],
    [`printf 'k1:hello\\nk2:world\\n' | josef produce demo --key-separator : --acks all ${connectFlag}`, ''],
    [`josef consume demo --from-beginning --print-key --max-messages 2 ${connectFlag}`, ''],
    [`josef cluster status${dirFlag}`, 'brokers, controller, under-replicated and offline partitions'],
    [`josef zk tree /brokers${dirFlag}`, 'what brokers and controller keep in ZooKeeper'],
    [`josef broker kill ${brokers[brokers.length - 1].id} --signal KILL${dirFlag}`, 'then watch the controller move its leaderships'],
    [`josef cluster add-broker${dirFlag}`, `broker ${brokers.length + 1}, then: josef cluster rebalance${dirFlag}`],
    [`josef cluster down${dirFlag}`, 'or Ctrl-C here'],
  ];
  const commentAt = Math.max(...commands.filter(([, c]) => c !== '').map(([cmd]) => cmd.length)) + 2;
  return [
    `Josef cluster is up: ${brokers.length} broker(s), data in ${dataDir}`,
    zkModes.length > 0 ? formatZooKeeperLine(zookeeperConnect, zkModes) : `ZooKeeper: ${zookeeperConnect}`,
    `Controller: ${controllerId === undefined ? 'none yet' : `broker ${controllerId}`}`,
    ...(consoleUrl === undefined ? [] : [`Console: ${consoleUrl}  (the cluster live in a browser: brokers, partitions, ZooKeeper, events)`]),
    '',
    line(header),
    ...rows.map(line),
    '',
    'Try, in another terminal:',
    ...commands.map(([cmd, comment]) => `  ${comment === '' ? cmd : `${cmd.padEnd(commentAt)}# ${comment}`}`),
    '',
    'Ctrl-C stops the brokers, then ZooKeeper.',
    '',
  ].join('\n');
}

function parsePort(flag: string, value: string, count: number): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port + count - 1 > 65535) throw new Error(`${flag} wants a port such that port + ${count - 1} <= 65535, got ${value}`);
  return port;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`--brokers wants a number from 1 to 100, got ${value}`);
  return n;
}

function brokerState(b: LocalBroker): BrokerState {
  return { id: b.id, host: b.host, port: b.port, metricsPort: b.metricsPort, pid: b.pid, logFile: b.logFile, running: b.running };
}

/** Where Prometheus (or a browser) reads a broker's metrics. */
export function metricsUrl(host: string, metricsPort: number): string {
  return `http://${host}:${metricsPort}${METRICS_PATH}`;
}

/** Broker i's metrics.port in `cluster up`: --metrics-base-port + i - 1, by default 100 above its listener's port. */
const metricsPortOffset = 100;

async function up(options: UpOptions): Promise<void> {
  const logger = createLogger('cluster');
  const brokers = parseCount(options.brokers);
  const basePort = parsePort('--base-port', options.basePort, brokers);
  const zkEnsemble: LocalZkEnsembleSize | undefined = options.zkEnsemble === undefined ? undefined : parseEnsembleSize(options.zkEnsemble);
  const zkBasePort = options.zkPort === undefined ? undefined : parsePort('--zk-port', options.zkPort, zkEnsemble ?? 3);
  if ((zkEnsemble !== undefined || zkBasePort !== undefined) && (options.zookeeper !== undefined || externalZkConnect() !== undefined)) {
    throw new Error('--zk-ensemble and --zk-port shape the local ZooKeeper; they do not apply with --zookeeper or JOSEF_ZK');
  }
  const ports = Array.from({ length: brokers }, (_, i) => basePort + i);
  const metricsBasePort = parsePort('--metrics-base-port', options.metricsBasePort ?? String(basePort + metricsPortOffset), brokers);
  const metricsPorts = Array.from({ length: brokers }, (_, i) => metricsBasePort + i);
  const consolePort = Number(options.consolePort);
  if (!/^\d+$/.test(options.consolePort) || consolePort > 65535) throw new Error(`--console-port wants a port from 0 to 65535, got ${options.consolePort}`);
  let state: ClusterState | undefined;
  let stopping = false;
  const onBrokerExit = (broker: LocalBroker, exit: string): void => {
    if (!stopping) logger.warn(`broker ${broker.id} (pid ${broker.pid}) exited (${exit}); its log: ${broker.logFile}`);
    if (!state) return;
    // The file, not our copy: `cluster add-broker` and `demo failover` add and restart brokers in it.
    const current = readClusterState(options.dataDir) ?? state;
    const entry = current.brokers.find((b) => b.id === broker.id && b.pid === broker.pid);
    if (!entry) return;
    entry.running = false;
    entry.exit = exit;
    writeClusterState(options.dataDir, current);
  };
  const secure = options.secure ? prepareSecureCluster(options.dataDir, ports) : undefined;
  const cluster = await startLocalCluster({
    brokers, dataDir: options.dataDir, zookeeperConnect: options.zookeeper, zkEnsemble, zkBasePort, ports, metricsPorts, logger, onBrokerExit,
    ...(secure && secureLocalClusterOptions(secure, ports)),
  });
  const zkModes = await zkServerModes(cluster.zookeeperConnect);
  state = newClusterState({
    dataDir: path.resolve(options.dataDir),
    zookeeper: { connect: cluster.zookeeperConnect, localDir: cluster.localZkDir, ensemble: zkModes.length },
    brokers: cluster.brokers().map(brokerState),
  });
  writeClusterState(options.dataDir, state);
  const console = options.console ? await startClusterConsole(cluster.zookeeperConnect, options.dataDir, consolePort).catch(async (err: unknown) => {
    await cluster.stop();
    throw err;
  }) : undefined;
  if (secure) process.stdout.write(formatSecureClusterSummary(secure));
  process.stdout.write(formatClusterTable(cluster.brokers(), await cluster.controllerId(), cluster.zookeeperConnect, options.dataDir, zkModes, console?.url, secure?.clientProperties));
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping the brokers, then ZooKeeper`);
    Promise.resolve(console?.close()).then(() => stopAdopted(options.dataDir, cluster, (line) => logger.info(line))).then(() => cluster.stop()).then(
      () => {
        removeClusterState(options.dataDir);
        process.exit(0);
      },
      (err: unknown) => {
        logger.error(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The console of `cluster up`, with actions on its brokers. */
function startClusterConsole(zookeeperConnect: string, dataDir: string, port: number): Promise<RunningConsole> {
  return startConsole({ zookeeperConnect, localClusterDataDir: dataDir, port, logger: createLogger('console') });
}

/**
 * Brokers another command restarted for this cluster (`josef demo failover` brings a killed broker
 * back and records its pid in cluster.json): not our children, so cluster.stop() would leave them
 * running without ZooKeeper. Stopped first, while ZooKeeper still serves their controlled shutdown.
 */
async function stopAdopted(dataDir: string, cluster: { brokers(): LocalBroker[] }, out: (line: string) => void): Promise<void> {
  const recorded = readClusterState(dataDir)?.brokers ?? [];
  const ours = new Set(cluster.brokers().filter((b) => b.running).map((b) => b.pid));
  for (const b of recorded) if (!ours.has(b.pid)) await stopBrokerProcess(b, out);
}

async function withZk<T>(connect: string, use: (zk: ZkClient) => Promise<T>): Promise<T> {
  const zk = await ZkClient.connect({ connectString: connect, connectionTimeoutMs: inspectConnectTimeoutMs, security: commandZkSecurity(), logger: createLogger('zk', () => undefined) });
  try {
    return await use(zk);
  } finally {
    await zk.close();
  }
}

function stateHeader(state: ClusterState | undefined, upAlive: boolean, dataDir: string): string {
  if (!state) return `No \`josef cluster up\` state in ${stateFilePath(dataDir)}; showing what ZooKeeper holds.`;
  return `Cluster of ${state.dataDir}: started ${state.startedAt} by josef cluster up (pid ${state.pid}, ${upAlive ? 'running' : 'gone'})`;
}

/** What ZooKeeper holds, or undefined (said on stderr) when no server answers or the read fails. */
async function readSnapshot(connect: string, modes: ZkServerMode[]): Promise<ClusterSnapshot | undefined> {
  // srvr answers at once, or not at all: a ZooKeeper that is gone or frozen costs no session attempt.
  if (!modes.some((m) => m.mode !== undefined)) return undefined;
  try {
    return await withZk(connect, (zk) => readClusterSnapshot(zk, connect));
  } catch (err) {
    process.stderr.write(`josef: cannot read the cluster from ZooKeeper ${connect}: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
}

async function status(options: InspectOptions): Promise<void> {
  const state = readClusterState(options.dataDir);
  const upAlive = state !== undefined && isJosefProcess(state.pid, clusterUpCommandWords);
  const holder = liveLockHolder(options.dataDir);
  const { connect } = inspectedZookeeper(options.zookeeper, options.dataDir);
  process.stdout.write(`${stateHeader(state, upAlive, options.dataDir)}\n`);
  const modes = await zkServerModes(connect);
  const snapshot = await readSnapshot(connect, modes);
  process.stdout.write(snapshot ? formatClusterStatus(snapshot, state, connect) : `${formatZooKeeperLine(connect, modes)}\n`);
  const verdict = statusVerdict({
    dataDir: options.dataDir, state, upAlive,
    holder: holder && { command: holder.command, pid: holder.pid, isClusterUp: isJosefProcess(holder.pid, clusterUpCommandWords) },
  }, snapshot && brokerRows(snapshot, state));
  process.stdout.write(`\n${verdict.line}\n`);
  process.exitCode = verdict.exitCode;
}

/** Sends `signal` to `pid` unless it is gone; true when sent. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function awaitGone(pid: number, words: readonly string[], timeoutMs: number, what: string): Promise<void> {
  await waitFor(() => !isJosefProcess(pid, words), { timeoutMs, intervalMs: 100, message: `${what} (pid ${pid}) to exit` });
}

/** Stops one broker as `cluster up` would: SIGTERM (after SIGCONT, in case it was stopped), SIGKILL past the deadline. */
async function stopBrokerProcess(b: BrokerState, out: (line: string) => void): Promise<void> {
  const words = brokerCommandWords(b.id);
  if (b.pid === undefined || !isJosefProcess(b.pid, words)) return;
  out(`stopping broker ${b.id} (pid ${b.pid}) with SIGTERM: controlled shutdown`);
  signal(b.pid, 'SIGCONT');
  signal(b.pid, 'SIGTERM');
  try {
    await awaitGone(b.pid, words, brokerStopTimeoutMs, `broker ${b.id}`);
  } catch {
    out(`broker ${b.id} did not exit within ${brokerStopTimeoutMs} ms of SIGTERM; killing it (see ${b.logFile})`);
    signal(b.pid, 'SIGKILL');
    await awaitGone(b.pid, words, killWaitMs, `broker ${b.id}`);
  }
}

interface AddBrokerOptions {
  dataDir: string;
  id?: string;
  port?: string;
}

/** How long `add-broker` waits for the new broker to register in ZooKeeper. */
const addBrokerReadyTimeoutMs = 60_000;

/**
 * Starts one more broker for the running `cluster up` of dataDir: the next id (or --id), the port
 * `cluster up` would have given it (base + id - 1, or --port), its data in DATA-DIR/broker-N, and
 * waits until it is registered in /brokers/ids. It holds no partition until a reassignment gives
 * it some (or new topics land on it), as a broker added to a Kafka cluster.
 */
async function addBroker(options: AddBrokerOptions): Promise<void> {
  const state = requireClusterState(options.dataDir);
  if (!isJosefProcess(state.pid, clusterUpCommandWords)) {
    throw new Error(`the josef cluster up of ${options.dataDir} (pid ${state.pid}) is not running; start it with josef cluster up --data-dir ${options.dataDir}`);
  }
  const first = state.brokers[0];
  const id = options.id === undefined ? Math.max(...state.brokers.map((b) => b.id)) + 1 : Number(options.id);
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`--id wants a broker id (an integer, 0 or more), got ${options.id}`);
  const known = state.brokers.find((b) => b.id === id);
  if (known && isJosefProcess(known.pid, brokerCommandWords(id))) throw new Error(`broker ${id} is already running (pid ${known.pid})`);
  const port = options.port === undefined ? first.port - first.id + id : parsePort('--port', options.port, 1);
  const taken = state.brokers.find((b) => b.id !== id && b.port === port);
  if (taken) throw new Error(`port ${port} is broker ${taken.id}'s; give another with --port`);
  const metricsPort = first.metricsPort === undefined ? undefined : first.metricsPort - first.id + id;
  const b: BrokerState = known ?? { id, host: first.host, port, metricsPort, pid: undefined, logFile: path.join(state.dataDir, 'logs', `broker-${id}.log`), running: false };
  b.port = port;
  const pid = startRecordedBroker(options.dataDir, state, b, `josef cluster add-broker: starting broker ${id}`);
  await withZk(state.zookeeper.connect, (zk) => waitFor(async () => {
    if (!isJosefProcess(pid, brokerCommandWords(id))) throw new Error(`broker ${id} exited while starting; see ${b.logFile}`);
    return (await zk.getChildren('/brokers/ids')).includes(String(id));
  }, { timeoutMs: addBrokerReadyTimeoutMs, intervalMs: 100, message: `broker ${id} to register in ZooKeeper (log: ${b.logFile})` }));
  const dirFlag = options.dataDir === '.josef' ? '' : ` --data-dir ${options.dataDir}`;
  process.stdout.write([
    `broker ${id} is up: ${b.host}:${port}, pid ${pid}, log ${b.logFile}`,
    `It is registered in /brokers/ids and holds no partition yet: new topics spread over it, and existing ones move onto it with`,
    `  josef cluster rebalance${dirFlag}`,
    `or josef topic reassign (--generate, --execute, --verify). josef cluster down${dirFlag} stops it with the others.`,
    '',
  ].join('\n'));
}

/** What `cluster up` would have done, for when it is gone: brokers one by one (the controller last), then ZooKeeper. */
async function stopLeftovers(state: ClusterState, out: (line: string) => void): Promise<void> {
  const alive = state.brokers.filter((b) => isJosefProcess(b.pid, brokerCommandWords(b.id)));
  // The controller goes last only where leaderships can move: with a ZooKeeper that serves (srvr answers at once, or not at all).
  const zkServes = alive.length >= 2 && (await zkServerModes(state.zookeeper.connect)).some((m) => m.mode !== undefined);
  const controllerId = zkServes ? await withZk(state.zookeeper.connect, readControllerId).catch(() => -1) : -1;
  for (const b of [...alive].sort((x, y) => Number(x.id === controllerId) - Number(y.id === controllerId))) await stopBrokerProcess(b, out);
  const zkStatus = state.zookeeper.localDir === undefined ? undefined : await statusLocalZk(state.zookeeper.localDir);
  if (state.zookeeper.localDir !== undefined && zkStatus?.nodes.some((n) => n.alive)) {
    out(`stopping ZooKeeper in ${state.zookeeper.localDir}`);
    await stopLocalZk(state.zookeeper.localDir);
  }
}

/** The state of the cluster to stop; without one, an error that names who holds the data dir, if anyone does. */
function stateToStop(dataDir: string): ClusterState {
  const holder = readClusterState(dataDir) === undefined ? liveLockHolder(dataDir) : undefined;
  if (holder) {
    throw new Error(`no cluster state in ${stateFilePath(dataDir)} yet: \`${holder.command}\` (pid ${holder.pid}) holds ${dataDir}, `
      + 'starting a cluster or running one of its own; wait until it is up, or stop it with Ctrl-C where it runs');
  }
  return requireClusterState(dataDir);
}

async function down(options: { dataDir: string }): Promise<void> {
  const logger = createLogger('cluster');
  const state = stateToStop(options.dataDir);
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (isJosefProcess(state.pid, clusterUpCommandWords)) {
    out(`asking josef cluster up (pid ${state.pid}) to stop: brokers first (controlled shutdown, the controller last), then ZooKeeper`);
    signal(state.pid, 'SIGTERM');
    const running = new Set(state.brokers.filter((b) => isJosefProcess(b.pid, brokerCommandWords(b.id))).map((b) => b.id));
    await waitFor(() => {
      for (const b of state.brokers) {
        if (running.has(b.id) && !isJosefProcess(b.pid, brokerCommandWords(b.id))) {
          running.delete(b.id);
          out(`broker ${b.id} (pid ${b.pid}) stopped`);
        }
      }
      return !isJosefProcess(state.pid, clusterUpCommandWords);
    }, { timeoutMs: upStopTimeoutMs, intervalMs: 100, message: `josef cluster up (pid ${state.pid}) to exit` });
    const left = state.brokers.filter((b) => isJosefProcess(b.pid, brokerCommandWords(b.id)));
    if (left.length > 0) logger.warn(`josef cluster up exited with brokers ${left.map((b) => b.id).join(', ')} still running; stopping them`);
  } else {
    out(`josef cluster up (pid ${state.pid}) is not running; stopping what it left`);
  }
  // Nothing is left after a clean `cluster up` exit; this also covers one that was killed.
  await stopLeftovers(state, out);
  removeClusterState(options.dataDir);
  // Left by a `cluster up` that was killed; one that exited removed its own.
  removeStaleLock(options.dataDir);
  out('stopped.');
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('a local cluster: ZooKeeper and brokers on this machine');
  cluster.command('up')
    .description('start ZooKeeper and N brokers in the foreground; Ctrl-C stops them (logs in DATA-DIR/logs/, state in DATA-DIR/cluster.json)')
    .option('--brokers <n>', 'number of brokers (ids 1..N, ports 9092..)', '3')
    .option('--data-dir <dir>', 'folder for ZooKeeper, broker logs and data', '.josef')
    .option('--base-port <port>', 'port of broker 1; broker i listens on base + i - 1', '9092')
    .option('--metrics-base-port <port>', 'metrics.port of broker 1 (Prometheus\'s /metrics); broker i serves on base + i - 1 (default: --base-port + 100)')
    .option('--console-port <port>', 'port of the web console (josef console) started with the cluster; 0: any free one', String(CONSOLE_PORT_DEFAULT))
    .option('--no-console', 'do not start the web console')
    .option('--zk-ensemble <n>', 'local ZooKeeper nodes: 1 (standalone) or 3 (an ensemble that survives losing one); default 1, or what DATA-DIR/zk holds')
    .option('--zk-port <port>', 'client port of local ZooKeeper node 1; node i takes port + i - 1 (default 2181)')
    .option('--zookeeper <connect>', 'use this ensemble (HOST:PORT[/chroot]) instead of a local one (default: JOSEF_ZK, else local)')
    .option('--secure', 'SASL_SSL with SCRAM-SHA-256 for clients and between brokers, the authorizer on, an admin user: writes DATA-DIR/client.properties (kcat -F, --command-config)')
    .action((options: UpOptions) => up(options));

  cluster.command('status')
    .description('brokers alive (per /brokers/ids), whether each answers, their processes, controller and epoch, ZooKeeper mode, under-replicated and offline partitions')
    .option('--data-dir <dir>', 'data dir of the `josef cluster up` to look at', '.josef')
    .option('--zookeeper <connect>', 'read this ensemble instead (HOST:PORT[,...][/chroot]); the exit code still judges the cluster of DATA-DIR')
    .addHelpText('after', [
      '',
      'Exit codes, for scripts:',
      `  ${STATUS_EXIT_CODES.up}  the cluster of DATA-DIR runs and every broker it started is registered in /brokers/ids and answers`,
      `  ${STATUS_EXIT_CODES.notRunning}  no cluster runs from DATA-DIR: none was started, one is still starting, or its \`josef cluster up\` is gone`,
      `  ${STATUS_EXIT_CODES.notWhole}  it runs but is not whole: a broker is not registered (killed, frozen past its session timeout, restarting),`,
      '     or its ZooKeeper cannot be read',
      `  ${STATUS_EXIT_CODES.notAnswering}  every broker it started is registered, but one or more does not answer ApiVersions within ${brokerAnswerTimeoutMs} ms`,
      '     (stopped, out of file descriptors, stuck): ZooKeeper counts it alive while it serves nobody',
    ].join('\n'))
    .action((options: InspectOptions) => status(options));

  cluster.command('down')
    .description('stop the cluster `josef cluster up` runs from DATA-DIR: brokers by SIGTERM (controller last), then ZooKeeper; waits until all exited')
    .option('--data-dir <dir>', 'data dir of the `josef cluster up` to stop', '.josef')
    .action((options: { dataDir: string }) => down(options));

  cluster.command('add-broker')
    .description('start one more broker for the running `josef cluster up` (the next id, port base + id - 1), recorded in DATA-DIR/cluster.json so status, broker kill and down include it')
    .option('--data-dir <dir>', 'data dir of the `josef cluster up`', '.josef')
    .option('--id <n>', 'broker.id (default: the highest id + 1)')
    .option('--port <port>', 'its port (default: broker 1\'s port + id - 1)')
    .action((options: AddBrokerOptions) => addBroker(options));

  registerRebalanceCommand(cluster);
}
