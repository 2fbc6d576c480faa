import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, describeBrokerSettings, envVarName, loadBrokerConfig } from '../../../src/common/config';
import { brokerLogConfig } from '../../../src/server/broker-log-config';
import { rmDir, tmpDir } from '../../helpers/tmp';

describe('loadBrokerConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir('config');
  });
  afterEach(() => rmDir(dir));

  const file = (text: string): string => {
    const p = path.join(dir, 'server.properties');
    fs.writeFileSync(p, text);
    return p;
  };

  it('gives Kafka-derived defaults for a broker id alone', () => {
    const { config, warnings } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '2' } });
    expect(warnings).toEqual([]);
    expect(config.brokerId).toBe(2);
    expect(config.listeners).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9093 }]);
    expect(config.advertisedListeners).toEqual(config.listeners);
    expect(config.interBrokerListenerName).toBe('PLAINTEXT');
    expect(config.logDirs).toEqual([path.join(os.tmpdir(), 'josef-logs-2')]);
    expect(config.zookeeperConnect).toBe('127.0.0.1:2181');
    expect(config.zookeeperSessionTimeoutMs).toBe(6000);
    expect(config.zookeeperConnectionTimeoutMs).toBe(6000);
    expect(config.logRetentionMs).toBe(168 * 3_600_000);
    expect(config.messageMaxBytes).toBe(1048588);
    expect(config.socketRequestMaxBytes).toBe(100 * 1024 * 1024);
    expect(config.autoCreateTopicsEnable).toBe(true);
    expect(config.uncleanLeaderElectionEnable).toBe(false);
    expect(config.minInsyncReplicas).toBe(1);
  });

  it('orders sources: flags over env over file over defaults', () => {
    const p = file('broker.id=1\nnum.partitions=3\nmin.insync.replicas=2\nlog.segment.bytes=1000\n');
    const env = { JOSEF_NUM_PARTITIONS: '4', JOSEF_MIN_INSYNC_REPLICAS: '3' };
    const { config } = loadBrokerConfig({ file: p, env, flags: { 'num.partitions': '5' } });
    expect(config.numPartitions).toBe(5);
    expect(config.minInsyncReplicas).toBe(3);
    expect(config.logSegmentBytes).toBe(1000);
    expect(config.brokerId).toBe(1);
  });

  it('maps names to JOSEF_* variables and takes JOSEF_ZK for zookeeper.connect, below JOSEF_ZOOKEEPER_CONNECT', () => {
    expect(envVarName('zookeeper.connect')).toBe('JOSEF_ZOOKEEPER_CONNECT');
    const base = { JOSEF_BROKER_ID: '7', JOSEF_ZK: '10.0.0.1:2181/josef' };
    expect(loadBrokerConfig({ env: base }).config.zookeeperConnect).toBe('10.0.0.1:2181/josef');
    expect(loadBrokerConfig({ env: { ...base, JOSEF_ZOOKEEPER_CONNECT: '10.0.0.2:2181' } }).config.zookeeperConnect).toBe('10.0.0.2:2181');
  });

  it('--port replaces the listener port, and the advertised one when that is derived', () => {
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', port: '0' } });
    expect(config.listeners.map((l) => l.port)).toEqual([0]);
    expect(config.advertisedListeners.map((l) => l.port)).toEqual([0]);
    const explicit = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', port: '9999', 'advertised.listeners': 'PLAINTEXT://broker1:19092' } }).config;
    expect(explicit.listeners.map((l) => l.port)).toEqual([9999]);
    expect(explicit.advertisedListeners).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'broker1', port: 19092 }]);
  });

  it('accepts Kafka aliases with the primary spelling winning within a source', () => {
    const p = file('broker.id=1\nlog.dir=/data/one\nlog.retention.hours=1\nlog.roll.ms=5000\n');
    const { config } = loadBrokerConfig({ file: p, env: {} });
    expect(config.logDirs).toEqual(['/data/one']);
    expect(config.logRetentionMs).toBe(3_600_000);
    expect(config.logSegmentMs).toBe(5000);
    const both = file('broker.id=1\nlog.dirs=/a,/b\nlog.dir=/c\nlog.retention.ms=10\nlog.retention.hours=1\n');
    const resolved = loadBrokerConfig({ file: both, env: {} }).config;
    expect(resolved.logDirs).toEqual(['/a', '/b']);
    expect(resolved.logRetentionMs).toBe(10);
    // A stronger source's alias beats a weaker source's primary key.
    expect(loadBrokerConfig({ file: both, env: { JOSEF_LOG_RETENTION_HOURS: '2' } }).config.logRetentionMs).toBe(7_200_000);
  });

  it('keeps negative retention as -1 (forever) through unit aliases', () => {
    expect(loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.retention.hours': '-1' } }).config.logRetentionMs).toBe(-1);
  });

  it('warns about unknown settings instead of failing, as Kafka does', () => {
    const p = file('broker.id=1\nno.such.thing=1\n');
    expect(loadBrokerConfig({ file: p, env: {} }).warnings).toEqual([`unknown setting no.such.thing in ${p}:2 is ignored`]);
  });

  it('fails with a message naming the setting and where its value came from', () => {
    const p = file('broker.id=1\nnum.partitions=lots\n');
    expect(() => loadBrokerConfig({ file: p, env: {} })).toThrow(`invalid value for num.partitions (from ${p}:2): expected an integer, got "lots"`);
    expect(() => loadBrokerConfig({ env: { JOSEF_BROKER_ID: 'x' } })).toThrow(/broker\.id \(from JOSEF_BROKER_ID\)/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'auto.create.topics.enable': 'yes' } })).toThrow(/auto\.create\.topics\.enable.*true or false/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'zookeeper.connect': 'nohost' } })).toThrow(/zookeeper\.connect/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', listeners: 'SSL://h:1', 'inter.broker.listener.name': 'SSL' } })).toThrow(/the listener SSL speaks SSL: set ssl\.keystore\.location/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'min.insync.replicas': '0' } })).toThrow(/min\.insync\.replicas.*out of range/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' } })).toThrow(/non-routable/);
  });

  it('reads the authorizer\'s settings as Kafka names them, and refuses an authorizer Josef does not have', () => {
    const off = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1' } }).config;
    expect([off.authorizerClassName, off.superUsers, off.allowEveryoneIfNoAclFound]).toEqual([null, [], false]);
    const on = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:admin;User:ANONYMOUS' } }).config;
    expect([on.authorizerClassName, on.superUsers]).toEqual(['kafka.security.authorizer.AclAuthorizer', ['User:admin', 'User:ANONYMOUS']]);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'authorizer.class.name': 'com.example.Ranger' } })).toThrow(/authorizer\.class\.name.*AclAuthorizer/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'super.users': 'admin' } })).toThrow(/super\.users.*TYPE:NAME/);
  });

  it('reads zookeeper.set.acl and zookeeper.auth.digest, keeps the password out of DescribeConfigs, and refuses set.acl without credentials', () => {
    const off = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1' } }).config;
    expect([off.zookeeperSetAcl, off.zookeeperAuthDigest]).toEqual([false, null]);
    const on = loadBrokerConfig({ env: { JOSEF_ZOOKEEPER_AUTH_DIGEST: 'josef:s3cret:x' }, flags: { 'broker.id': '1', 'zookeeper.set.acl': 'true' } }).config;
    expect([on.zookeeperSetAcl, on.zookeeperAuthDigest]).toEqual([true, { username: 'josef', password: 's3cret:x' }]);
    expect(describeBrokerSettings(on).find((s) => s.name === 'zookeeper.auth.digest')?.value).toBeNull();
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'zookeeper.set.acl': 'true' } })).toThrow(/zookeeper\.set\.acl=true needs zookeeper\.auth\.digest/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'zookeeper.auth.digest': 'josef' } })).toThrow(/zookeeper\.auth\.digest.*USER:PASSWORD/);
  });

  it('requires broker.id and says how to set it', () => {
    expect(() => loadBrokerConfig({ env: {} })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ env: {} })).toThrow(/broker\.id is required.*--id.*JOSEF_BROKER_ID/);
  });

  it('reports an unreadable file', () => {
    expect(() => loadBrokerConfig({ file: path.join(dir, 'missing.properties'), env: {} })).toThrow(/cannot read the config file/);
  });

  it('an empty listener host binds every interface and advertises the host name', () => {
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', listeners: 'PLAINTEXT://:9092' } });
    expect(config.listeners[0].host).toBe('0.0.0.0');
    expect(config.advertisedListeners[0].host).toBe(os.hostname());
  });

  it('derives the partition-log settings', () => {
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.segment.bytes': '2048', 'message.max.bytes': '512' } });
    expect(brokerLogConfig(config)).toMatchObject({ segmentBytes: 2048, maxMessageBytes: 512, indexIntervalBytes: 4096, retentionBytes: -1 });
  });

  it('has Kafka\'s log cleaner and offsets retention defaults, and takes the cleanup policy as the topics\' default', () => {
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1' } });
    expect(config).toMatchObject({
      logCleanupPolicy: 'delete', logCleanerEnable: true, logCleanerThreads: 1, logCleanerDedupeBufferSize: 128 * 1024 * 1024,
      logCleanerIoBufferSize: 512 * 1024, logCleanerIoBufferLoadFactor: 0.9, logCleanerIoMaxBytesPerSecond: Number.MAX_VALUE, logCleanerBackoffMs: 15_000,
      offsetsTopicSegmentBytes: 100 * 1024 * 1024, offsetsRetentionMinutes: 7 * 24 * 60, offsetsRetentionCheckIntervalMs: 600_000,
    });
    expect(brokerLogConfig(config)).toMatchObject({ cleanupPolicy: 'delete', minCleanableDirtyRatio: 0.5, minCompactionLagMs: 0, deleteRetentionMs: 86_400_000 });
    const compacting = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.cleanup.policy': 'delete,compact', 'log.cleaner.io.max.bytes.per.second': '1.5E7' } }).config;
    expect(brokerLogConfig(compacting).cleanupPolicy).toBe('compact,delete');
    expect(compacting.logCleanerIoMaxBytesPerSecond).toBe(15_000_000);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.cleanup.policy': 'keep' } })).toThrow(/log.cleanup.policy.*expected delete, compact or compact,delete/);
    expect(() => loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.cleaner.min.cleanable.ratio': '2' } })).toThrow(/log.cleaner.min.cleanable.ratio/);
  });

  it('reads the sample config/server.properties without warnings', () => {
    const { config, warnings } = loadBrokerConfig({ file: path.join(__dirname, '..', '..', '..', 'config', 'server.properties'), env: {} });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({ brokerId: 1, zookeeperConnect: '127.0.0.1:2181/josef', logRetentionMs: 168 * 3_600_000 });
  });

  it('tells the settings given (file, environment, flags, an alias, --port) from those left at their default, for DescribeConfigs', () => {
    const p = file('broker.id=1\nlog.retention.hours=2\n');
    const { config } = loadBrokerConfig({ file: p, env: { JOSEF_NUM_PARTITIONS: '3' }, flags: { port: '9999' } });
    expect([...config.staticConfigKeys].sort()).toEqual(['broker.id', 'listeners', 'log.retention.ms', 'num.partitions']);
    const described = new Map(describeBrokerSettings(config).map((s) => [s.name, s]));
    expect(described.get('log.retention.ms')).toEqual({ name: 'log.retention.ms', value: String(2 * 3_600_000), isStatic: true, defaultValue: String(168 * 3_600_000) });
    expect(described.get('listeners')).toEqual({ name: 'listeners', value: 'PLAINTEXT://127.0.0.1:9999', isStatic: true, defaultValue: undefined });
    expect(described.get('log.segment.bytes')).toMatchObject({ value: String(1024 ** 3), isStatic: false });
    expect(described.get('broker.rack')).toMatchObject({ value: null, isStatic: false });
    expect(described.has('log.retention.hours')).toBe(false);
  });
});
