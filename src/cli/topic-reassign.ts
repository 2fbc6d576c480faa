/**
 * `josef topic reassign --generate|--execute|--verify`, Kafka's kafka-reassign-partitions.sh
 * (--zookeeper form), with its messages. The work is in src/admin/reassignment-admin.ts;
 * this file parses flags, reads plan files and formats what happened.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import {
  executeReassignment, generateReassignment, verifyReassignment, type PartitionVerification,
} from '../admin/reassignment-admin';
import { formatPlan, parsePlan, type ReassignmentPlan } from '../admin/reassignment-plan';
import { parseInteger } from './client-cli';
import { addZookeeperOptions, parseBrokerList, withZookeeper, type ZookeeperOptions } from './zk-command';
import { partitionKey } from '../common/topic';

interface ReassignOptions extends ZookeeperOptions {
  generate?: boolean;
  execute?: string;
  verify?: string;
  topics?: string;
  brokers?: string;
  throttle?: string;
  disableRackAware?: boolean;
}

export function readPlanFile(file: string): ReassignmentPlan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the plan file ${file}: ${(err as Error).message}`);
  }
  return parsePlan(text, file);
}

/** Kafka's --generate output: the current assignment (to roll back with) and the proposal. */
export function formatGenerated(current: ReassignmentPlan, proposed: ReassignmentPlan): string {
  return `Current partition replica assignment\n${formatPlan(current)}\n\nProposed partition reassignment configuration\n${formatPlan(proposed)}\n`;
}

/** Kafka's --verify lines, one per partition. */
export function formatVerification(partitions: readonly PartitionVerification[], throttlesRemoved: boolean): string {
  const lines = ['Status of partition reassignment:'];
  for (const p of partitions) {
    if (p.status === 'done') lines.push(`Reassignment of partition ${partitionKey(p.topic, p.partition)} is complete.`);
    else if (p.status === 'in progress') lines.push(`Reassignment of partition ${partitionKey(p.topic, p.partition)} is still in progress.`);
    else lines.push(`Reassignment of partition ${partitionKey(p.topic, p.partition)} failed: replicas are ${p.assigned ? JSON.stringify(p.assigned) : 'unknown (no such partition)'}, the plan says ${JSON.stringify(p.replicas)}.`);
  }
  if (throttlesRemoved) lines.push('Throttle was removed.');
  else lines.push('Throttles stay until every partition is done: run --verify again.');
  return `${lines.join('\n')}\n`;
}

export function parseThrottle(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseInteger('--throttle', value, 1);
}

async function generate(options: ReassignOptions): Promise<void> {
  if (options.topics === undefined || options.brokers === undefined) throw new Error('--generate needs --topics T[,T...] and --brokers 1,2,3');
  const topics = options.topics.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const brokers = parseBrokerList('--brokers', options.brokers);
  const { current, proposed } = await withZookeeper(options, 'reassign', (zk) =>
    generateReassignment(zk, topics, brokers, { rackAware: options.disableRackAware ? false : undefined }));
  process.stdout.write(formatGenerated(current, proposed));
}

async function execute(file: string, options: ReassignOptions): Promise<void> {
  const plan = readPlanFile(file);
  const throttle = parseThrottle(options.throttle);
  const { rollback, moving } = await withZookeeper(options, 'reassign', (zk) => executeReassignment(zk, plan, { throttleBytesPerSec: throttle }));
  if (moving.length === 0) {
    process.stdout.write('Every partition of the plan already has the replicas it names: nothing to reassign.\n');
    return;
  }
  const lines = [
    'Current partition replica assignment',
    '',
    formatPlan(rollback),
    '',
    'Save this to use as the --execute file during rollback',
  ];
  if (throttle !== undefined) {
    lines.push(`The inter-broker throttle limit was set to ${throttle} B/s`,
      'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.');
  }
  lines.push(`Successfully started partition reassignment for ${moving.map((p) => partitionKey(p.topic, p.partition)).join(',')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function verify(file: string, options: ReassignOptions): Promise<void> {
  const plan = readPlanFile(file);
  const { partitions, throttlesRemoved } = await withZookeeper(options, 'reassign', (zk) => verifyReassignment(zk, plan));
  process.stdout.write(formatVerification(partitions, throttlesRemoved));
}

export function registerReassignCommand(topic: Command): void {
  addZookeeperOptions(
    topic
      .command('reassign')
      .description('move partitions between brokers through the controller (kafka-reassign-partitions): --generate a plan, --execute it, --verify it')
      .option('--generate', 'print the current assignment of --topics and a balanced one over --brokers (keeps what it can)')
      .option('--topics <t,t>', 'with --generate: the topics to move')
      .option('--brokers <1,2,3>', 'with --generate: the brokers to spread them over')
      .option('--disable-rack-aware', 'with --generate: ignore broker.rack')
      .option('--execute <plan.json>', 'start the reassignment in the file (Kafka\'s {"version":1,"partitions":[{"topic","partition","replicas"}]})')
      .option('--throttle <bytes/s>', 'with --execute: limit replication of the moving replicas to this rate, per broker')
      .option('--verify <plan.json>', 'say per partition whether it is done, and remove the throttle once none is in progress'),
  ).action(async (options: ReassignOptions) => {
    const modes = [options.generate, options.execute, options.verify].filter((m) => m !== undefined && m !== false).length;
    if (modes !== 1) throw new Error('say exactly one of --generate, --execute PLAN.json, --verify PLAN.json');
    if (options.generate) await generate(options);
    else if (options.execute !== undefined) await execute(options.execute, options);
    else await verify(options.verify as string, options);
  });
}
