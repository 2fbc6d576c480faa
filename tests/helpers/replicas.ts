/** What e2e tests read of a partition's replicas: its state znode, and each replica's log bytes on disk. */
import * as fs from 'fs';
import * as path from 'path';
import type { ZkClient } from '../../src/coordination/zk-client';
import { readPartitionState } from '../../src/admin/topic-admin';
import type { PartitionStateZnode } from '../../src/coordination/znodes';
import type { TestCluster } from './cluster';

/** Leader, leader epoch and ISR as the state znode has them now. */
export async function partitionState(zk: ZkClient, topic: string, partition = 0): Promise<PartitionStateZnode> {
  const state = await readPartitionState(zk, topic, partition);
  if (!state) throw new Error(`${topic}-${partition} has no state znode`);
  return state;
}

/** A replica's log as one byte string: its segments' .log files in offset order (empty when it has none yet). */
export function replicaLogBytes(cluster: TestCluster, brokerId: number, topic: string, partition = 0): Buffer {
  const dir = path.join(cluster.cluster.broker(brokerId).logDir, topic, String(partition));
  if (!fs.existsSync(dir)) return Buffer.alloc(0);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}
