/**
 * `josef cluster rebalance`: --generate, --execute and --verify of partition reassignment in one
 * go, for every topic, over the given brokers (by default every live one: start broker 4, run
 * this, and it takes its share). It shows progress until the controller has moved every partition,
 * then removes the throttle as --verify does. The rollback plan is written to a file first.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { liveBrokers } from '../coordination/broker-registry';
import {
  executeReassignment, generateReassignment, reassignmentStatus, verifyReassignment, type PartitionVerification,
} from '../admin/reassignment-admin';
import { changedPartitions, formatPlan, type ReassignmentPlan } from '../admin/reassignment-plan';
import { listTopics } from '../admin/topic-admin';
import type { ZkClient } from '../coordination/zk-client';
import { parseInteger } from './client-cli';
import { BrokerConnections, ProgressRenderer, formatProgressLine, measureReplicas, summarizeProgress } from './reassign-progress';
import { parseThrottle } from './topic-reassign';
import { addZookeeperOptions, parseBrokerList, withZookeeper, type ZookeeperOptions } from './zk-command';

interface RebalanceOptions extends ZookeeperOptions {
  brokers?: string;
  throttle?: string;
  timeoutMs: string;
  intervalMs: string;
  disableRackAware?: boolean;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function rollbackFile(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(os.tmpdir(), `josef-rebalance-rollback-${stamp}.json`);
}

async function rebalance(zk: ZkClient, options: RebalanceOptions): Promise<boolean> {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const timeoutMs = parseInteger('--timeout-ms', options.timeoutMs, 1);
  const intervalMs = parseInteger('--interval-ms', options.intervalMs, 10);
  const throttle = parseThrottle(options.throttle);
  const brokers = options.brokers === undefined ? (await liveBrokers(zk)).map((b) => b.brokerId) : parseBrokerList('--brokers', options.brokers);
  const topics = await listTopics(zk);
  if (topics.length === 0) {
    out('No topics: nothing to rebalance.');
    return true;
  }
  const { current, proposed } = await generateReassignment(zk, topics, brokers, { rackAware: options.disableRackAware ? false : undefined });
  const moving = changedPartitions(proposed, new Map(topics.map((t) => [t, new Map(current.partitions.filter((p) => p.topic === t).map((p) => [p.partition, p.replicas]))])));
  if (moving.length === 0) {
    out(`Already balanced over brokers ${brokers.join(',')}: ${current.partitions.length} partitions of ${topics.length} topics, nothing to move.`);
    return true;
  }
  const file = rollbackFile();
  fs.writeFileSync(file, `${formatPlan(current)}\n`);
  const plan: ReassignmentPlan = { version: 1, partitions: moving };
  await executeReassignment(zk, plan, { throttleBytesPerSec: throttle });
  out(`Moving ${moving.length} of ${current.partitions.length} partitions (${topics.length} topic${topics.length === 1 ? '' : 's'}) to spread them over brokers ${brokers.join(',')}` +
    `${throttle === undefined ? '' : `, replication throttled to ${throttle} B/s per broker`}.`);
  out(`The assignment before is in ${file} (josef topic reassign --execute ${file} moves everything back).`);
  const statuses = await watchProgress(zk, plan, current, timeoutMs, intervalMs);
  const { partitions, throttlesRemoved } = await verifyReassignment(zk, plan);
  return report(partitions.length > 0 ? partitions : statuses, throttlesRemoved, throttle !== undefined, out);
}

/** Redraws progress every interval until no partition is in progress or the time is up. */
async function watchProgress(zk: ZkClient, plan: ReassignmentPlan, original: ReassignmentPlan, timeoutMs: number, intervalMs: number): Promise<PartitionVerification[]> {
  const startedMs = Date.now();
  const renderer = new ProgressRenderer(process.stdout);
  const connections = new BrokerConnections(zk, 'josef-rebalance');
  try {
    for (;;) {
      const statuses = await reassignmentStatus(zk, plan);
      const replicas = await measureReplicas(zk, connections, statuses, original);
      renderer.update(formatProgressLine(summarizeProgress(statuses, replicas), Date.now() - startedMs));
      if (!statuses.some((s) => s.status === 'in progress')) return statuses;
      if (Date.now() - startedMs > timeoutMs) {
        renderer.finish();
        throw new Error(`the reassignment did not finish within ${timeoutMs} ms; it goes on: follow it with josef topic reassign --verify (the throttle stays until then)`);
      }
      await delay(intervalMs);
    }
  } finally {
    renderer.finish();
    await connections.close();
  }
}

function report(partitions: readonly PartitionVerification[], throttlesRemoved: boolean, throttled: boolean, out: (line: string) => void): boolean {
  const failed = partitions.filter((p) => p.status === 'failed');
  for (const p of failed) out(`Reassignment of partition ${p.topic}-${p.partition} failed: replicas are ${JSON.stringify(p.assigned ?? [])}, the plan said ${JSON.stringify(p.replicas)}.`);
  out(`Done: ${partitions.length - failed.length} of ${partitions.length} partitions moved${failed.length > 0 ? `, ${failed.length} failed` : ''}.`);
  if (throttled && throttlesRemoved) out('Throttle was removed.');
  return failed.length === 0;
}

export function registerRebalanceCommand(cluster: Command): void {
  addZookeeperOptions(
    cluster
      .command('rebalance')
      .description('spread every topic\'s partitions evenly over the brokers (after adding one), moving as little as it can, and show progress until done')
      .option('--brokers <1,2,3,4>', 'the brokers to spread over (default: every live broker)')
      .option('--throttle <bytes/s>', 'limit replication of the moving replicas to this rate per broker while they copy')
      .option('--disable-rack-aware', 'ignore broker.rack when placing replicas')
      .option('--timeout-ms <ms>', 'how long to watch before leaving the reassignment to run on', '3600000')
      .option('--interval-ms <ms>', 'how often progress is measured', '1000'),
  ).action(async (options: RebalanceOptions) => {
    const ok = await withZookeeper(options, 'rebalance', (zk) => rebalance(zk, options));
    if (!ok) process.exitCode = 1;
  });
}
