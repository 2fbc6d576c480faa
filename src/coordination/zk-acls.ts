/**
 * ZooKeeper's own access control as Kafka's ZooKeeper era used it (`zookeeper.set.acl`): which
 * ACL each znode Josef creates gets (Kafka's ZkData.defaultAcls: the creator may do everything,
 * everyone may read, except under the sensitive paths that hold credentials), and the digest
 * credentials a session authenticates with (ZooKeeper's `addauth digest user:password`).
 */
import { createHash } from 'crypto';
import { formatZkDigestCredentials, type ZkDigestCredentials } from '../common/zk-credentials';

export { formatZkDigestCredentials, parseZkDigestCredentials, type ZkDigestCredentials } from '../common/zk-credentials';

/** ZooKeeper's permission bits (ZooDefs.Perms). */
export const ZkPerms = { read: 1, write: 2, create: 4, delete: 8, admin: 16, all: 31 } as const;

/** One ACL entry: who (`scheme:id`) may do what (`perms`, the bits of ZkPerms). */
export interface ZkAcl {
  perms: number;
  /** `world` (id `anyone`), `auth` (whoever creates it: the server fills in the session's ids), `digest`, `ip`, ... */
  scheme: string;
  id: string;
}

/** ZooDefs.Ids.OPEN_ACL_UNSAFE: anyone may do anything (what every znode gets without zookeeper.set.acl). */
export const OPEN_ACL_UNSAFE: readonly ZkAcl[] = [{ perms: ZkPerms.all, scheme: 'world', id: 'anyone' }];
/** ZooDefs.Ids.CREATOR_ALL_ACL: the identities the creating session authenticated as may do anything. */
export const CREATOR_ALL_ACL: readonly ZkAcl[] = [{ perms: ZkPerms.all, scheme: 'auth', id: '' }];
/** ZooDefs.Ids.READ_ACL_UNSAFE: anyone may read. */
export const READ_ACL_UNSAFE: readonly ZkAcl[] = [{ perms: ZkPerms.read, scheme: 'world', id: 'anyone' }];

/**
 * Kafka's ZkData.SensitiveRootPaths, relative to the chroot: users' SCRAM credentials (salts,
 * stored and server keys, from which a password can be attacked offline) and brokers' dynamic
 * configs (which may hold passwords). Kafka also lists /delegation_token, which Josef does not have.
 */
export const sensitiveRootPaths: readonly string[] = ['/config/users', '/config/brokers'];

/** Kafka's ZkData.sensitivePath: a prefix test, so the root itself and everything below it. */
export function isSensitiveZkPath(path: string): boolean {
  return sensitiveRootPaths.some((root) => path.startsWith(root));
}

/**
 * Kafka's ZkData.defaultAcls(isSecure, path): without zookeeper.set.acl everyone may do anything;
 * with it the creator may do everything and everyone else may read, except sensitive paths,
 * which nobody else may even read. (Kafka leaves its old consumers' /consumers open; Josef has none.)
 */
export function defaultZkAcls(secure: boolean, path: string): readonly ZkAcl[] {
  if (!secure) return OPEN_ACL_UNSAFE;
  return isSensitiveZkPath(path) ? CREATOR_ALL_ACL : [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE];
}

/** What a ZooKeeper session authenticates as and how it creates znodes. */
export interface ZkSecurity {
  /** Sent as `addauth digest user:password` on every connection of the session. */
  credentials?: ZkDigestCredentials;
  /** Kafka's zookeeper.set.acl: create znodes with defaultZkAcls(true, path). Needs credentials. */
  setAcl: boolean;
}

/**
 * The id ZooKeeper's DigestAuthenticationProvider gives these credentials, as ACLs name it:
 * `user:` then base64(SHA-1(`user:password`)). A znode created with CREATOR_ALL_ACL by such a
 * session carries `digest:<this>`.
 */
export function zkDigestId(credentials: ZkDigestCredentials): string {
  const hash = createHash('sha1').update(formatZkDigestCredentials(credentials), 'utf8').digest('base64');
  return `${credentials.username}:${hash}`;
}

const permLetters: [number, string][] = [
  [ZkPerms.create, 'c'], [ZkPerms.delete, 'd'], [ZkPerms.read, 'r'], [ZkPerms.write, 'w'], [ZkPerms.admin, 'a'],
];

/** `digest:josef:x1y2...=:cdrwa`, as zkCli.sh's getAcl prints an entry. */
export function formatZkAcl(acl: ZkAcl): string {
  const perms = permLetters.filter(([bit]) => (acl.perms & bit) !== 0).map(([, letter]) => letter).join('');
  return `${acl.scheme}:${acl.id}:${perms}`;
}
