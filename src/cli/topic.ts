/**
 * `josef topic create|list|describe|delete`, Kafka's kafka-topics.sh through the admin client, and
 * `topic elect-leaders`, Kafka's kafka-preferred-replica-election.sh through ZooKeeper.
 * Formatting (the describe lines, with Kafka's field names) is kept apart from doing.
 */
import type { Command } from 'commander';
import { Admin, type TopicDescription } from '../client/admin';
import { createLogger } from '../common/logger';
import { waitFor } from '../common/wait';
import { ZkPaths } from '../coordination/paths';
import { ZkClient } from '../coordination/zk-client';
import { ZkNodeExistsError } from '../coordination/zk-errors';
import { readTopicConfig } from '../admin/topic-admin';
import { getDataIfExists } from '../coordination/zk-reads';
import { parsePartitionState, parseTopicAssignment, serializePreferredReplicaElection, type TopicPartitionRef } from '../coordination/znodes';
import { addBootstrapOption, cliClientOptions, collect, parseInteger, type BootstrapOptions } from './client-cli';
import { inspectedZookeeper } from '../local/cluster-state';
import { commandZkSecurity } from '../local/zk-security-env';
import { formatFields, formatTable } from './format';
import { registerAlterCommand } from './topic-alter';
import { registerReassignCommand } from './topic-reassign';

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
 * A partition without a leader shows `Leader: none`, as Kafka's tool prints it. Configs are the
 * topic's overrides (`retention.ms=60000,segment.bytes=1048576`), read from ZooKeeper as the
 * ZooKeeper-era kafka-topics did (no Josef API serves them); empty when none or unknown.
 */
export function formatTopicDescription(topic: TopicDescription, configs: Record<string, string> = {}): string {
  const lines = [
    formatFields([
      ['Topic', topic.name],
      ['PartitionCount', topic.partitions.length],
      ['ReplicationFactor', topic.partitions[0]?.replicas.length ?? 0],
      ['Configs', Object.entries(configs).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')],
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
        // Replicas on a dead broker or a failed log dir (Metadata's offline_replicas), shown only when there are some.
        ...(p.offlineReplicas.length > 0 ? [['Offline', p.offlineReplicas.join(',')] as [string, string]] : []),
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
export function formatDescribe(topics: readonly TopicDescription[], filter: DescribeFilter, configs: ReadonlyMap<string, Record<string, string>> = new Map()): string {
  if (!filter.underReplicated && !filter.unavailable) return topics.map((t) => formatTopicDescription(t, configs.get(t.name))).join('');
  return topics
    .map((t) => ({ ...t, partitions: t.partitions.filter((p) => partitionMatches(p, filter)) }))
    .filter((t) => t.partitions.length > 0)
    .map((t) => formatTopicDescription(t).split('\n').slice(1).join('\n'))
    .join('');
}

interface DescribeOptions extends BootstrapOptions {
  zookeeper?: string;
  dataDir: string;
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

/** A partition's leader before and after a preferred election (undefined: no state znode). */
export interface LeaderChange extends TopicPartitionRef {
  preferred: number;
  before: number | undefined;
  after: number | undefined;
}

const leaderText = (leader: number | undefined): string => (leader === undefined || leader < 0 ? 'none' : String(leader));

/** Whether the election did what it was asked; a partition not moved is explained in the controller's log. */
export function electionOutcome(c: LeaderChange): string {
  if (c.after !== c.preferred) return 'not moved (preferred replica dead or out of the ISR)';
  return c.before === c.preferred ? 'already preferred' : 'moved';
}

/** One row per partition with its preferred replica and its leader before and after, then a summary line. */
export function formatLeaderChanges(changes: readonly LeaderChange[]): string {
  const table = formatTable(
    [{ title: 'TOPIC' }, { title: 'PARTITION', align: 'right' }, { title: 'PREFERRED', align: 'right' },
      { title: 'LEADER BEFORE', align: 'right' }, { title: 'LEADER AFTER', align: 'right' }, { title: 'RESULT' }],
    changes.map((c) => [c.topic, c.partition, c.preferred, leaderText(c.before), leaderText(c.after), electionOutcome(c)]),
  );
  const moved = changes.filter((c) => electionOutcome(c) === 'moved').length;
  const notMoved = changes.filter((c) => c.after !== c.preferred).length;
  return `${table}${changes.length} partition(s): ${moved} moved to their preferred replica, ${notMoved} not led by it.\n`;
}

interface ElectLeadersOptions {
  topic?: string;
  zookeeper?: string;
  dataDir: string;
  timeoutMs: string;
}

/** A command against ZooKeeper should fail fast when nobody answers, not wait out a session timeout. */
const zkConnectTimeoutMs = 10_000;
const electionPollIntervalMs = 200;

/** Every partition of `topic` (of every topic without one) with its preferred replica, from /brokers/topics. */
async function partitionsWithPreferred(zk: ZkClient, topic: string | undefined): Promise<Array<TopicPartitionRef & { preferred: number }>> {
  const topics = topic === undefined ? (await zk.getChildren(ZkPaths.brokerTopics)).sort() : [topic];
  const out: Array<TopicPartitionRef & { preferred: number }> = [];
  for (const name of topics) {
    const node = await getDataIfExists(zk, ZkPaths.topic(name));
    if (!node) {
      if (topic !== undefined) throw new Error(`topic ${name} does not exist`);
      continue;
    }
    for (const [partition, replicas] of parseTopicAssignment(ZkPaths.topic(name), node.data)) out.push({ topic: name, partition, preferred: replicas[0] });
  }
  return out;
}

async function leaderOf(zk: ZkClient, tp: TopicPartitionRef): Promise<number | undefined> {
  const path = ZkPaths.partitionState(tp.topic, tp.partition);
  const node = await getDataIfExists(zk, path);
  return node ? parsePartitionState(path, node.data).leader : undefined;
}

/**
 * As kafka-preferred-replica-election.sh: writes the request znode (refused while another election
 * runs), waits until the controller has handled it and deleted it, and shows what changed.
 */
async function electLeaders(options: ElectLeadersOptions): Promise<void> {
  const timeoutMs = parseInteger('--timeout-ms', options.timeoutMs, 1);
  const { connect } = inspectedZookeeper(options.zookeeper, options.dataDir);
  const zk = await ZkClient.connect({ connectString: connect, connectionTimeoutMs: zkConnectTimeoutMs, security: commandZkSecurity(), logger: createLogger('elect-leaders', () => undefined) });
  try {
    const partitions = await partitionsWithPreferred(zk, options.topic);
    if (partitions.length === 0) throw new Error(`no topics in ZooKeeper ${connect}`);
    const before = await Promise.all(partitions.map((tp) => leaderOf(zk, tp)));
    const path = ZkPaths.preferredReplicaElection;
    try {
      await zk.create(path, serializePreferredReplicaElection(partitions), 'persistent', { createParents: true });
    } catch (err) {
      if (err instanceof ZkNodeExistsError) throw new Error(`a preferred replica election is already in progress (${path} exists); try again once the controller has deleted it`);
      throw err;
    }
    await waitFor(async () => (await zk.exists(path)) === null, {
      timeoutMs, intervalMs: electionPollIntervalMs, message: `the controller to run the election and delete ${path} (is a broker running?)`,
    });
    const after = await Promise.all(partitions.map((tp) => leaderOf(zk, tp)));
    process.stdout.write(formatLeaderChanges(partitions.map((tp, i) => ({ ...tp, before: before[i], after: after[i] }))));
  } finally {
    await zk.close();
  }
}

/** How long describe waits for ZooKeeper before leaving Configs empty. */
const describeZkTimeoutMs = 3_000;

/** Each topic's overrides from /config/topics; none, with a note on stderr, when ZooKeeper does not answer. */
async function topicConfigsOrNone(options: DescribeOptions, topics: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const { connect } = inspectedZookeeper(options.zookeeper, options.dataDir);
  let zk: ZkClient | undefined;
  try {
    zk = await ZkClient.connect({ connectString: connect, connectionTimeoutMs: describeZkTimeoutMs, security: commandZkSecurity(), logger: createLogger('describe', () => undefined) });
    const out = new Map<string, Record<string, string>>();
    for (const topic of topics) out.set(topic, await readTopicConfig(zk, topic));
    return out;
  } catch (err) {
    process.stderr.write(`Configs not shown: cannot read them from ZooKeeper ${connect} (${(err as Error).message}); use --zookeeper\n`);
    return new Map();
  } finally {
    await zk?.close();
  }
}

export function registerTopicCommands(program: Command): void {
  const topic = program.command('topic').description('create, list, describe, alter and delete topics (kafka-topics); reassign partitions; elect preferred leaders');

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
      .option('--unavailable-partitions', 'only partitions without a live leader')
      .option('--zookeeper <connect>', 'where to read the topics\' config overrides (default: the cluster of --data-dir, else JOSEF_ZK, else 127.0.0.1:2181)')
      .option('--data-dir <dir>', 'data dir of a `josef cluster up` whose ZooKeeper to read configs from', '.josef'),
  ).action(async (name: string | undefined, options: DescribeOptions) => {
    const filter: DescribeFilter = {
      underReplicated: Boolean(options.underReplicated || options.underReplicatedPartitions),
      unavailable: Boolean(options.unavailablePartitions),
    };
    const topics = await withAdmin(options, (admin) => admin.describeTopics(name === undefined ? undefined : [name]));
    process.stdout.write(formatDescribe(topics, filter, await topicConfigsOrNone(options, topics.map((t) => t.name))));
  });

  topic
    .command('elect-leaders')
    .description('move leadership back to each partition\'s preferred (first) replica, through the controller (kafka-preferred-replica-election)')
    .option('--topic <name>', 'only this topic\'s partitions (default: every topic)')
    .option('--zookeeper <connect>', 'HOST:PORT[,...][/chroot] (default: the cluster of --data-dir, else JOSEF_ZK, else 127.0.0.1:2181)')
    .option('--data-dir <dir>', 'data dir of a `josef cluster up` whose ZooKeeper to use', '.josef')
    .option('--timeout-ms <ms>', 'how long to wait for the controller to finish the election', '30000')
    .action((options: ElectLeadersOptions) => electLeaders(options));

  registerAlterCommand(topic);
  registerReassignCommand(topic);

  addBootstrapOption(topic.command('delete <name>').description('delete a topic (its partitions and files)')).action(async (name: string, options: BootstrapOptions) => {
    await withAdmin(options, (admin) => admin.deleteTopics([name]));
    process.stdout.write(`Deleted topic ${name}.\n`);
  });
}
