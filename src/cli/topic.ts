/**
 * `josef topic create|list|describe|delete`, Kafka's kafka-topics.sh through the admin client.
 * Formatting (the describe lines, with Kafka's field names) is kept apart from doing.
 */
import type { Command } from 'commander';
import { Admin, type TopicDescription } from '../client/admin';
import { addBootstrapOption, cliClientOptions, collect, parseInteger, type BootstrapOptions } from './client-cli';
import { formatFields } from './format';

interface CreateOptions extends BootstrapOptions {
  partitions?: string;
  replicationFactor?: string;
  config: string[];
}

/** Parses `--config key=value` flags into a map; a flag without `=` is a usage error. */
export function parseConfigs(pairs: readonly string[]): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--config wants key=value, got "${pair}"`);
    configs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return configs;
}

/**
 * Kafka's describe output: a summary line per topic, then a tab-indented line per partition.
 * A partition without a leader shows `Leader: none`, as Kafka's tool prints it. Configs are not
 * served by any Josef API yet, so that field is empty.
 */
export function formatTopicDescription(topic: TopicDescription): string {
  const lines = [
    formatFields([
      ['Topic', topic.name],
      ['PartitionCount', topic.partitions.length],
      ['ReplicationFactor', topic.partitions[0]?.replicas.length ?? 0],
      ['Configs', ''],
    ]).trimEnd(),
  ];
  for (const p of topic.partitions) {
    lines.push(
      `\t${formatFields([
        ['Topic', topic.name],
        ['Partition', p.partition],
        ['Leader', p.leader < 0 ? 'none' : p.leader],
        ['Replicas', p.replicas.join(',')],
        ['Isr', p.isr.join(',')],
      ])}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface DescribeFilter {
  /** Only partitions whose ISR is smaller than their replica list (Kafka's --under-replicated-partitions). */
  underReplicated: boolean;
  /** Only partitions without a live leader (Kafka's --unavailable-partitions). */
  unavailable: boolean;
}

/** A partition passes when it matches any filter asked for; with none asked, every partition does. */
export function partitionMatches(p: TopicDescription['partitions'][number], filter: DescribeFilter): boolean {
  if (!filter.underReplicated && !filter.unavailable) return true;
  return (filter.underReplicated && p.isr.length < p.replicas.length) || (filter.unavailable && p.leader < 0);
}

/**
 * As kafka-topics.sh --describe: every topic with its summary line, or, when filtering, only the
 * matching partition lines (Kafka leaves the summary out then, so the output lists problems only).
 */
export function formatDescribe(topics: readonly TopicDescription[], filter: DescribeFilter): string {
  if (!filter.underReplicated && !filter.unavailable) return topics.map(formatTopicDescription).join('');
  return topics
    .map((t) => ({ ...t, partitions: t.partitions.filter((p) => partitionMatches(p, filter)) }))
    .filter((t) => t.partitions.length > 0)
    .map((t) => formatTopicDescription(t).split('\n').slice(1).join('\n'))
    .join('');
}

interface DescribeOptions extends BootstrapOptions {
  underReplicated?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
}

async function withAdmin<T>(options: BootstrapOptions, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(cliClientOptions(options, 'topic'));
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('create, list, describe and delete topics (kafka-topics)');

  addBootstrapOption(
    topic
      .command('create <name>')
      .description('create a topic and wait until every partition has a leader')
      .option('--partitions <n>', 'number of partitions (default: the broker\'s num.partitions)')
      .option('--replication-factor <n>', 'replicas per partition (default: the broker\'s default.replication.factor)')
      .option('--config <key=value>', 'a topic setting, e.g. retention.ms=60000 (repeatable)', collect, []),
  ).action(async (name: string, options: CreateOptions) => {
    const numPartitions = options.partitions === undefined ? -1 : parseInteger('--partitions', options.partitions, 1);
    const replicationFactor = options.replicationFactor === undefined ? -1 : parseInteger('--replication-factor', options.replicationFactor, 1);
    const configs = parseConfigs(options.config);
    await withAdmin(options, (admin) => admin.createTopics([{ name, numPartitions, replicationFactor, configs }]));
    process.stdout.write(`Created topic ${name}.\n`);
  });

  addBootstrapOption(topic.command('list').description('list topic names')).action(async (options: BootstrapOptions) => {
    const names = await withAdmin(options, (admin) => admin.listTopics());
    process.stdout.write(names.map((n) => `${n}\n`).join(''));
  });

  addBootstrapOption(
    topic
      .command('describe [name]')
      .description('partitions with leader, replicas and ISR (all topics without a name)')
      .option('--under-replicated', 'only partitions whose ISR is smaller than their replica list')
      .option('--under-replicated-partitions', 'the same, by Kafka\'s name')
      .option('--unavailable-partitions', 'only partitions without a live leader'),
  ).action(async (name: string | undefined, options: DescribeOptions) => {
    const filter: DescribeFilter = {
      underReplicated: Boolean(options.underReplicated || options.underReplicatedPartitions),
      unavailable: Boolean(options.unavailablePartitions),
    };
    const topics = await withAdmin(options, (admin) => admin.describeTopics(name === undefined ? undefined : [name]));
    process.stdout.write(formatDescribe(topics, filter));
  });

  addBootstrapOption(topic.command('delete <name>').description('delete a topic (its partitions and files)')).action(async (name: string, options: BootstrapOptions) => {
    await withAdmin(options, (admin) => admin.deleteTopics([name]));
    process.stdout.write(`Deleted topic ${name}.\n`);
  });
}
