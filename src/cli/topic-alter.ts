/**
 * `josef topic alter NAME --partitions N | --config k=v | --delete-config k`: Kafka's
 * kafka-topics --alter and kafka-configs --alter (--zookeeper forms). Partitions are added to the
 * topic znode (the controller creates them); configs go to /config/topics with a change
 * notification (every broker applies them live).
 */
import type { Command } from 'commander';
import { addPartitions, alterTopicConfig } from '../admin/topic-admin';
import { collect, parseInteger } from './client-cli';
import { parseConfigs } from './topic';
import { addZookeeperOptions, withZookeeper, type ZookeeperOptions } from './zk-command';

interface AlterOptions extends ZookeeperOptions {
  partitions?: string;
  config: string[];
  deleteConfig: string[];
}

/** Kafka's warning, word for word, when partitions are added. */
export const KEYED_PARTITIONS_WARNING =
  'WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected';

const formatConfigs = (configs: Record<string, string>): string =>
  Object.keys(configs).length === 0 ? '(none)' : Object.entries(configs).map(([k, v]) => `${k}=${v}`).join(',');

async function alter(name: string, options: AlterOptions): Promise<void> {
  const wantsPartitions = options.partitions !== undefined;
  const wantsConfig = options.config.length > 0 || options.deleteConfig.length > 0;
  if (!wantsPartitions && !wantsConfig) throw new Error('say what to alter: --partitions N, --config key=value or --delete-config key');
  const total = wantsPartitions ? parseInteger('--partitions', options.partitions as string, 1) : undefined;
  const set = parseConfigs(options.config);
  await withZookeeper(options, 'topic-alter', async (zk) => {
    if (wantsConfig) {
      const now = await alterTopicConfig(zk, name, set, options.deleteConfig);
      process.stdout.write(`Completed updating config for topic ${name}. Configs: ${formatConfigs(now)}\n`);
    }
    if (total !== undefined) {
      process.stdout.write(`${KEYED_PARTITIONS_WARNING}\n`);
      const added = await addPartitions(zk, name, total);
      const list = [...added].map(([p, replicas]) => `${p}:[${replicas.join(',')}]`).join(' ');
      process.stdout.write(`Adding partitions succeeded! Topic ${name} now has ${total} partitions; new: ${list}\n`);
    }
  });
}

export function registerAlterCommand(topic: Command): void {
  addZookeeperOptions(
    topic
      .command('alter <name>')
      .description('add partitions to a topic, or change its config on the running brokers (kafka-topics --alter, kafka-configs --alter)')
      .option('--partitions <n>', 'the new number of partitions; it can only grow (keyed records will map to other partitions)')
      .option('--config <key=value>', 'set a topic config, e.g. retention.ms=60000 (repeatable); brokers apply it without a restart', collect, [])
      .option('--delete-config <key>', 'remove a topic config, back to the broker default (repeatable)', collect, []),
  ).action((name: string, options: AlterOptions) => alter(name, options));
}
