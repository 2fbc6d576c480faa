/**
 * The ACL store and the broker's AclAuthorizer against the real ZooKeeper: ACLs there at startup
 * are loaded, a change written by another session reaches the cache through the notifications
 * (literal and prefixed), racing writers both land thanks to the conditional writes, and the
 * znodes are Kafka's.
 */
import { ManualClock } from '../../../src/common/clock';
import { ZkPaths } from '../../../src/coordination/paths';
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

  it('deletes the change notifications older than 15 minutes after a pass, as Kafka\'s listener does, and keeps newer ones', async () => {
    await updateAcls(admin, orders, { add: [write('User:alice')] });
    const changes = ZkPaths.aclChanges('literal');
    const first = await admin.getChildren(changes);
    expect(first).toHaveLength(1);
    // A broker whose clock reads 16 minutes later: the notification there before it started is obsolete by then.
    const clock = new ManualClock(Date.now() + 16 * 60_000);
    authorizer = new AclAuthorizer(zk, { superUsers: new Set(), allowEveryoneIfNoAclFound: false }, quietLogger, clock);
    await authorizer.startup();
    const may = (user: string): boolean => (authorizer as AclAuthorizer).authorize(`User:${user}`, '127.0.0.1', 'Write', 'Topic', 'orders', false);
    expect(await admin.getChildren(changes)).toEqual(first);
    await updateAcls(admin, orders, { add: [write('User:bob')] });
    await waitFor(() => may('bob'), { timeoutMs: 10_000, message: 'bob\'s ACL to reach the cache' });
    // Both were created within a second; to the broker both are 16 minutes old.
    await waitFor(async () => (await admin.getChildren(changes)).length === 0, { timeoutMs: 10_000, message: 'the notifications to be purged' });

    clock.set(Date.now());
    await updateAcls(admin, orders, { add: [write('User:carol')] });
    await waitFor(() => may('carol'), { timeoutMs: 10_000, message: 'carol\'s ACL to reach the cache' });
    expect(await admin.getChildren(changes)).toHaveLength(1);
  });
});
