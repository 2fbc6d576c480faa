/**
 * A broker's settings: Kafka's server.properties names mapped to typed camelCase fields with units
 * at the end. Sources, strongest first: command-line flags, `JOSEF_*` environment variables
 * (the Kafka name uppercased, dots to underscores: JOSEF_BROKER_ID), the properties file, defaults.
 * Every value is checked once here, and an error names the setting and where its value came from.
 */
import * as os from 'os';
import * as path from 'path';
import { parseZkConnectString } from './zk-connect-string';
import { parseZkDigestCredentials, type ZkDigestCredentials } from './zk-credentials';
import { ACL_AUTHORIZER_CLASS_NAMES, parseSuperUsers } from './principal';
import { parseCleanupPolicy, type CleanupPolicy } from './cleanup-policy';
import { ConfigError } from './config-error';
import { connectionString, normaliseListenerName, securityProtocolNamed, type ListenerEndpoint } from './endpoint';
import {
  LISTENER_SECURITY_PROTOCOL_MAP_DEFAULT, deriveListenerSettings, parseListenerList, parseSecurityProtocolMap,
  type Found, type ListenerSettings, type ListenerSources,
} from './listener-config';
import { defaultMaxOpenFiles } from './open-file-limit';
import { readPropertiesFile, type PropertyEntry } from './properties';
import { checkSecuritySettings, isSaslJaasConfigKey, parseSaslMechanisms, readSaslJaasSettings, type SaslJaasSettings } from './security-config';

export { ConfigError } from './config-error';

/**
 * listeners, advertised.listeners, listener.security.protocol.map, inter.broker.listener.name and
 * security.inter.broker.protocol come from ListenerSettings (listener-config.ts), checked together.
 */
export interface BrokerConfig extends ListenerSettings {
  /** broker.id: this broker's id in the cluster (required; Kafka's auto-generated ids are not used). */
  brokerId: number;
  /** broker.rack: placement hint, reported in /brokers/ids/<id> and Metadata. */
  brokerRack: string | null;
  /** log.dirs (or log.dir): folders holding the partition logs, absolute. */
  logDirs: string[];
  /** zookeeper.connect: `host:port[,host:port...][/chroot]`. */
  zookeeperConnect: string;
  zookeeperSessionTimeoutMs: number;
  zookeeperConnectionTimeoutMs: number;
  /** zookeeper.set.acl (Kafka's): create znodes that everyone may read and only this identity may write (sensitive ones not even read). */
  zookeeperSetAcl: boolean;
  /** zookeeper.auth.digest (Josef's, after zkCli.sh's `addauth digest USER:PASSWORD`): who the broker is to ZooKeeper; null: nobody. */
  zookeeperAuthDigest: ZkDigestCredentials | null;
  /** num.partitions: partitions of an auto-created topic (and of CreateTopics asking for -1). */
  numPartitions: number;
  defaultReplicationFactor: number;
  /** min.insync.replicas: acks=all needs at least this many ISR members. */
  minInsyncReplicas: number;
  logSegmentBytes: number;
  /** log.segment.ms (Kafka's log.roll.ms, accepted too). */
  logSegmentMs: number;
  /** log.retention.ms (or .minutes / .hours); -1 keeps data forever. */
  logRetentionMs: number;
  logRetentionBytes: number;
  logFlushIntervalMessages: number;
  logFlushIntervalMs: number;
  logIndexIntervalBytes: number;
  logRetentionCheckIntervalMs: number;
  /** log.cleanup.policy: the cleanup.policy of topics that do not set one. */
  logCleanupPolicy: CleanupPolicy;
  /** log.cleaner.enable: run the log cleaner (without it compacted logs are neither compacted nor, with compact,delete, deleted: Kafka's rule). */
  logCleanerEnable: boolean;
  /** log.cleaner.threads: logs cleaned at once. */
  logCleanerThreads: number;
  /** log.cleaner.dedupe.buffer.size: memory for the cleaners' offset maps, all threads together (each takes only what its log needs). */
  logCleanerDedupeBufferSize: number;
  /** log.cleaner.io.buffer.size: the cleaners' read and write buffers, all threads together. */
  logCleanerIoBufferSize: number;
  /** log.cleaner.io.buffer.load.factor: how full an offset map may get. */
  logCleanerIoBufferLoadFactor: number;
  /** log.cleaner.io.max.bytes.per.second: the cleaners' reads and writes together, throttled to this. */
  logCleanerIoMaxBytesPerSecond: number;
  /** log.cleaner.backoff.ms: a cleaner's pause when no log needs cleaning. */
  logCleanerBackoffMs: number;
  /** log.cleaner.min.cleanable.ratio, log.cleaner.min.compaction.lag.ms, log.cleaner.max.compaction.lag.ms, log.cleaner.delete.retention.ms: topic defaults. */
  logCleanerMinCleanableRatio: number;
  logCleanerMinCompactionLagMs: number;
  logCleanerMaxCompactionLagMs: number;
  logCleanerDeleteRetentionMs: number;
  /**
   * log.max.open.files (Josef's own): segment files (.log, .index, .timeindex) the process keeps
   * open at once; the rest are opened on use (file-handle-cache.ts). Default: half the process's
   * open-file limit (ulimit -n) read at start.
   */
  logMaxOpenFiles: number;
  /** max.broker.partitions (KIP-578): partition replicas one broker may host; topic creation and CreatePartitions past it are refused. */
  maxBrokerPartitions: number;
  /** log.flush.offset.checkpoint.interval.ms: how often recovery points are saved. */
  logFlushOffsetCheckpointIntervalMs: number;
  /** replica.high.watermark.checkpoint.interval.ms: how often high watermarks are saved. */
  replicaHighWatermarkCheckpointIntervalMs: number;
  replicaLagTimeMaxMs: number;
  /** replica.fetch.wait.max.ms: how long a follower's Fetch may wait at the leader for data (below replica.lag.time.max.ms). */
  replicaFetchWaitMaxMs: number;
  replicaFetchMinBytes: number;
  /** replica.fetch.max.bytes: per partition in a follower's Fetch (one bigger batch still comes whole). */
  replicaFetchMaxBytes: number;
  /** replica.fetch.response.max.bytes: a follower's whole Fetch answer. */
  replicaFetchResponseMaxBytes: number;
  /** replica.fetch.backoff.ms: a follower's pause after a failed fetch or for a partition in error. */
  replicaFetchBackoffMs: number;
  /** replica.socket.timeout.ms: a follower's request timeout, on top of its fetch wait. */
  replicaSocketTimeoutMs: number;
  /** num.replica.fetchers: fetcher connections per source broker, partitions spread by hash. */
  numReplicaFetchers: number;
  uncleanLeaderElectionEnable: boolean;
  autoCreateTopicsEnable: boolean;
  deleteTopicEnable: boolean;
  /** group.min.session.timeout.ms / group.max.session.timeout.ms: the session timeouts a consumer may ask for. */
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: an empty group waits this long for more members before its first rebalance. */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size: members beyond it are refused GROUP_MAX_SIZE_REACHED. */
  groupMaxSize: number;
  offsetsTopicNumPartitions: number;
  offsetsTopicReplicationFactor: number;
  /** offsets.topic.segment.bytes: segment.bytes of __consumer_offsets, small so that its segments roll and get cleaned. */
  offsetsTopicSegmentBytes: number;
  /** offsets.retention.minutes: committed offsets of a group empty this long (Kafka 2.1+) are deleted. */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms: how often the coordinator looks for expired offsets. */
  offsetsRetentionCheckIntervalMs: number;
  /** message.max.bytes: the largest record batch a partition accepts. */
  messageMaxBytes: number;
  /** socket.request.max.bytes: the largest request frame read; bigger ones close the connection. */
  socketRequestMaxBytes: number;
  controlledShutdownEnable: boolean;
  controlledShutdownMaxRetries: number;
  controlledShutdownRetryBackoffMs: number;
  /** controller.socket.timeout.ms: how long the controller waits for a broker's answer. */
  controllerSocketTimeoutMs: number;
  /** auto.leader.rebalance.enable: the controller moves leadership back to preferred replicas by itself. */
  autoLeaderRebalanceEnable: boolean;
  /** leader.imbalance.check.interval.seconds: how often the controller checks the leader imbalance. */
  leaderImbalanceCheckIntervalSeconds: number;
  /** leader.imbalance.per.broker.percentage: the share of a broker's preferred partitions led elsewhere that triggers a rebalance. */
  leaderImbalancePerBrokerPercentage: number;
  /**
   * connection.failed.authentication.delay.ms: how long a failed login waits before its answer and
   * close (Kafka's KIP-306), so that guessing passwords is slow and costs the broker no busy loop.
   */
  connectionFailedAuthenticationDelayMs: number;
  /** sasl.enabled.mechanisms: what a SASL listener offers in SaslHandshake. */
  saslEnabledMechanisms: string[];
  /**
   * listener.name.<listener>.plain.sasl.jaas.config, by listener name: the users and passwords
   * SASL/PLAIN accepts there (the JAAS entry's user_NAME="PASSWORD" options).
   */
  plainSaslUsers: Record<string, ReadonlyMap<string, string>>;
  /**
   * The `username` and `password` of listener.name.<listener>.<mechanism>.sasl.jaas.config, by
   * listener name and mechanism: how this broker logs in when it connects to that listener.
   */
  saslLogins: Record<string, Record<string, { username: string; password: string }>>;
  /** sasl.mechanism.inter.broker.protocol: how brokers log in to a SASL inter-broker listener. */
  saslMechanismInterBrokerProtocol: string | null;
  /**
   * authorizer.class.name: Kafka's AclAuthorizer (or SimpleAclAuthorizer) turns ACLs on; empty
   * (Kafka's default) authorizes everything.
   */
  authorizerClassName: string | null;
  /** super.users: principals the authorizer allows everything (`User:admin;User:broker`). */
  superUsers: string[];
  /** allow.everyone.if.no.acl.found: with an authorizer, a resource without any ACL is open to all. */
  allowEveryoneIfNoAclFound: boolean;
  /** ssl.keystore.type: PEM (a key and its certificate chain in one file) or PKCS12. */
  sslKeystoreType: 'PEM' | 'PKCS12';
  /** ssl.keystore.location: the TLS listeners' key and certificate chain. */
  sslKeystoreLocation: string | null;
  /** ssl.keystore.password: a PKCS12 keystore's password. */
  sslKeystorePassword: string | null;
  /** ssl.key.password: the passphrase of an encrypted PEM key. */
  sslKeyPassword: string | null;
  /** ssl.truststore.type: PEM only (Kafka's JKS and PKCS12 truststores are Java's). */
  sslTruststoreType: 'PEM';
  /** ssl.truststore.location: PEM certificates of the CAs whose client certificates are trusted (ssl.truststore.type PEM). */
  sslTruststoreLocation: string | null;
  /** ssl.client.auth: whether TLS clients must (required), may (requested) or need not (none) present a certificate. */
  sslClientAuth: 'none' | 'requested' | 'required';
  /**
   * metrics.port: where the broker serves its metrics in Prometheus's text format (GET /metrics),
   * on the host of its first listener; null (the default) serves none. Josef's own setting: Kafka
   * exports JMX, which an operator turns into this with jmx_exporter (src/metrics/).
   */
  metricsPort: number | null;
  /**
   * The settings given in the file, the environment or on the command line, by Kafka name (Kafka's
   * static broker configs); every other setting has its default. DescribeConfigs tells them apart.
   */
  staticConfigKeys: ReadonlySet<string>;
}

type Parser = (raw: string) => unknown;

interface Alias {
  key: string;
  /** The alias counts in other units (log.retention.hours); negative stays -1 (forever). */
  multiplier?: number;
}

interface Setting {
  key: string;
  field: keyof BrokerConfig;
  parse: Parser;
  /** Raw default; undefined: required or derived from other settings (see derive()). */
  defaultValue?: string;
  /** Weaker spellings of the same setting, strongest first (Kafka's log.dir for log.dirs). */
  aliases?: Alias[];
  /** A secret: DescribeConfigs reports no value for it (Kafka's sensitive configs). */
  sensitive?: true;
}

const LONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MAX = 2 ** 31 - 1;

function integer(min: number, max = LONG_MAX): Parser {
  return (raw) => {
    const text = raw.trim();
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw new Error(`expected an integer, got "${raw}"`);
    if (value < min || value > max) throw new Error(`${value} is out of range [${min}, ${max === LONG_MAX ? 'max' : max}]`);
    return value;
  };
}

const boolean: Parser = (raw) => {
  const text = raw.trim().toLowerCase();
  if (text !== 'true' && text !== 'false') throw new Error(`expected true or false, got "${raw}"`);
  return text === 'true';
};

/** A double in [min, max] (Kafka's ConfigDef.Type.DOUBLE with a range). */
function decimal(min: number, max = Number.MAX_VALUE): Parser {
  return (raw) => {
    const value = Number(raw.trim());
    if (raw.trim() === '' || Number.isNaN(value)) throw new Error(`expected a number, got "${raw}"`);
    if (value < min || value > max) throw new Error(`${value} is out of range [${min}, ${max === Number.MAX_VALUE ? 'max' : max}]`);
    return value;
  };
}

const cleanupPolicy: Parser = (raw) => {
  const policy = parseCleanupPolicy(raw);
  if (policy === undefined) throw new Error(`expected delete, compact or compact,delete, got "${raw}"`);
  return policy;
};

const nullableString: Parser = (raw) => (raw.trim() === '' ? null : raw.trim());

/** A TCP port, 0 for any free one; empty for none. */
const optionalPort: Parser = (raw) => (raw.trim() === '' ? null : integer(0, 65535)(raw));

const zkConnect: Parser = (raw) => {
  parseZkConnectString(raw);
  return raw.trim();
};

function oneOf<T extends string>(...choices: T[]): Parser {
  return (raw) => {
    const value = raw.trim();
    const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
    if (found === undefined) throw new Error(`expected ${choices.join(', ')}, got "${raw}"`);
    return found;
  };
}

const dirList: Parser = (raw) => {
  const dirs = raw.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (dirs.length === 0) throw new Error('expected one or more folders separated by commas');
  return dirs.map((d) => path.resolve(d));
};

/** Kafka's defaults unless a comment says why Josef differs. */
const settings: Setting[] = [
  { key: 'broker.id', field: 'brokerId', parse: integer(0, INT_MAX) },
  { key: 'broker.rack', field: 'brokerRack', parse: nullableString, defaultValue: '' },
  // Default: PLAINTEXT://127.0.0.1:(9092 + broker.id - 1), so a local cluster needs no file (listener-config.ts).
  { key: 'listeners', field: 'listeners', parse: (raw) => parseListenerList(raw, { distinctPorts: true }) },
  { key: 'advertised.listeners', field: 'advertisedListeners', parse: (raw) => parseListenerList(raw, { distinctPorts: false }) },
  { key: 'listener.security.protocol.map', field: 'listenerSecurityProtocolMap', parse: parseSecurityProtocolMap, defaultValue: LISTENER_SECURITY_PROTOCOL_MAP_DEFAULT },
  { key: 'inter.broker.listener.name', field: 'interBrokerListenerName', parse: normaliseListenerName },
  { key: 'security.inter.broker.protocol', field: 'securityInterBrokerProtocol', parse: securityProtocolNamed },
  // Default: /tmp/josef-logs-<broker.id> (Kafka's /tmp/kafka-logs, per broker so local brokers do not share it).
  { key: 'log.dirs', field: 'logDirs', parse: dirList, aliases: [{ key: 'log.dir' }] },
  // Kafka has no default; Josef assumes the local ZooKeeper of `josef zk start`.
  { key: 'zookeeper.connect', field: 'zookeeperConnect', parse: zkConnect, defaultValue: '127.0.0.1:2181' },
  // Kafka 2.0-2.4's 6000 (18000 since 2.5): a killed broker is noticed in seconds, which a demo of failover wants.
  { key: 'zookeeper.session.timeout.ms', field: 'zookeeperSessionTimeoutMs', parse: integer(1, INT_MAX), defaultValue: '6000' },
  { key: 'zookeeper.connection.timeout.ms', field: 'zookeeperConnectionTimeoutMs', parse: integer(1, INT_MAX) },
  { key: 'zookeeper.set.acl', field: 'zookeeperSetAcl', parse: boolean, defaultValue: 'false' },
  // Kafka authenticates to ZooKeeper with SASL from a JAAS file's Client section; Josef with ZooKeeper's digest scheme, which every ZooKeeper speaks unconfigured.
  {
    key: 'zookeeper.auth.digest', field: 'zookeeperAuthDigest', parse: (raw) => (raw === '' ? null : parseZkDigestCredentials(raw)), defaultValue: '', sensitive: true,
  },
  { key: 'num.partitions', field: 'numPartitions', parse: integer(1, INT_MAX), defaultValue: '1' },
  { key: 'default.replication.factor', field: 'defaultReplicationFactor', parse: integer(1, INT_MAX), defaultValue: '1' },
  { key: 'min.insync.replicas', field: 'minInsyncReplicas', parse: integer(1, INT_MAX), defaultValue: '1' },
  { key: 'log.segment.bytes', field: 'logSegmentBytes', parse: integer(14, INT_MAX), defaultValue: String(1024 * 1024 * 1024) },
  { key: 'log.segment.ms', field: 'logSegmentMs', parse: integer(1), defaultValue: String(7 * 24 * 3_600_000), aliases: [{ key: 'log.roll.ms' }, { key: 'log.roll.hours', multiplier: 3_600_000 }] },
  {
    key: 'log.retention.ms', field: 'logRetentionMs', parse: integer(-LONG_MAX), defaultValue: String(168 * 3_600_000),
    aliases: [{ key: 'log.retention.minutes', multiplier: 60_000 }, { key: 'log.retention.hours', multiplier: 3_600_000 }],
  },
  { key: 'log.retention.bytes', field: 'logRetentionBytes', parse: integer(-1), defaultValue: '-1' },
  { key: 'log.flush.interval.messages', field: 'logFlushIntervalMessages', parse: integer(1), defaultValue: String(LONG_MAX) },
  { key: 'log.flush.interval.ms', field: 'logFlushIntervalMs', parse: integer(0), defaultValue: String(LONG_MAX) },
  { key: 'log.index.interval.bytes', field: 'logIndexIntervalBytes', parse: integer(0, INT_MAX), defaultValue: '4096' },
  { key: 'log.retention.check.interval.ms', field: 'logRetentionCheckIntervalMs', parse: integer(1), defaultValue: '300000' },
  { key: 'log.cleanup.policy', field: 'logCleanupPolicy', parse: cleanupPolicy, defaultValue: 'delete' },
  { key: 'log.cleaner.enable', field: 'logCleanerEnable', parse: boolean, defaultValue: 'true' },
  { key: 'log.cleaner.threads', field: 'logCleanerThreads', parse: integer(1, INT_MAX), defaultValue: '1' },
  // 128 MiB as in Kafka, as a bound: a cleaner takes only what the dirty part of the log it cleans can fill, and frees it after.
  { key: 'log.cleaner.dedupe.buffer.size', field: 'logCleanerDedupeBufferSize', parse: integer(1, LONG_MAX), defaultValue: String(128 * 1024 * 1024) },
  { key: 'log.cleaner.io.buffer.size', field: 'logCleanerIoBufferSize', parse: integer(0, INT_MAX), defaultValue: String(512 * 1024) },
  { key: 'log.cleaner.io.buffer.load.factor', field: 'logCleanerIoBufferLoadFactor', parse: decimal(0.01, 1), defaultValue: '0.9' },
  { key: 'log.cleaner.io.max.bytes.per.second', field: 'logCleanerIoMaxBytesPerSecond', parse: decimal(1), defaultValue: String(Number.MAX_VALUE) },
  { key: 'log.cleaner.backoff.ms', field: 'logCleanerBackoffMs', parse: integer(0), defaultValue: '15000' },
  { key: 'log.cleaner.min.cleanable.ratio', field: 'logCleanerMinCleanableRatio', parse: decimal(0, 1), defaultValue: '0.5' },
  { key: 'log.cleaner.min.compaction.lag.ms', field: 'logCleanerMinCompactionLagMs', parse: integer(0), defaultValue: '0' },
  // Kafka's Long.MAX_VALUE: the largest integer a JavaScript number holds exactly (never).
  { key: 'log.cleaner.max.compaction.lag.ms', field: 'logCleanerMaxCompactionLagMs', parse: integer(1), defaultValue: String(LONG_MAX) },
  { key: 'log.cleaner.delete.retention.ms', field: 'logCleanerDeleteRetentionMs', parse: integer(0), defaultValue: '86400000' },
  { key: 'log.max.open.files', field: 'logMaxOpenFiles', parse: integer(1, INT_MAX), defaultValue: String(defaultMaxOpenFiles()) },
  // KIP-578's default: no limit.
  { key: 'max.broker.partitions', field: 'maxBrokerPartitions', parse: integer(1, INT_MAX), defaultValue: String(INT_MAX) },
  { key: 'log.flush.offset.checkpoint.interval.ms', field: 'logFlushOffsetCheckpointIntervalMs', parse: integer(0, INT_MAX), defaultValue: '60000' },
  { key: 'replica.high.watermark.checkpoint.interval.ms', field: 'replicaHighWatermarkCheckpointIntervalMs', parse: integer(1), defaultValue: '5000' },
  // Kafka 2.0-2.4's 10000 (30000 since 2.5), matching the session timeout's era: a stopped follower leaves the ISR quickly.
  { key: 'replica.lag.time.max.ms', field: 'replicaLagTimeMaxMs', parse: integer(1), defaultValue: '10000' },
  { key: 'replica.fetch.wait.max.ms', field: 'replicaFetchWaitMaxMs', parse: integer(0, INT_MAX), defaultValue: '500' },
  { key: 'replica.fetch.min.bytes', field: 'replicaFetchMinBytes', parse: integer(1, INT_MAX), defaultValue: '1' },
  { key: 'replica.fetch.max.bytes', field: 'replicaFetchMaxBytes', parse: integer(0, INT_MAX), defaultValue: '1048576' },
  { key: 'replica.fetch.response.max.bytes', field: 'replicaFetchResponseMaxBytes', parse: integer(0, INT_MAX), defaultValue: '10485760' },
  { key: 'replica.fetch.backoff.ms', field: 'replicaFetchBackoffMs', parse: integer(0, INT_MAX), defaultValue: '1000' },
  { key: 'replica.socket.timeout.ms', field: 'replicaSocketTimeoutMs', parse: integer(1, INT_MAX), defaultValue: '30000' },
  { key: 'num.replica.fetchers', field: 'numReplicaFetchers', parse: integer(1, 64), defaultValue: '1' },
  { key: 'unclean.leader.election.enable', field: 'uncleanLeaderElectionEnable', parse: boolean, defaultValue: 'false' },
  { key: 'auto.create.topics.enable', field: 'autoCreateTopicsEnable', parse: boolean, defaultValue: 'true' },
  { key: 'delete.topic.enable', field: 'deleteTopicEnable', parse: boolean, defaultValue: 'true' },
  { key: 'group.min.session.timeout.ms', field: 'groupMinSessionTimeoutMs', parse: integer(0, INT_MAX), defaultValue: '6000' },
  { key: 'group.max.session.timeout.ms', field: 'groupMaxSessionTimeoutMs', parse: integer(0, INT_MAX), defaultValue: '1800000' },
  { key: 'group.initial.rebalance.delay.ms', field: 'groupInitialRebalanceDelayMs', parse: integer(0, INT_MAX), defaultValue: '3000' },
  // Kafka leaves it unbounded (Integer.MAX_VALUE); every member costs the coordinator a timer and its metadata.
  { key: 'group.max.size', field: 'groupMaxSize', parse: integer(1, INT_MAX), defaultValue: '1000' },
  { key: 'offsets.topic.num.partitions', field: 'offsetsTopicNumPartitions', parse: integer(1, INT_MAX), defaultValue: '50' },
  { key: 'offsets.topic.replication.factor', field: 'offsetsTopicReplicationFactor', parse: integer(1, 32767), defaultValue: '3' },
  { key: 'offsets.topic.segment.bytes', field: 'offsetsTopicSegmentBytes', parse: integer(1, INT_MAX), defaultValue: String(100 * 1024 * 1024) },
  { key: 'offsets.retention.minutes', field: 'offsetsRetentionMinutes', parse: integer(1, INT_MAX), defaultValue: String(7 * 24 * 60) },
  { key: 'offsets.retention.check.interval.ms', field: 'offsetsRetentionCheckIntervalMs', parse: integer(1), defaultValue: '600000' },
  { key: 'message.max.bytes', field: 'messageMaxBytes', parse: integer(0, INT_MAX), defaultValue: '1048588' },
  { key: 'socket.request.max.bytes', field: 'socketRequestMaxBytes', parse: integer(1, INT_MAX), defaultValue: String(100 * 1024 * 1024) },
  { key: 'controlled.shutdown.enable', field: 'controlledShutdownEnable', parse: boolean, defaultValue: 'true' },
  { key: 'controlled.shutdown.max.retries', field: 'controlledShutdownMaxRetries', parse: integer(0, INT_MAX), defaultValue: '3' },
  { key: 'controlled.shutdown.retry.backoff.ms', field: 'controlledShutdownRetryBackoffMs', parse: integer(0), defaultValue: '5000' },
  { key: 'controller.socket.timeout.ms', field: 'controllerSocketTimeoutMs', parse: integer(1, INT_MAX), defaultValue: '30000' },
  { key: 'auto.leader.rebalance.enable', field: 'autoLeaderRebalanceEnable', parse: boolean, defaultValue: 'true' },
  { key: 'leader.imbalance.check.interval.seconds', field: 'leaderImbalanceCheckIntervalSeconds', parse: integer(1, INT_MAX), defaultValue: '300' },
  { key: 'leader.imbalance.per.broker.percentage', field: 'leaderImbalancePerBrokerPercentage', parse: integer(0, 100), defaultValue: '10' },
  { key: 'metrics.port', field: 'metricsPort', parse: optionalPort, defaultValue: '' },
  { key: 'connection.failed.authentication.delay.ms', field: 'connectionFailedAuthenticationDelayMs', parse: integer(0, INT_MAX), defaultValue: '100' },
  // Kafka's default is GSSAPI (Kerberos), which Josef does not speak; SCRAM needs only `josef user add`.
  { key: 'sasl.enabled.mechanisms', field: 'saslEnabledMechanisms', parse: parseSaslMechanisms, defaultValue: 'SCRAM-SHA-256,SCRAM-SHA-512' },
  { key: 'sasl.mechanism.inter.broker.protocol', field: 'saslMechanismInterBrokerProtocol', parse: (raw) => (raw.trim() === '' ? null : parseSaslMechanisms(raw)[0]), defaultValue: '' },
  { key: 'authorizer.class.name', field: 'authorizerClassName', parse: (raw) => (raw.trim() === '' ? null : oneOf(...ACL_AUTHORIZER_CLASS_NAMES)(raw)), defaultValue: '' },
  { key: 'super.users', field: 'superUsers', parse: (raw) => [...parseSuperUsers(raw)], defaultValue: '' },
  { key: 'allow.everyone.if.no.acl.found', field: 'allowEveryoneIfNoAclFound', parse: boolean, defaultValue: 'false' },
  // Kafka's default is JKS, a Java format Node cannot read; PEM needs no conversion from what openssl makes.
  { key: 'ssl.keystore.type', field: 'sslKeystoreType', parse: oneOf('PEM', 'PKCS12'), defaultValue: 'PEM' },
  { key: 'ssl.keystore.location', field: 'sslKeystoreLocation', parse: nullableString, defaultValue: '' },
  { key: 'ssl.keystore.password', field: 'sslKeystorePassword', parse: nullableString, defaultValue: '', sensitive: true },
  { key: 'ssl.key.password', field: 'sslKeyPassword', parse: nullableString, defaultValue: '', sensitive: true },
  { key: 'ssl.truststore.type', field: 'sslTruststoreType', parse: oneOf('PEM'), defaultValue: 'PEM' },
  { key: 'ssl.truststore.location', field: 'sslTruststoreLocation', parse: nullableString, defaultValue: '' },
  { key: 'ssl.client.auth', field: 'sslClientAuth', parse: oneOf('none', 'requested', 'required'), defaultValue: 'none' },
];

/** Every key the broker understands (settings and their aliases). */
export const knownConfigKeys: ReadonlySet<string> = new Set(settings.flatMap((s) => [s.key, ...(s.aliases ?? []).map((a) => a.key)]));

/** `JOSEF_` + the Kafka name uppercased with dots as underscores. */
export function envVarName(key: string): string {
  return `JOSEF_${key.replace(/\./g, '_').toUpperCase()}`;
}

/** JOSEF_ZK names the ensemble for every Josef command; for a broker it means zookeeper.connect. */
const zkEnvAlias = 'JOSEF_ZK';

export interface ConfigSources {
  /** Path of a server.properties file. */
  file?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Command-line values by Kafka name (`broker.id`, `log.dirs`, `zookeeper.connect`, any
   * `--override key=value`), plus `port`: the port of the one listener (Kafka's old `port` setting).
   */
  flags?: Record<string, string | undefined>;
}

export interface LoadedConfig {
  config: BrokerConfig;
  /** Unknown settings (ignored, as Kafka ignores them with a warning). */
  warnings: string[];
}

interface RawValue {
  value: string;
  /** Where it came from: `--override`, `JOSEF_BROKER_ID`, `server.properties:12`. */
  origin: string;
}

/** One source's values by key; sources are consulted strongest first. */
type Layer = (key: string) => RawValue | undefined;

/** Reads every source, checks every value, and returns the typed config. Throws ConfigError. */
export function loadBrokerConfig(sources: ConfigSources = {}): LoadedConfig {
  const warnings: string[] = [];
  const flags = sources.flags ?? {};
  const env = sources.env ?? process.env;
  const fileEntries = sources.file === undefined ? new Map<string, PropertyEntry>() : readPropertiesFile(sources.file, 'the config file', (message) => new ConfigError(message));
  for (const [key, entry] of fileEntries) {
    if (!knownConfigKeys.has(key) && !isSaslJaasConfigKey(key)) warnings.push(`unknown setting ${key} in ${sources.file}:${entry.line} is ignored`);
  }
  for (const key of Object.keys(flags)) {
    if (key !== 'port' && !knownConfigKeys.has(key) && !isSaslJaasConfigKey(key) && flags[key] !== undefined) warnings.push(`unknown setting ${key} on the command line is ignored`);
  }
  const layers: Layer[] = [
    (key) => (flags[key] === undefined ? undefined : { value: flags[key] as string, origin: `command line (${key})` }),
    (key) => {
      const name = envVarName(key);
      if (env[name] !== undefined) return { value: env[name] as string, origin: name };
      if (key === 'zookeeper.connect' && env[zkEnvAlias]) return { value: env[zkEnvAlias] as string, origin: zkEnvAlias };
      return undefined;
    },
    (key) => {
      const entry = fileEntries.get(key);
      return entry === undefined ? undefined : { value: entry.value, origin: `${sources.file}:${entry.line}` };
    },
  ];
  const found: FoundValues = {};
  for (const setting of settings) {
    const value = resolve(setting, layers);
    if (value !== undefined) found[setting.field] = value;
  }
  const staticConfigKeys = new Set(settings.filter((setting) => isGiven(setting, layers)).map((setting) => setting.key));
  // Kafka's old `port` setting gives the listener's port: listeners counts as given.
  if (flags.port !== undefined) staticConfigKeys.add('listeners');
  const strongest = (key: string): RawValue | undefined => layers.map((layer) => layer(key)).find((v) => v !== undefined);
  const jaas = readSaslJaasSettings([...Object.keys(flags), ...fileEntries.keys()], strongest);
  return { config: { ...derive(found, flags.port, jaas), staticConfigKeys }, warnings };
}

/** Whether any source names the setting, under its key or an alias. */
function isGiven(setting: Setting, layers: Layer[]): boolean {
  const keys = [setting.key, ...(setting.aliases ?? []).map((a) => a.key)];
  return layers.some((layer) => keys.some((key) => layer(key) !== undefined));
}

/** Each setting found (or defaulted), by field. */
type FoundValues = Partial<Record<keyof BrokerConfig, Found<unknown>>>;

/** The strongest layer that has the setting or an alias decides; within a layer the primary key wins. */
function resolve(setting: Setting, layers: Layer[]): Found<unknown> | undefined {
  const spellings: Alias[] = [{ key: setting.key }, ...(setting.aliases ?? [])];
  for (const layer of layers) {
    for (const spelling of spellings) {
      const raw = layer(spelling.key);
      if (raw !== undefined) return { value: parseValue(setting, spelling, raw), text: raw.value, origin: raw.origin };
    }
  }
  if (setting.defaultValue === undefined) return undefined;
  const raw = { value: setting.defaultValue, origin: 'default' };
  return { value: parseValue(setting, { key: setting.key }, raw), text: raw.value, origin: raw.origin };
}

function parseValue(setting: Setting, spelling: Alias, raw: RawValue): unknown {
  let value: unknown;
  try {
    value = setting.parse(raw.value);
  } catch (err) {
    throw new ConfigError(`invalid value for ${spelling.key} (from ${raw.origin}): ${(err as Error).message}`);
  }
  if (spelling.multiplier !== undefined) {
    const n = value as number;
    return n < 0 ? -1 : n * spelling.multiplier;
  }
  return value;
}

/** Fills the defaults that depend on other settings, and checks the settings against each other. */
function derive(found: FoundValues, portFlag: string | undefined, jaas: SaslJaasSettings): Omit<BrokerConfig, 'staticConfigKeys'> {
  const values = Object.fromEntries(Object.entries(found).map(([field, f]) => [field, f.value])) as Partial<BrokerConfig>;
  if (values.brokerId === undefined) {
    throw new ConfigError(`broker.id is required: set it with --id, ${envVarName('broker.id')} or broker.id in server.properties`);
  }
  const brokerId = values.brokerId;
  const listenerSettings = deriveListenerSettings({
    brokerId,
    listeners: found.listeners as ListenerSources['listeners'],
    advertisedListeners: found.advertisedListeners as ListenerSources['advertisedListeners'],
    listenerSecurityProtocolMap: found.listenerSecurityProtocolMap as ListenerSources['listenerSecurityProtocolMap'],
    interBrokerListenerName: found.interBrokerListenerName as ListenerSources['interBrokerListenerName'],
    securityInterBrokerProtocol: found.securityInterBrokerProtocol as ListenerSources['securityInterBrokerProtocol'],
    portFlag,
  });
  const sessionTimeoutMs = values.zookeeperSessionTimeoutMs as number;
  if (values.zookeeperSetAcl && !values.zookeeperAuthDigest) {
    // Kafka refuses to start too: "zookeeper.set.acl is true, but the verification of the JAAS login file failed".
    throw new ConfigError('zookeeper.set.acl=true needs zookeeper.auth.digest=USER:PASSWORD: the znodes are writable only by the identity that creates them');
  }
  checkSecuritySettings(listenerSettings, values, jaas);
  return {
    ...(values as Omit<BrokerConfig, keyof ListenerSettings | 'logDirs' | 'zookeeperConnectionTimeoutMs' | 'staticConfigKeys'>),
    ...listenerSettings,
    brokerId,
    logDirs: values.logDirs ?? [path.join(os.tmpdir(), `josef-logs-${brokerId}`)],
    zookeeperConnectionTimeoutMs: values.zookeeperConnectionTimeoutMs ?? sessionTimeoutMs,
    ...jaas,
  };
}

/** One broker setting as DescribeConfigs reports it. */
export interface BrokerSettingDescription {
  /** Kafka's name; a setting with aliases is reported once, under its main name (log.retention.ms, not .hours). */
  name: string;
  /** The value in effect, written as server.properties would have it; null when there is none. */
  value: string | null;
  /** Given explicitly (Kafka's STATIC_BROKER_CONFIG) rather than left at its default. */
  isStatic: boolean;
  /** The default as written; undefined where it derives from other settings (listeners, log.dirs). */
  defaultValue: string | undefined;
}

/** Every setting the broker reads, with its value in effect (Kafka's KafkaConfig as DescribeConfigs lists it). */
export function describeBrokerSettings(config: BrokerConfig): BrokerSettingDescription[] {
  return settings.map((setting) => ({
    name: setting.key,
    value: setting.sensitive ? null : formatSettingValue(config[setting.field]),
    isStatic: config.staticConfigKeys.has(setting.key),
    defaultValue: setting.defaultValue,
  }));
}

function isListenerEndpoint(value: object): value is ListenerEndpoint {
  return 'listenerName' in value && 'host' in value && 'port' in value;
}

/** A parsed value back in Kafka's text form: lists joined by commas, endpoints as NAME://host:port, maps as key:value. */
function formatSettingValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => formatSettingValue(item) ?? '').join(',');
  if (typeof value !== 'object') return String(value);
  if (isListenerEndpoint(value)) return connectionString(value);
  return Object.entries(value).map(([k, v]) => `${k}:${formatSettingValue(v) ?? ''}`).join(',');
}
