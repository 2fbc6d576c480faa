/**
 * The ACL store and the broker's AclAuthorizer against the real ZooKeeper: ACLs there at startup
 * are loaded, a change written by another session reaches the cache through the notifications
 * (literal and prefixed), racing writers both land thanks to the conditional writes, and the
 * znodes are Kafka's.
 */
import { ZkClient } from '../../../src/coordination/zk-client';
import { AclAuthorizer } from '../../../src/security/acl-authorizer';
import { readAcls, updateAcls } from '../../../src/security/acl-store';
import type { AclEntry, ResourcePattern } from '../../../src/security/acl';
import { quietLogger } from '../../helpers/log';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

let zk: ZkClient;
let admin: ZkClient;
let authorizer: AclAuthorizer | undefined;
beforeEach(async () => {
  const chroot = testChroot('acl-authorizer');
  zk = await ZkClient.connect({ connectString: chroot, sessionTimeoutMs: 4000, logger: quietLogger });
  admin = await ZkClient.connect({ connectString: chroot, sessionTimeoutMs: 4000, logger: quietLogger });
});
afterEach(async () => {
  authorizer?.shutdown();
  await Promise.all([zk.close(), admin.close()]);
});

const orders: ResourcePattern = { resourceType: 'Topic', name: 'orders', patternType: 'literal' };
const logs: ResourcePattern = { resourceType: 'Topic', name: 'logs-', patternType: 'prefixed' };
const write = (principal: string): AclEntry => ({ principal, permissionType: 'Allow', operation: 'Write', host: '*' });

describe('AclAuthorizer with ZooKeeper', () => {
  it('loads the ACLs there at startup and follows later changes, literal and prefixed', async () => {
    await updateAcls(admin, orders, { add: [write('User:alice')] });
    authorizer = new AclAuthorizer(zk, { superUsers: new Set(), allowEveryoneIfNoAclFound: false }, quietLogger);
    await authorizer.startup();
    const may = (user: string, topic: string): boolean => (authorizer as AclAuthorizer).authorize(`User:${user}`, '127.0.0.1', 'Write', 'Topic', topic, false);
    expect([may('alice', 'orders'), may('bob', 'orders'), may('bob', 'logs-app')]).toEqual([true, false, false]);

    await updateAcls(admin, logs, { add: [write('User:bob')] });
    await waitFor(() => may('bob', 'logs-app'), { timeoutMs: 10_000, message: 'the prefixed ACL to reach the cache' });
    expect(may('bob', 'logs')).toBe(false);

    await updateAcls(admin, orders, { remove: [write('User:alice')] });
    await waitFor(() => !may('alice', 'orders'), { timeoutMs: 10_000, message: 'the removal to reach the cache' });
    expect(await admin.exists('/kafka-acl/Topic/orders')).toBeNull();
    expect(await admin.getChildren('/kafka-acl-changes')).toHaveLength(2);
    expect(await admin.getChildren('/kafka-acl-extended-changes')).toHaveLength(1);
  });

  it('keeps both of two writers racing on one resource (conditional writes on the znode version)', async () => {
    const principals = Array.from({ length: 8 }, (_, i) => `User:u${i}`);
    await Promise.all(principals.map((p, i) => updateAcls(i % 2 === 0 ? zk : admin, orders, { add: [write(p)] })));
    const { entries, version } = await readAcls(admin, orders);
    expect(entries.map((e) => e.principal).sort()).toEqual(principals);
    expect(version).toBeGreaterThanOrEqual(1);
    const data = JSON.parse((await admin.getData('/kafka-acl/Topic/orders')).data.toString()) as { version: number; acls: unknown[] };
    expect(data.version).toBe(1);
    expect(data.acls).toContainEqual({ principal: 'User:u0', permissionType: 'Allow', operation: 'Write', host: '*' });
  });
});
