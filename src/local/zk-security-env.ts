/**
 * Who the processes of this machine are to ZooKeeper: the environment that brokers and `josef`
 * commands read their digest identity and zookeeper.set.acl from, and, for a local cluster in one
 * call, an identity kept in its data dir (so the same identity, and so the same write access,
 * survives a restart on that dir). ZooKeeper needs no server configuration: digest is built in.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { envVarName } from '../common/config';
import { formatZkDigestCredentials, parseZkDigestCredentials } from '../common/zk-credentials';
import type { ZkSecurity } from '../coordination/zk-acls';

const authDigestEnv = envVarName('zookeeper.auth.digest');
const setAclEnv = envVarName('zookeeper.set.acl');

/**
 * Who a command is to ZooKeeper, from the environment the brokers read too: JOSEF_ZOOKEEPER_AUTH_DIGEST
 * (USER:PASSWORD) and JOSEF_ZOOKEEPER_SET_ACL. Kafka's tools took their identity from the JAAS file
 * KAFKA_OPTS named, and created secure znodes whenever it had a ZooKeeper login: so does the
 * default here, with credentials and no JOSEF_ZOOKEEPER_SET_ACL.
 */
export function commandZkSecurity(env: NodeJS.ProcessEnv = process.env): ZkSecurity {
  const digest = env[authDigestEnv]?.trim();
  let credentials;
  try {
    credentials = digest ? parseZkDigestCredentials(digest) : undefined;
  } catch (err) {
    throw new Error(`${authDigestEnv}: ${(err as Error).message}`);
  }
  const setAcl = env[setAclEnv]?.trim().toLowerCase();
  if (setAcl !== undefined && setAcl !== '' && setAcl !== 'true' && setAcl !== 'false') throw new Error(`${setAclEnv} must be true or false, got "${setAcl}"`);
  if (setAcl === 'true' && credentials === undefined) throw new Error(`${setAclEnv}=true needs ${authDigestEnv}=USER:PASSWORD`);
  return { credentials, setAcl: setAcl === 'true' || ((setAcl === undefined || setAcl === '') && credentials !== undefined) };
}

/**
 * Who a command is to the ZooKeeper of the local cluster in `dataDir` (when it found that
 * ZooKeeper through the data dir): the environment's identity if it gives one, else the one
 * `cluster up --secure` keeps in `<dataDir>/zookeeper-digest`, so `josef user add` and
 * `josef acl add` work on a secured local cluster as typed.
 */
export function localCommandZkSecurity(dataDir: string, env: NodeJS.ProcessEnv = process.env): ZkSecurity {
  const fromEnv = commandZkSecurity(env);
  if (fromEnv.credentials !== undefined || !fs.existsSync(localZkCredentialsFile(dataDir))) return fromEnv;
  return secureLocalZookeeper(dataDir);
}

/** The environment that makes brokers and `josef` commands use `security`: what a secured local cluster gives its processes. */
export function zkSecurityEnv(security: ZkSecurity): Record<string, string> {
  return {
    ...(security.credentials ? { [authDigestEnv]: formatZkDigestCredentials(security.credentials) } : {}),
    [setAclEnv]: String(security.setAcl),
  };
}

/** The ZooKeeper identity of the brokers and tools of a local cluster. */
export const localZkUsername = 'josef';

/** `<dataDir>/zookeeper-digest`: `josef:<password>`, readable by its owner only. */
export function localZkCredentialsFile(dataDir: string): string {
  return path.join(dataDir, 'zookeeper-digest');
}

/**
 * The ZkSecurity for LocalClusterOptions.zookeeperSecurity of a cluster in `dataDir`: the
 * identity kept there, made with a random password the first time. The brokers get it through
 * their environment (JOSEF_ZOOKEEPER_AUTH_DIGEST, JOSEF_ZOOKEEPER_SET_ACL), as do the `josef`
 * commands given zkSecurityEnv(security).
 */
export function secureLocalZookeeper(dataDir: string): ZkSecurity {
  const file = localZkCredentialsFile(dataDir);
  if (fs.existsSync(file)) {
    try {
      return { credentials: parseZkDigestCredentials(fs.readFileSync(file, 'utf8').trim()), setAcl: true };
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }
  const credentials = { username: localZkUsername, password: randomBytes(18).toString('base64url') };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${formatZkDigestCredentials(credentials)}\n`, { mode: 0o600 });
  return { credentials, setAcl: true };
}
