/**
 * `josef console`: the web console of a cluster, named by --zookeeper (read-only) or by the data
 * dir of a `josef cluster up` (whose brokers the page may then kill, restart and load). Runs in
 * the foreground until Ctrl-C; `cluster up` starts the same console by itself.
 */
import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { CONSOLE_PORT_DEFAULT, startConsole } from '../console/console';
import { inspectedZookeeper, readClusterState } from '../local/cluster-state';
import { parseInteger } from './client-cli';

interface ConsoleCommandOptions {
  zookeeper?: string;
  dataDir: string;
  host: string;
  port: string;
}

async function runConsole(options: ConsoleCommandOptions): Promise<void> {
  const local = options.zookeeper === undefined && readClusterState(options.dataDir) !== undefined;
  const { connect, source } = inspectedZookeeper(options.zookeeper, options.dataDir);
  const port = parseInteger('--port', options.port, 0);
  if (port > 65535) throw new Error(`--port wants a port from 0 to 65535, got ${port}`);
  const console = await startConsole({
    zookeeperConnect: connect, localClusterDataDir: local ? options.dataDir : undefined, host: options.host, port, logger: createLogger('console'),
  });
  process.stdout.write([
    `Josef console: ${console.url}`,
    `ZooKeeper ${connect} (from ${source})${local ? `; actions on the cluster of ${options.dataDir}` : '; read-only'}`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'));
  const stop = (): void => void console.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function registerConsoleCommand(program: Command): void {
  program.command('console')
    .description('a web page showing the cluster live: brokers, partitions, groups, ZooKeeper\'s tree, throughput and the events of a failover')
    .option('--zookeeper <connect>', 'the cluster\'s ensemble, chroot included (read-only console)')
    .option('--data-dir <dir>', 'data dir of a `josef cluster up`: its ZooKeeper, and actions on its brokers', '.josef')
    .option('--host <host>', 'address to serve on', '127.0.0.1')
    .option('--port <port>', 'port to serve on (0: any free one)', String(CONSOLE_PORT_DEFAULT))
    .action((options: ConsoleCommandOptions) => runConsole(options));
}
