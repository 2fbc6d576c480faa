/**
 * `josef zk start|stop|status`: a local real Apache ZooKeeper (standalone or a 3-node ensemble)
 * kept under a folder, `.josef/zk` by default. Start returns once every node serves, leaving the
 * servers running in the background. `josef zk tree` shows what Josef keeps in any ensemble.
 */
import type { Command } from 'commander';
import {
  parseEnsembleSize, startLocalZk, statusLocalZk, stopLocalZk, type LocalZkStatus,
} from '../local/local-zk';
import { ZkClient } from '../coordination/zk-client';
import { createLogger } from '../common/logger';
import { inspectedZookeeper } from '../local/cluster-state';
import { commandZkSecurity } from '../local/zk-security-env';
import { addZookeeperOptions, withZookeeper, type ZookeeperOptions } from './zk-command';
import { migrateZkAcls, type ZkAclMode } from '../coordination/zk-security-migrator';
import { parseInteger } from './client-cli';
import { formatZnodeTree, readZnodeTree, znodesMaxDefault } from './zk-tree';

const dirDefault = '.josef/zk';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${value}`);
  return port;
}

export function formatZkStatus(status: LocalZkStatus | undefined, dir: string): string {
  if (!status) return `no ZooKeeper was started in ${dir}\n`;
  const header = `ZooKeeper in ${status.dir} (${status.ensemble === 1 ? 'standalone' : `${status.ensemble}-node ensemble`}), connect ${status.connectString}`;
  const rows = status.nodes.map((n) =>
    `  node ${n.id}  port ${n.clientPort}  ${n.alive ? `pid ${n.pid}` : 'not running'}  ${n.mode ? `mode ${n.mode}` : n.alive ? 'not serving' : ''}`.trimEnd());
  return `${[header, ...rows].join('\n')}\n`;
}

/** A read-only look should fail fast when nobody answers, not wait out a broker's session timeout. */
const inspectConnectTimeoutMs = 10_000;

interface TreeOptions {
  zookeeper?: string;
  dataDir: string;
  maxZnodes: string;
}

async function tree(path: string, options: TreeOptions): Promise<void> {
  if (!path.startsWith('/')) throw new Error(`PATH must start with /, got "${path}"`);
  const znodesMax = parseInteger('--max-znodes', options.maxZnodes, 1);
  const { connect, source } = inspectedZookeeper(options.zookeeper, options.dataDir);
  const zk = await ZkClient.connect({
    connectString: connect, connectionTimeoutMs: inspectConnectTimeoutMs, security: commandZkSecurity(), logger: createLogger('zk-tree', () => undefined),
  });
  try {
    const root = await readZnodeTree(zk, path.length > 1 ? path.replace(/\/+$/, '') : path, znodesMax);
    if (!root) throw new Error(`no znode ${path} in ZooKeeper ${connect}`);
    process.stdout.write(`ZooKeeper ${connect} (from ${source}); paths below are under its chroot\n${formatZnodeTree(root)}`);
  } finally {
    await zk.close();
  }
}

export function registerZkCommands(program: Command): void {
  const zk = program.command('zk').description('run a local Apache ZooKeeper (standalone or a 3-node ensemble) for Josef');

  zk.command('start')
    .description('start ZooKeeper in the background (the nodes of DIR that are not running) and print its connect string')
    .option('--dir <dir>', 'folder for configs, data, pid files and logs', dirDefault)
    .option('--ensemble <n>', '1 (standalone) or 3 nodes (default 1, or what DIR holds)', parseEnsembleSize)
    .option('--port <port>', 'client port of node 1; node i listens on port + i - 1 (default 2181)', parsePort)
    .action(async (opts: { dir: string; ensemble?: 1 | 3; port?: number }) => {
      const zkHandle = await startLocalZk({ dir: opts.dir, ensemble: opts.ensemble, basePort: opts.port, detached: true });
      process.stdout.write(`${zkHandle.connectString}\n`);
    });

  zk.command('stop')
    .description('stop the ZooKeeper started in DIR')
    .option('--dir <dir>', 'folder ZooKeeper was started in', dirDefault)
    .action(async (opts: { dir: string }) => {
      await stopLocalZk(opts.dir);
    });

  zk.command('status')
    .description('show each node of the ZooKeeper in DIR: pid and mode; exits 1 unless all serve')
    .option('--dir <dir>', 'folder ZooKeeper was started in', dirDefault)
    .action(async (opts: { dir: string }) => {
      const status = await statusLocalZk(opts.dir);
      process.stdout.write(formatZkStatus(status, opts.dir));
      if (!status || status.nodes.some((n) => n.mode === undefined)) process.exitCode = 1;
    });

  zk.command('tree [path]')
    .description('print the znodes under PATH (default /) with their data: /brokers/ids, /controller, partition states, ...')
    .option('--zookeeper <connect>', 'HOST:PORT[,...][/chroot] (default: the cluster of --data-dir, else JOSEF_ZK, else 127.0.0.1:2181)')
    .option('--data-dir <dir>', 'data dir of a `josef cluster up` whose ZooKeeper to read', '.josef')
    .option('--max-znodes <n>', 'stop after this many znodes', String(znodesMaxDefault))
    .action((path: string | undefined, opts: TreeOptions) => tree(path ?? '/', opts));

  addZookeeperOptions(zk.command('security-migration'))
    .description('as Kafka\'s zookeeper-security-migration: give every existing znode the ACL zookeeper.set.acl gives new ones (secure), or open them to anyone (unsecure); ' +
      'the identity is JOSEF_ZOOKEEPER_AUTH_DIGEST=USER:PASSWORD')
    .requiredOption('--zookeeper.acl <mode>', 'secure or unsecure', parseZkAclMode)
    .action(async (opts: ZookeeperOptions & { 'zookeeper.acl': ZkAclMode }) => {
      const mode = opts['zookeeper.acl'];
      await withZookeeper(opts, 'zk-security-migration', async (session, connect) => {
        const changed = await migrateZkAcls(session, mode);
        process.stdout.write(`set ${mode === 'secure' ? `secure ACLs (${session.identity} may write, anyone may read but /config/users and /config/brokers)` : 'open ACLs'} ` +
          `on ${changed} znodes of ZooKeeper ${connect}\n`);
      });
    });
}

function parseZkAclMode(value: string): ZkAclMode {
  if (value !== 'secure' && value !== 'unsecure') throw new Error(`--zookeeper.acl wants secure or unsecure, got "${value}"`);
  return value;
}
