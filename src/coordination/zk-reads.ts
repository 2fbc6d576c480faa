/**
 * Reads for which a missing znode is an answer, not a failure: a broker that just died, a topic
 * just deleted. Every other ZooKeeper error still throws.
 */
import type { ZooKeeper, ZkNodeData } from './zk-client';
import { ZkNoNodeError } from './zk-errors';

/** A znode's children, sorted; none if it does not exist. */
export async function getChildrenIfExists(zk: ZooKeeper, path: string): Promise<string[]> {
  try {
    return (await zk.getChildren(path)).sort();
  } catch (err) {
    if (err instanceof ZkNoNodeError) return [];
    throw err;
  }
}

export async function getDataIfExists(zk: ZooKeeper, path: string): Promise<ZkNodeData | undefined> {
  try {
    return await zk.getData(path);
  } catch (err) {
    if (err instanceof ZkNoNodeError) return undefined;
    throw err;
  }
}
