/**
 * The cluster id in /cluster/id, created once by whichever broker gets there first (a lost race
 * reads the winner's). Every log dir's meta.properties records it, tying data to one cluster.
 */
import { randomUUID } from 'crypto';
import { ZkPaths } from './paths';
import type { ZkClient } from './zk-client';
import { ZkNodeExistsError } from './zk-errors';
import { parseClusterId, serializeClusterId } from './znodes';

/** Kafka's form: a UUID's 16 bytes in URL-safe base64 without padding (22 characters). */
export function newClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

/** Kafka's KafkaServer.getOrGenerateClusterId: read it, or create it with a conditional create. */
export async function getOrCreateClusterId(zk: ZkClient): Promise<string> {
  if (!(await zk.exists(ZkPaths.clusterId))) {
    try {
      await zk.create(ZkPaths.clusterId, serializeClusterId(newClusterId()), 'persistent', { createParents: true });
    } catch (err) {
      // Another broker created it between our exists and our create: its id is the cluster's.
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
  }
  return parseClusterId(ZkPaths.clusterId, (await zk.getData(ZkPaths.clusterId)).data);
}
