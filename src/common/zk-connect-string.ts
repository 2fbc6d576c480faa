/**
 * ZooKeeper connect strings as Kafka's `zookeeper.connect` takes them: `host:port[,host:port...]`
 * with an optional chroot suffix (`127.0.0.1:2181,127.0.0.1:2182/josef`). Parsing checks every
 * server has a port, so a typo fails at startup rather than as an endless reconnect loop.
 */

export interface ZkServerAddress {
  host: string;
  port: number;
}

export interface ZkConnectString {
  servers: ZkServerAddress[];
  /** The chroot path (`/josef`), or undefined when paths are absolute in ZooKeeper's tree. */
  chroot: string | undefined;
}

export function parseZkConnectString(connectString: string): ZkConnectString {
  const trimmed = connectString.trim();
  const slash = trimmed.indexOf('/');
  const serverList = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const chrootRaw = slash === -1 ? '' : trimmed.slice(slash);
  const chroot = chrootRaw === '' || chrootRaw === '/' ? undefined : chrootRaw.replace(/\/+$/, '');
  if (chroot !== undefined && (chroot.includes('//') || chroot.split('/').some((p) => p === '.' || p === '..'))) {
    throw new Error(`invalid ZooKeeper chroot "${chroot}" in connect string "${connectString}"`);
  }
  const servers = serverList.split(',').map((entry) => parseServer(entry.trim(), connectString));
  return { servers, chroot };
}

function parseServer(entry: string, connectString: string): ZkServerAddress {
  const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new Error(`invalid ZooKeeper server "${entry}" in connect string "${connectString}" (want host:port[,host:port...][/chroot])`);
  }
  return { host: match[1], port };
}

export function formatZkConnectString(parsed: ZkConnectString): string {
  const servers = parsed.servers.map((s) => `${s.host}:${s.port}`).join(',');
  return parsed.chroot === undefined ? servers : `${servers}${parsed.chroot}`;
}

/** The same servers with `subPath` appended to the chroot: a private namespace under it. */
export function withChildChroot(connectString: string, subPath: string): string {
  const parsed = parseZkConnectString(connectString);
  const child = subPath.startsWith('/') ? subPath : `/${subPath}`;
  return formatZkConnectString({ ...parsed, chroot: `${parsed.chroot ?? ''}${child}` });
}
