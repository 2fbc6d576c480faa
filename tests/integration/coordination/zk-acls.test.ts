/**
 * zookeeper.set.acl against the real ZooKeeper: znodes created by an authenticated session carry
 * its digest identity (all) and world read, sensitive ones no world read; a session without
 * credentials, or with another password, reads what it may and gets NOAUTH for the rest; the
 * migrator turns an open tree secure and back.
 */
import { basePaths, ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { OPEN_ACL_UNSAFE, isSensitiveZkPath, zkDigestId, ZkPerms, type ZkSecurity } from '../../../src/coordination/zk-acls';
import { encodeJson, ZkClient } from '../../../src/coordination/zk-client';
import { ZkNoAuthError } from '../../../src/coordination/zk-errors';
import { migrateZkAcls } from '../../../src/coordination/zk-security-migrator';
import { quietLogger } from '../../helpers/log';
import { testChroot } from '../../helpers/zk';

const credentials = { username: 'josef', password: 'zk-secret' };
const secure: ZkSecurity = { credentials, setAcl: true };
const brokerAcl = { perms: ZkPerms.all, scheme: 'digest', id: zkDigestId(credentials) };
const worldRead = { perms: ZkPerms.read, scheme: 'world', id: 'anyone' };

const sessions: ZkClient[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

async function session(connectString: string, security?: ZkSecurity): Promise<ZkClient> {
  const zk = await ZkClient.connect({ connectString, sessionTimeoutMs: 4000, security, logger: quietLogger });
  sessions.push(zk);
  return zk;
}

describe('zookeeper.set.acl', () => {
  it('creates the chroot and every znode writable by its identity and readable by all, /config/users by nobody else', async () => {
    const chroot = testChroot('zk-set-acl');
    const broker = await session(chroot, secure);
    await ensureBasePaths(broker);
    await broker.create(ZkPaths.controller, encodeJson({ version: 1, brokerid: 1 }), 'ephemeral');
    await broker.multi([{ op: 'create', path: ZkPaths.userConfig('alice'), data: encodeJson({ version: 1, config: {} }) }]);
    for (const path of ['/', ...basePaths.filter((p) => !isSensitiveZkPath(p)), ZkPaths.controller]) {
      expect({ path, acls: (await broker.getAcl(path)).acls }).toEqual({ path, acls: [brokerAcl, worldRead] });
    }
    for (const path of [ZkPaths.configUsers, ZkPaths.configBrokers, ZkPaths.userConfig('alice')]) {
      expect({ path, acls: (await broker.getAcl(path)).acls }).toEqual({ path, acls: [brokerAcl] });
    }

    for (const outsider of [await session(chroot), await session(chroot, { credentials: { ...credentials, password: 'wrong' }, setAcl: false })]) {
      expect(await outsider.getChildren(ZkPaths.brokerIds)).toEqual([]);
      expect((await outsider.getJson<{ brokerid: number }>(ZkPaths.controller)).value.brokerid).toBe(1);
      await expect(outsider.setData(ZkPaths.controller, encodeJson({ version: 1, brokerid: 9 }), -1)).rejects.toBeInstanceOf(ZkNoAuthError);
      await expect(outsider.delete(ZkPaths.controller, -1)).rejects.toBeInstanceOf(ZkNoAuthError);
      await expect(outsider.create(ZkPaths.broker(9), encodeJson({}), 'ephemeral')).rejects.toThrow(/NO_AUTH/);
      await expect(outsider.getData(ZkPaths.userConfig('alice'))).rejects.toBeInstanceOf(ZkNoAuthError);
      await expect(outsider.getChildren(ZkPaths.configUsers)).rejects.toBeInstanceOf(ZkNoAuthError);
    }
    // Another session with the same identity (another broker, a josef command) may write.
    const other = await session(chroot, secure);
    await other.setData(ZkPaths.userConfig('alice'), encodeJson({ version: 1, config: { x: '1' } }), -1);
  });

  it('refuses set.acl without credentials before connecting', async () => {
    await expect(session(testChroot('zk-set-acl-no-credentials'), { setAcl: true })).rejects.toThrow(/needs credentials/);
  });
});

describe('the security migrator (Kafka\'s zookeeper-security-migration)', () => {
  it('makes an open tree secure (sensitive paths unreadable to others), then open again', async () => {
    const chroot = testChroot('zk-migration');
    const open = await session(chroot);
    await ensureBasePaths(open);
    await open.create(ZkPaths.userConfig('alice'), encodeJson({ version: 1, config: {} }));
    await open.create('/kafka-acl/Topic/orders', encodeJson({ version: 1, acls: [] }), 'persistent', { createParents: true });
    await open.create('/not-kafka', encodeJson({}));

    const admin = await session(chroot, { credentials, setAcl: false });
    await expect(migrateZkAcls(open, 'secure')).rejects.toThrow(/needs ZooKeeper credentials/);
    const changed = await migrateZkAcls(admin, 'secure');
    expect(changed).toBeGreaterThanOrEqual(basePaths.length + 4);
    expect((await admin.getAcl('/kafka-acl/Topic/orders')).acls).toEqual([brokerAcl, worldRead]);
    expect((await admin.getAcl(ZkPaths.userConfig('alice'))).acls).toEqual([brokerAcl]);
    expect((await admin.getAcl('/not-kafka')).acls).toEqual(OPEN_ACL_UNSAFE);
    await expect(open.getData(ZkPaths.userConfig('alice'))).rejects.toBeInstanceOf(ZkNoAuthError);
    await expect(open.setData('/kafka-acl/Topic/orders', encodeJson({}), -1)).rejects.toBeInstanceOf(ZkNoAuthError);

    await migrateZkAcls(admin, 'unsecure');
    for (const path of ['/', ZkPaths.brokerIds, ZkPaths.userConfig('alice'), '/kafka-acl/Topic/orders']) {
      expect({ path, acls: (await admin.getAcl(path)).acls }).toEqual({ path, acls: OPEN_ACL_UNSAFE });
    }
    await open.setData(ZkPaths.userConfig('alice'), encodeJson({ version: 1, config: {} }), -1);
  });
});
