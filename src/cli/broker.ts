/**
 * `josef broker start`: one broker in the foreground. It prints one line when it serves, shuts
 * down cleanly on SIGTERM/SIGINT (controlled shutdown, drain, flush, checkpoints) and exits 0;
 * a startup failure is one line on stderr and exit code 1. `josef broker kill` signals a broker
 * of a `josef cluster up`, for demonstrations of what each way of dying does to the cluster.
 */
import { Option, type Command } from 'commander';
import { Broker } from '../broker';
import { loadBrokerConfig } from '../common/config';
import { formatAddresses } from '../common/endpoint';
import { createLogger } from '../common/logger';
import { brokerCommandWords, isJosefProcess, requireClusterState } from '../local/cluster-state';

interface StartOptions {
  id?: string;
  config?: string;
  port?: string;
  logDirs?: string;
  zookeeper?: string;
  override: string[];
  shutdownOnStdinClose?: boolean;
}

/** A shutdown that takes longer than this (a wedged disk, an unreachable ensemble) ends the process anyway. */
const shutdownWatchdogMs = 120_000;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--override key=value` pairs (Kafka's kafka-server-start.sh --override) as Kafka-named flags. */
function overrides(pairs: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--override wants key=value, got "${pair}"`);
    flags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return flags;
}

export function readyLine(broker: Broker): string {
  return `broker ${broker.brokerId} listening on ${formatAddresses(broker.advertisedEndpoints)} (controller: ${broker.isController ? 'yes' : 'no'})\n`;
}

async function start(options: StartOptions): Promise<void> {
  const logger = createLogger('broker');
  const { config, warnings } = loadBrokerConfig({
    file: options.config,
    flags: {
      ...overrides(options.override),
      'broker.id': options.id,
      'log.dirs': options.logDirs,
      'zookeeper.connect': options.zookeeper,
      port: options.port,
    },
  });
  for (const warning of warnings) logger.warn(warning);
  const broker = new Broker({
    config,
    logger: logger.child(String(config.brokerId)),
    // Kafka halts when every log dir has failed: the process ends with an error, not a clean exit.
    onHalt: (reason) => {
      process.stderr.write(`josef: broker ${config.brokerId} stopped: ${reason}\n`);
      process.exit(1);
    },
  });
  let stopping: Promise<void> | undefined;
  const stop = (why: string): void => {
    if (stopping) return;
    logger.info(`${why}: shutting down`);
    setTimeout(() => {
      logger.error(`shutdown did not finish within ${shutdownWatchdogMs} ms; exiting`);
      process.exit(1);
    }, shutdownWatchdogMs).unref();
    stopping = broker.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (options.shutdownOnStdinClose) {
    // `josef cluster up` holds our stdin: if it dies without stopping us, we stop too.
    process.stdin.on('end', () => stop('the parent process is gone (stdin closed)'));
    process.stdin.on('error', () => stop('the parent process is gone (stdin error)'));
    process.stdin.resume();
  }
  try {
    await broker.startup();
  } catch (err) {
    process.stderr.write(`josef: broker ${config.brokerId} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    await broker.shutdown().catch(() => undefined);
    process.exit(1);
  }
  if (!stopping) process.stdout.write(readyLine(broker));
}

/** The signals `broker kill` sends, and what a learner should watch for after each. */
export const KILL_SIGNALS = {
  KILL: 'it dies at once, with no controlled shutdown. Its ZooKeeper session lives on until zookeeper.session.timeout.ms '
    + 'passes; then /brokers/ids/<id> vanishes and the controller elects new leaders for the partitions it led.',
  TERM: 'controlled shutdown: it asks the controller to move its leaderships to other ISR members, then exits.',
  STOP: 'it is frozen, neither dead nor alive: its ZooKeeper session expires as for KILL, and followers drop out of '
    + 'the ISR if it led; resume it with --signal CONT.',
  CONT: 'it resumes, finds its ZooKeeper session expired, and registers again as a new broker epoch.',
} as const;

export type KillSignal = keyof typeof KILL_SIGNALS;

export function parseKillSignal(value: string): KillSignal {
  const name = value.toUpperCase().replace(/^SIG/, '');
  if (!(name in KILL_SIGNALS)) throw new Error(`--signal wants one of ${Object.keys(KILL_SIGNALS).join(', ')}, got "${value}"`);
  return name as KillSignal;
}

function kill(idText: string, options: { signal: string; dataDir: string }): void {
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id < 0) throw new Error(`ID wants a broker id, got "${idText}"`);
  const signal = parseKillSignal(options.signal);
  const state = requireClusterState(options.dataDir);
  const broker = state.brokers.find((b) => b.id === id);
  if (!broker) throw new Error(`broker ${id} is not part of the cluster of ${options.dataDir} (brokers ${state.brokers.map((b) => b.id).join(', ')})`);
  if (broker.pid === undefined || !isJosefProcess(broker.pid, brokerCommandWords(id))) {
    throw new Error(`broker ${id} is not running${broker.exit ? ` (it exited: ${broker.exit})` : ''}`);
  }
  process.kill(broker.pid, `SIG${signal}`);
  process.stdout.write(`sent SIG${signal} to broker ${id} (pid ${broker.pid}): ${KILL_SIGNALS[signal]}\n`);
}

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('run a Josef broker');
  broker.command('start')
    .description('start a broker in the foreground; SIGTERM or Ctrl-C shuts it down cleanly')
    .option('--id <n>', 'broker.id')
    .option('--config <file>', 'a server.properties file (Kafka syntax and names)')
    .option('--port <port>', 'port of the only listener (default 9092 + id - 1; 0 picks a free one); several listeners: set listeners')
    .option('--log-dirs <dirs>', 'log.dirs: folders for the partition logs, comma-separated')
    .option('--zookeeper <connect>', 'zookeeper.connect: HOST:PORT[,HOST:PORT...][/chroot]')
    .option('--override <key=value>', 'any server.properties setting (repeatable)', collect, [])
    .addHelpText('after', '\nSettings: flags over JOSEF_* environment variables (JOSEF_BROKER_ID, JOSEF_ZK, ...) over --config over defaults.')
    .addOption(new Option('--shutdown-on-stdin-close', 'stop when stdin closes (used by `josef cluster up`)').hideHelp())
    .action((options: StartOptions) => start(options));
  broker.command('kill <id>')
    .description('send a signal to a broker of `josef cluster up` (by the pid in DATA-DIR/cluster.json), to watch failover')
    .option('--signal <signal>', `${Object.keys(KILL_SIGNALS).join(', ')}: die at once, shut down cleanly, freeze, resume`, 'KILL')
    .option('--data-dir <dir>', 'data dir of the `josef cluster up`', '.josef')
    .action((id: string, options: { signal: string; dataDir: string }) => kill(id, options));
}
