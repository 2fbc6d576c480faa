/**
 * What the commands that work on ZooKeeper directly share, as Kafka's ZooKeeper-era tools did
 * (kafka-reassign-partitions --zookeeper, kafka-configs --zookeeper): the `--zookeeper` and
 * `--data-dir` options, and one short-lived session with the environment's ZooKeeper identity
 * that fails fast when nobody answers.
 */
import type { Command } from 'commander';
import { createLogger } from '../common/logger';
import { ZkClient } from '../coordination/zk-client';
import { commandZkSecurity, localCommandZkSecurity } from '../local/zk-security-env';
import { inspectedZookeeper, stateFilePath } from '../local/cluster-state';

export interface ZookeeperOptions {
  zookeeper?: string;
  dataDir: string;
}

/** A command against ZooKeeper should fail fast when nobody answers, not wait out a session timeout. */
const zkConnectTimeoutMs = 10_000;

export function addZookeeperOptions(command: Command): Command {
  return command
    .option('--zookeeper <connect>', 'HOST:PORT[,...][/chroot] (default: the cluster of --data-dir, else JOSEF_ZK, else 127.0.0.1:2181)')
    .option('--data-dir <dir>', 'data dir of a `josef cluster up` whose ZooKeeper to use', '.josef');
}

/** Runs `use` with a session to the ensemble the options name, closed afterwards. */
export async function withZookeeper<T>(options: ZookeeperOptions, tool: string, use: (zk: ZkClient, connect: string) => Promise<T>): Promise<T> {
  const { connect, source } = inspectedZookeeper(options.zookeeper, options.dataDir);
  const security = source === stateFilePath(options.dataDir) ? localCommandZkSecurity(options.dataDir) : commandZkSecurity();
  const zk = await ZkClient.connect({
    connectString: connect, connectionTimeoutMs: zkConnectTimeoutMs, security, logger: createLogger(tool, () => undefined),
  });
  try {
    return await use(zk, connect);
  } finally {
    await zk.close();
  }
}

/** `1,2,3` as broker ids. */
export function parseBrokerList(flag: string, value: string): number[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0 || !ids.every((s) => /^\d+$/.test(s))) throw new Error(`${flag} wants broker ids separated by commas (1,2,3), got "${value}"`);
  return ids.map(Number);
}
