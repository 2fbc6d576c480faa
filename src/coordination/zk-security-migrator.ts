/**
 * Kafka's ZkSecurityMigrator (zookeeper-security-migration.sh): sets the ACL zookeeper.set.acl
 * would have given every existing znode (secure), or opens them all again (unsecure), so a
 * cluster that ran without ZooKeeper security can turn it on, and back off, without a rebuild.
 */
import { defaultZkAcls } from './zk-acls';
import type { ZkClient } from './zk-client';
import { ZkNoNodeError } from './zk-errors';
import { childPath } from './zookeeper';

/**
 * Kafka's ZkData.SecureRootPaths, the trees the migrator walks, as far as Josef has them (Kafka
 * also lists /latest_producer_id_block, /delegation_token and /feature). Everything else the
 * chroot may hold is left alone, as Kafka leaves it.
 */
export const secureRootPaths: readonly string[] = [
  '/admin', '/brokers', '/cluster', '/config', '/controller', '/controller_epoch', '/isr_change_notification',
  '/log_dir_event_notification', '/kafka-acl', '/kafka-acl-changes', '/kafka-acl-extended', '/kafka-acl-extended-changes',
];

export type ZkAclMode = 'secure' | 'unsecure';

/**
 * Sets defaultZkAcls(mode === 'secure', path) on the chroot itself and on every znode of the
 * secure root paths, parents before children (a znode deleted meanwhile is skipped). Going
 * secure, the session must have credentials: the znodes become its identity's. Returns how many
 * znodes were changed.
 */
export async function migrateZkAcls(zk: ZkClient, mode: ZkAclMode): Promise<number> {
  if (mode === 'secure' && !zk.isAuthenticated) {
    throw new Error('--zookeeper.acl secure needs ZooKeeper credentials (JOSEF_ZOOKEEPER_AUTH_DIGEST=USER:PASSWORD): the znodes become that identity\'s');
  }
  const secure = mode === 'secure';
  let changed = await setAcl(zk, '/', secure) ? 1 : 0;
  for (const root of secureRootPaths) changed += await setAclRecursively(zk, root, secure);
  return changed;
}

async function setAclRecursively(zk: ZkClient, path: string, secure: boolean): Promise<number> {
  if (!await setAcl(zk, path, secure)) return 0;
  let children: string[];
  try {
    children = await zk.getChildren(path);
  } catch (err) {
    if (err instanceof ZkNoNodeError) return 1;
    throw err;
  }
  let changed = 1;
  for (const child of children) changed += await setAclRecursively(zk, childPath(path, child), secure);
  return changed;
}

/** False when the znode does not exist (any more). */
async function setAcl(zk: ZkClient, path: string, secure: boolean): Promise<boolean> {
  try {
    await zk.setAcl(path, defaultZkAcls(secure, path));
    return true;
  } catch (err) {
    if (err instanceof ZkNoNodeError) return false;
    throw err;
  }
}
