/**
 * `josef group list|describe|reset-offsets|delete` (Kafka's kafka-consumer-groups.sh): the groups
 * of the cluster, one group's partitions with committed offset, log end offset, lag and owner,
 * moving an inactive group's committed offsets to the start, the end or an offset, and deleting
 * an inactive group with its offsets.
 */
import type { Command } from 'commander';
import { Consumer } from '../client/consumer';
import { GroupAdmin, type GroupDescription } from '../client/group-admin';
import { type TopicPartition } from '../client/records';
import { consumerLag } from '../group/consumer-lag';
import { addBootstrapOption, cliClientOptions, parseInteger, type BootstrapOptions } from './client-cli';
import { formatTable, type FieldValue } from './format';
import { partitionKey } from '../common/topic';

export interface GroupPartitionRow {
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

/** Kafka's describe table: one row per partition the group commits to or owns, lag where both offsets are known. */
export function formatGroupDescription(groupId: string, rows: readonly GroupPartitionRow[]): string {
  const dash = (v: FieldValue): FieldValue => (v === null || v === undefined ? '-' : v);
  const sorted = [...rows].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return formatTable(
    [{ title: 'GROUP' }, { title: 'TOPIC' }, { title: 'PARTITION', align: 'right' }, { title: 'CURRENT-OFFSET', align: 'right' },
      { title: 'LOG-END-OFFSET', align: 'right' }, { title: 'LAG', align: 'right' }, { title: 'CONSUMER-ID' }, { title: 'HOST' }, { title: 'CLIENT-ID' }],
    sorted.map((r) => [
      groupId, r.topic, r.partition, dash(r.currentOffset), dash(r.logEndOffset),
      consumerLag(r.currentOffset, r.logEndOffset) ?? '-',
      dash(r.consumerId), dash(r.host), dash(r.clientId),
    ]),
  );
}

/** Joins committed offsets and members' assignments into rows (log end offsets filled in later). */
export function groupPartitionRows(description: GroupDescription, committed: ReadonlyMap<string, TopicPartition & { offset: number }>): GroupPartitionRow[] {
  const rows = new Map<string, GroupPartitionRow>();
  for (const c of committed.values()) {
    rows.set(partitionKey(c.topic, c.partition), { topic: c.topic, partition: c.partition, currentOffset: c.offset >= 0 ? c.offset : null, logEndOffset: null, consumerId: null, host: null, clientId: null });
  }
  for (const m of description.members) {
    for (const tp of m.assignment) {
      const key = partitionKey(tp.topic, tp.partition);
      const row = rows.get(key) ?? { topic: tp.topic, partition: tp.partition, currentOffset: null, logEndOffset: null, consumerId: null, host: null, clientId: null };
      rows.set(key, { ...row, consumerId: m.memberId, host: m.clientHost, clientId: m.clientId });
    }
  }
  return [...rows.values()];
}

async function withClients<T>(options: BootstrapOptions, run: (admin: GroupAdmin, consumer: Consumer) => Promise<T>): Promise<T> {
  const admin = new GroupAdmin(cliClientOptions(options, 'group'));
  const consumer = new Consumer(cliClientOptions(options, 'group'));
  try {
    return await run(admin, consumer);
  } finally {
    await consumer.close();
    await admin.close();
  }
}

async function list(options: BootstrapOptions): Promise<void> {
  await withClients(options, async (admin) => {
    const groups = await admin.listGroups();
    process.stdout.write(formatTable([{ title: 'GROUP' }, { title: 'STATE' }, { title: 'PROTOCOL-TYPE' }, { title: 'COORDINATOR', align: 'right' }],
      groups.map((g) => [g.groupId, g.state, g.protocolType, g.coordinator])));
  });
}

async function describe(groupId: string, options: BootstrapOptions): Promise<void> {
  await withClients(options, async (admin, consumer) => {
    const [description, committed] = [await admin.describeGroup(groupId), await admin.committedOffsets(groupId)];
    const rows = groupPartitionRows(description, committed);
    const ends = await consumer.endOffsets(rows.map((r) => ({ topic: r.topic, partition: r.partition })));
    for (const r of rows) r.logEndOffset = ends.get(partitionKey(r.topic, r.partition)) ?? null;
    process.stdout.write(`Group ${groupId}: ${description.state}, ${description.members.length} member(s), assignor ${description.protocol || '-'}, coordinator broker ${description.coordinator}\n\n`);
    process.stdout.write(formatGroupDescription(groupId, rows));
  });
}

interface ResetOptions extends BootstrapOptions {
  topic: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
}

async function resetOffsets(groupId: string, options: ResetOptions): Promise<void> {
  const targets = [options.toEarliest, options.toLatest, options.toOffset !== undefined].filter(Boolean).length;
  if (targets !== 1) throw new Error('give exactly one of --to-earliest, --to-latest, --to-offset N');
  await withClients(options, async (admin, consumer) => {
    const partitions = await consumer.partitionsFor(options.topic);
    const fixed = options.toOffset === undefined ? undefined : parseInteger('--to-offset', options.toOffset, 0);
    const found = fixed !== undefined ? undefined : options.toEarliest ? await consumer.beginningOffsets(partitions) : await consumer.endOffsets(partitions);
    const offsets = partitions.map((tp) => ({ ...tp, offset: fixed ?? found!.get(partitionKey(tp.topic, tp.partition)) ?? 0 }));
    await admin.alterOffsets(groupId, offsets);
    process.stdout.write(formatTable([{ title: 'GROUP' }, { title: 'TOPIC' }, { title: 'PARTITION', align: 'right' }, { title: 'NEW-OFFSET', align: 'right' }],
      offsets.map((o) => [groupId, o.topic, o.partition, o.offset])));
  });
}

async function deleteGroup(groupId: string, options: BootstrapOptions): Promise<void> {
  await withClients(options, async (admin) => {
    await admin.deleteGroup(groupId);
    // kafka-consumer-groups --delete's words.
    process.stdout.write(`Deletion of requested consumer groups ('${groupId}') was successful.\n`);
  });
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('consumer groups: list, describe, reset offsets, delete (kafka-consumer-groups)');
  addBootstrapOption(group.command('list').description('list the consumer groups of the cluster')).action((options: BootstrapOptions) => list(options));
  addBootstrapOption(group.command('describe <group>').description('partitions, committed offsets, lag and owners of a group'))
    .action((groupId: string, options: BootstrapOptions) => describe(groupId, options));
  addBootstrapOption(
    group.command('reset-offsets <group>')
      .description('move an inactive group\'s committed offsets (refused while it has members)')
      .requiredOption('--topic <topic>', 'the topic whose offsets move')
      .option('--to-earliest', 'to each partition\'s first offset')
      .option('--to-latest', 'to each partition\'s end')
      .option('--to-offset <n>', 'to this offset in every partition'),
  ).action((groupId: string, options: ResetOptions) => resetOffsets(groupId, options));
  addBootstrapOption(group.command('delete <group>').description('delete an inactive group and its committed offsets (refused while it has members)'))
    .action((groupId: string, options: BootstrapOptions) => deleteGroup(groupId, options));
}
