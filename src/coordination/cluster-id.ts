/**
 * The cluster id in /cluster/id, created once by whichever broker gets there first (a lost race
 * reads the winner's). Every log dir's meta.properties records it, tying data to one cluster.
 */
import { randomUUID } from 'crypto';
import { ZkPaths } from './paths';
import { encodeJson, type ZkClient } from './zk-client';
import { ZkNodeExistsError } from './zk-errors';

/** Kafka's form: a UUID's 16 bytes in URL-safe base64 without padding (22 characters). */
export function newClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export async function getOrCreateClusterId(zk: ZkClient): Promise<string> {
  const existing = await zk.exists(ZkPaths.clusterId);
  if (!existing) {
    try {
      await zk.create(ZkPaths.clusterId, encodeJson({ version: '1', id: newClusterId() }), 'persistent', { createParents: true });
    } catch (err) {
      if (!(err instanceof ZkNodeExistsError)) throw err;
    }
  }
  const { value } = await zk.getJson<{ id?: unknown }>(ZkPaths.clusterId);
  if (typeof value.id !== 'string') throw new Error(`malformed znode ${ZkPaths.clusterId}: no "id"`);
  return value.id;
}
