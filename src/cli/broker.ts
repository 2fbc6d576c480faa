/**
 * `josef broker start`: one broker in the foreground. It prints one line when it serves, shuts
 * down cleanly on SIGTERM/SIGINT (controlled shutdown, drain, flush, checkpoints) and exits 0;
 * a startup failure is one line on stderr and exit code 1.
 */
import { Option, type Command } from 'commander';
import { Broker } from '../broker';
import { loadBrokerConfig } from '../common/config';
import { createLogger } from '../common/logger';

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
  const { host, port } = broker.advertisedEndpoint;
  return `broker ${broker.brokerId} listening on ${host}:${port} (controller: ${broker.isController ? 'yes' : 'no'})\n`;
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
  const broker = new Broker({ config, logger: logger.child(String(config.brokerId)) });
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

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('run a Josef broker');
  broker.command('start')
    .description('start a broker in the foreground; SIGTERM or Ctrl-C shuts it down cleanly')
    .option('--id <n>', 'broker.id')
    .option('--config <file>', 'a server.properties file (Kafka syntax and names)')
    .option('--port <port>', 'port of the listener (default 9092 + id - 1; 0 picks a free one)')
    .option('--log-dirs <dirs>', 'log.dirs: folders for the partition logs, comma-separated')
    .option('--zookeeper <connect>', 'zookeeper.connect: HOST:PORT[,HOST:PORT...][/chroot]')
    .option('--override <key=value>', 'any server.properties setting (repeatable)', collect, [])
    .addHelpText('after', '\nSettings: flags over JOSEF_* environment variables (JOSEF_BROKER_ID, JOSEF_ZK, ...) over --config over defaults.')
    .addOption(new Option('--shutdown-on-stdin-close', 'stop when stdin closes (used by `josef cluster up`)').hideHelp())
    .action((options: StartOptions) => start(options));
}
