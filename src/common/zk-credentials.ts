/**
 * The credentials of ZooKeeper's digest scheme as Josef's settings spell them (zkCli.sh's
 * `addauth digest USER:PASSWORD`): in common, since the broker's config reads them; the ACLs
 * they lead to are coordination/zk-acls.ts's.
 */

/** The identity a session claims with ZooKeeper's digest scheme. */
export interface ZkDigestCredentials {
  username: string;
  password: string;
}

/** `user:password`, as zkCli.sh's `addauth digest` takes it; the password may hold colons, the user may not. */
export function parseZkDigestCredentials(raw: string): ZkDigestCredentials {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new Error('expected USER:PASSWORD (ZooKeeper\'s digest scheme)');
  return { username: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

export function formatZkDigestCredentials(credentials: ZkDigestCredentials): string {
  return `${credentials.username}:${credentials.password}`;
}
