/**
 * What `josef cluster up --secure` sets up in the data dir before the brokers start: a CA and a
 * broker certificate for 127.0.0.1 and localhost (openssl), an admin and a broker user with
 * SCRAM-SHA-256 credentials in ZooKeeper, the brokers' settings (one SASL_SSL listener each, for
 * clients and between brokers, the authorizer on with the two users as super users) in a
 * server.properties only its owner reads, and `<data-dir>/client.properties` for the admin in
 * librdkafka's names, which `kcat -F` and `josef ... --command-config` read. A second `up` on the
 * same data dir reuses the CA, certificates and passwords.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import path from 'path';
import type { ClientSecurity } from '../client/client-security';
import type { ZkClient } from '../coordination/zk-client';
import { makeCa, makeSigned, writePemKeystore } from '../security/certificate-authority';
import { SCRAM_LOGIN_MODULE } from '../common/jaas-config';
import { addScramUser } from '../security/user-admin';
import { formatZkDigestCredentials } from '../common/zk-credentials';
import type { ZkSecurity } from '../coordination/zk-acls';
import type { LocalClusterOptions } from '../local/local-cluster';
import { SECURE_LISTENER_NAME, secureClusterDir, secureListener } from '../local/cluster-state';
import { localZkCredentialsFile, secureLocalZookeeper } from '../local/zk-security-env';

export const SECURE_ADMIN_USER = 'admin';
export const SECURE_BROKER_USER = 'broker';
const mechanism = 'SCRAM-SHA-256';
/** A local cluster's CA and broker certificate last a year; delete DATA-DIR/security for new ones. */
const certificateDays = 365;

export interface SecureCluster {
  /** DATA-DIR/security: CA, broker keystore, passwords, the brokers' server.properties. */
  dir: string;
  caPem: string;
  /** Every broker's settings but its listener (given per broker, with its port). */
  serverProperties: string;
  /** The admin's client settings in librdkafka's names. */
  clientProperties: string;
  /** The admin's security, for the cluster's own connections (readiness checks). */
  adminSecurity: ClientSecurity;
  /** Writes the admin's and the broker's SCRAM credentials (before the brokers start). */
  addUsers(zk: ZkClient): Promise<void>;
  /** Broker settings that differ per broker: its SASL_SSL listener. */
  brokerListener(port: number): Record<string, string>;
  /** The brokers' and this machine's ZooKeeper identity (digest), kept in DATA-DIR/zookeeper-digest; zookeeper.set.acl on. */
  zookeeperSecurity: ZkSecurity;
  zookeeperCredentialsFile: string;
}

interface Passwords {
  admin: string;
  broker: string;
}

/** Prepares (or finds) the files of a secured cluster whose brokers listen on 127.0.0.1 at `ports`. */
export function prepareSecureCluster(dataDir: string, ports: readonly number[]): SecureCluster {
  const dir = secureClusterDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caPem = path.join(dir, 'ca.pem');
  const keystore = path.join(dir, 'broker-keystore.pem');
  if (!fs.existsSync(caPem) || !fs.existsSync(keystore)) {
    makeCa(dir, 'josef-local-ca', certificateDays);
    fs.renameSync(path.join(dir, 'josef-local-ca.pem'), caPem);
    fs.renameSync(path.join(dir, 'josef-local-ca.key'), path.join(dir, 'ca.key'));
    makeSigned(dir, 'broker', '/O=josef/CN=josef-broker', 'ca', certificateDays, 'IP:127.0.0.1,DNS:localhost');
    writePemKeystore(dir, 'broker', path.basename(keystore));
  }
  const passwords = readOrMakePasswords(path.join(dir, 'passwords.json'));
  const zookeeperSecurity = secureLocalZookeeper(dataDir);
  const serverProperties = path.join(dir, 'server.properties');
  writePrivate(serverProperties, properties({
    'inter.broker.listener.name': SECURE_LISTENER_NAME,
    'sasl.enabled.mechanisms': mechanism,
    'sasl.mechanism.inter.broker.protocol': mechanism,
    [`listener.name.${SECURE_LISTENER_NAME.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`]:
      `${SCRAM_LOGIN_MODULE} required username="${SECURE_BROKER_USER}" password="${passwords.broker}";`,
    'ssl.keystore.location': keystore,
    'ssl.truststore.location': caPem,
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    // The brokers act as their own user between them (ClusterAction); User:ANONYMOUS is not needed.
    'super.users': `User:${SECURE_ADMIN_USER};User:${SECURE_BROKER_USER}`,
    'allow.everyone.if.no.acl.found': 'false',
    // Only the brokers' ZooKeeper identity may write their znodes; /config/users is not even readable by others.
    'zookeeper.set.acl': 'true',
    'zookeeper.auth.digest': formatZkDigestCredentials(zookeeperSecurity.credentials!),
  }));
  const clientProperties = path.resolve(dataDir, 'client.properties');
  writePrivate(clientProperties, properties({
    'bootstrap.servers': ports.map((port) => `127.0.0.1:${port}`).join(','),
    'security.protocol': SECURE_LISTENER_NAME,
    'sasl.mechanisms': mechanism,
    'sasl.username': SECURE_ADMIN_USER,
    'sasl.password': passwords.admin,
    'ssl.ca.location': caPem,
  }));
  return {
    dir,
    caPem,
    serverProperties,
    clientProperties,
    adminSecurity: { tls: { ca: fs.readFileSync(caPem) }, sasl: { mechanism, username: SECURE_ADMIN_USER, password: passwords.admin } },
    addUsers: async (zk) => {
      await addScramUser(zk, SECURE_ADMIN_USER, passwords.admin, [mechanism]);
      await addScramUser(zk, SECURE_BROKER_USER, passwords.broker, [mechanism]);
    },
    brokerListener: (port) => ({ listeners: secureListener(port) }),
    zookeeperSecurity,
    zookeeperCredentialsFile: localZkCredentialsFile(dataDir),
  };
}

/** What startLocalCluster needs to start the brokers at `ports` (broker i at ports[i - 1]) secured as `secure` says. */
export function secureLocalClusterOptions(secure: SecureCluster, ports: readonly number[]):
  Pick<LocalClusterOptions, 'configFile' | 'brokerOverrides' | 'beforeBrokers' | 'clientSecurity' | 'zookeeperSecurity'> {
  return {
    configFile: secure.serverProperties,
    brokerOverrides: Object.fromEntries(ports.map((port, i) => [i + 1, secure.brokerListener(port)])),
    beforeBrokers: (zk) => secure.addUsers(zk),
    clientSecurity: secure.adminSecurity,
    zookeeperSecurity: secure.zookeeperSecurity,
  };
}

function readOrMakePasswords(file: string): Passwords {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Passwords;
  const passwords = { admin: randomBytes(12).toString('base64url'), broker: randomBytes(12).toString('base64url') };
  writePrivate(file, `${JSON.stringify(passwords)}\n`);
  return passwords;
}

/** Settings as `key=value` lines; a JAAS entry's `"` and `;` need no escaping in a properties file. */
function properties(entries: Record<string, string>): string {
  return Object.entries(entries).map(([key, value]) => `${key}=${value}\n`).join('');
}

/** Passwords inside: readable by the owner only. */
function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** What `cluster up --secure` prints about it. */
export function formatSecureClusterSummary(secure: SecureCluster): string {
  return [
    `Security: SASL_SSL with ${mechanism} on every broker, for clients and between brokers; authorizer on`,
    `  CA certificate:   ${secure.caPem} (broker certificates for 127.0.0.1 and localhost, in ${secure.dir})`,
    `  users:            ${SECURE_ADMIN_USER} (super user, for you) and ${SECURE_BROKER_USER} (super user, the brokers), ${mechanism} credentials in ZooKeeper's /config/users`,
    `  broker settings:  ${secure.serverProperties}`,
    `  ZooKeeper:        zookeeper.set.acl on: only the identity in ${secure.zookeeperCredentialsFile} (digest) may write the cluster's znodes, and only it reads /config/users; josef commands given this --data-dir use it`,
    `  admin's client:   ${secure.clientProperties}  (kcat -F ${secure.clientProperties} -L; josef ... --command-config ${secure.clientProperties})`,
    '  Other users: josef user add NAME --password P, then josef acl add --allow-principal User:NAME ...; without credentials the brokers refuse every client.',
    '',
  ].join('\n');
}
