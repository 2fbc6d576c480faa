/**
 * `josef cluster up`: ZooKeeper plus N brokers on this machine, in the foreground. It prints where
 * everything listens and how to use it, and on Ctrl-C (or SIGTERM) stops the brokers cleanly,
 * the controller last, then ZooKeeper.
 */
import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { startLocalCluster, type LocalBroker } from './local-cluster';

interface UpOptions {
  brokers: string;
  dataDir: string;
  zookeeper?: string;
  basePort: string;
}

export function formatClusterTable(brokers: LocalBroker[], controllerId: number | undefined, zookeeperConnect: string, dataDir: string): string {
  const rows = brokers.map((b) => [String(b.id), `${b.host}:${b.port}`, String(b.pid ?? '-'), b.logFile, b.id === controllerId ? 'controller' : '']);
  const header = ['broker', 'address', 'pid', 'log', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const bootstrap = `${brokers[0].host}:${brokers[0].port}`;
  return [
    `Josef cluster is up: ${brokers.length} broker(s), ZooKeeper ${zookeeperConnect}, data in ${dataDir}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    'Try, in another terminal:',
    `  josef topic create demo --partitions 3 --replication-factor ${Math.min(3, brokers.length)} --bootstrap-server ${bootstrap}`,
    `  josef topic describe demo --bootstrap-server ${bootstrap}`,
    `  printf 'k1:hello\\nk2:world\\n' | josef produce demo --key-separator : --bootstrap-server ${bootstrap}`,
    `  josef consume demo --from-beginning --print-key --max-messages 2 --bootstrap-server ${bootstrap}`,
    '',
    'Ctrl-C stops the brokers, then ZooKeeper.',
    '',
  ].join('\n');
}

function parsePort(value: string, brokers: number): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port + brokers - 1 > 65535) throw new Error(`--base-port wants a port such that base + brokers - 1 <= 65535, got ${value}`);
  return port;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error(`--brokers wants a number from 1 to 100, got ${value}`);
  return n;
}

async function up(options: UpOptions): Promise<void> {
  const logger = createLogger('cluster');
  const brokers = parseCount(options.brokers);
  const basePort = parsePort(options.basePort, brokers);
  const ports = Array.from({ length: brokers }, (_, i) => basePort + i);
  const cluster = await startLocalCluster({ brokers, dataDir: options.dataDir, zookeeperConnect: options.zookeeper, ports, logger });
  process.stdout.write(formatClusterTable(cluster.brokers(), await cluster.controllerId(), cluster.zookeeperConnect, options.dataDir));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping the brokers, then ZooKeeper`);
    cluster.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('a local cluster: ZooKeeper and brokers on this machine');
  cluster.command('up')
    .description('start ZooKeeper and N brokers in the foreground; Ctrl-C stops them')
    .option('--brokers <n>', 'number of brokers (ids 1..N, ports 9092..)', '3')
    .option('--data-dir <dir>', 'folder for ZooKeeper, broker logs and data', '.josef')
    .option('--base-port <port>', 'port of broker 1; broker i listens on base + i - 1', '9092')
    .option('--zookeeper <connect>', 'use this ensemble (HOST:PORT[/chroot]) instead of a local one (default: JOSEF_ZK, else local)')
    .action((options: UpOptions) => up(options));
}
