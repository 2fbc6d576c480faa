/**
 * DescribeConfigs and AlterConfigs decided without ZooKeeper: a fake config store plays
 * /config/topics and /config/brokers, and the checks are the real ones.
 */
import { allowEverything } from '../../../src/server/handlers/authorization';
import { loadBrokerConfig } from '../../../src/common/config';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { validateTopicConfigs } from '../../../src/storage/topic-config';
import type { ConfigEntity } from '../../../src/coordination/entity-config';
import { ConfigResourceType, ConfigSource, type DescribeConfigsResource, type UpdateMetadataRequest } from '../../../src/protocol/messages';
import { alterConfigsHandler } from '../../../src/server/handlers/alter-configs';
import { describeConfigsHandler } from '../../../src/server/handlers/describe-configs';
import type { ConfigAdminPort } from '../../../src/server/handlers/ports';
import { MetadataCache } from '../../../src/server/metadata-cache';
import type { RequestContext } from '../../../src/server/request-context';
import { plaintextBroker } from '../../helpers/live-brokers';
import { quietLogger } from '../../helpers/log';

const ctx: RequestContext = { protocol: 'kafka', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'test', correlationId: 1, apiVersion: 1, remoteAddress: '127.0.0.1:1' };
const { TOPIC, BROKER } = ConfigResourceType;
const LEADER_RATE = 'leader.replication.throttled.rate';
const FOLLOWER_RATE = 'follower.replication.throttled.rate';

/** /config as a map by entity; topic writes checked as topic-admin checks them. */
class FakeConfigStore implements ConfigAdminPort {
  readonly configs = new Map<string, Record<string, string>>();
  writes = 0;
  constructor(private readonly topics: Set<string>) {}
  async readConfig(entity: ConfigEntity): Promise<Record<string, string>> {
    return { ...(this.configs.get(`${entity.type}/${entity.name}`) ?? {}) };
  }
  async changeTopicConfig(topic: string, config: Record<string, string>, validateOnly: boolean): Promise<void> {
    if (!this.topics.has(topic)) throw new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${topic}' does not exist`);
    validateTopicConfigs(config);
    if (!validateOnly) this.write(`topics/${topic}`, config);
  }
  async changeBrokerConfig(broker: number | '<default>', config: Record<string, string>): Promise<void> {
    this.write(`brokers/${broker}`, config);
  }
  private write(key: string, config: Record<string, string>): void {
    this.configs.set(key, { ...config });
    this.writes++;
  }
}

function cacheWith(topics: string[]): MetadataCache {
  const cache = new MetadataCache();
  const update: UpdateMetadataRequest = {
    controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, deletedTopics: [],
    liveBrokers: [plaintextBroker(1, '127.0.0.1', 9092)],
    partitionStates: topics.map((topic) => ({ topic, partition: 0, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1], offlineReplicas: [] })),
  };
  cache.update(update);
  return cache;
}

describe('DescribeConfigs', () => {
  // log.retention.hours is an alias: the setting counts as given, under its main name, in ms.
  const config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.retention.hours': '1' } }).config;
  let store: FakeConfigStore;
  beforeEach(() => {
    store = new FakeConfigStore(new Set(['orders']));
    store.configs.set('topics/orders', { 'retention.bytes': '1000' });
  });
  const describe_ = (resources: DescribeConfigsResource[], includeSynonyms = true) =>
    describeConfigsHandler({ config, metadataCache: cacheWith(['orders']), configAdmin: store, logger: quietLogger, authorize: allowEverything })({ resources, includeSynonyms }, ctx);
  const topic = (configurationKeys: string[] | null = null): DescribeConfigsResource => ({ resourceType: TOPIC, resourceName: 'orders', configurationKeys });

  it('gives each topic config its value and source: the override, else the broker setting behind it, else the default', async () => {
    const response = await describe_([topic()]);
    const byName = new Map(response?.results[0].configs.map((c) => [c.name, c]));
    expect(response?.results[0]).toMatchObject({ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: 'orders' });
    expect(byName.get('retention.bytes')).toEqual({
      name: 'retention.bytes', value: '1000', readOnly: false, configSource: ConfigSource.TOPIC_CONFIG, isSensitive: false,
      synonyms: [
        { name: 'retention.bytes', value: '1000', source: ConfigSource.TOPIC_CONFIG },
        { name: 'log.retention.bytes', value: '-1', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    expect(byName.get('retention.ms')).toMatchObject({
      value: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.ms', value: '3600000', source: ConfigSource.STATIC_BROKER_CONFIG },
        { name: 'log.retention.ms', value: String(168 * 3_600_000), source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    expect(byName.get('max.message.bytes')).toMatchObject({ value: '1048588', configSource: ConfigSource.DEFAULT_CONFIG });
    // log.cleanup.policy backs cleanup.policy, as in Kafka.
    expect(byName.get('cleanup.policy')).toMatchObject({
      value: 'delete', configSource: ConfigSource.DEFAULT_CONFIG, synonyms: [{ name: 'log.cleanup.policy', value: 'delete', source: ConfigSource.DEFAULT_CONFIG }],
    });
    expect(byName.get('min.cleanable.dirty.ratio')).toMatchObject({ value: '0.5', synonyms: [{ name: 'log.cleaner.min.cleanable.ratio', value: '0.5', source: ConfigSource.DEFAULT_CONFIG }] });
    expect(byName.get('leader.replication.throttled.replicas')).toMatchObject({ value: '', configSource: ConfigSource.DEFAULT_CONFIG });
    expect([...byName.keys()]).toContain('min.insync.replicas');
  });

  it('lists only the configs asked for (unknown names are left out), and synonyms only when asked', async () => {
    const response = await describe_([topic(['retention.ms', 'no.such.config'])], false);
    expect(response?.results[0].configs).toEqual([
      { name: 'retention.ms', value: '3600000', readOnly: false, configSource: ConfigSource.STATIC_BROKER_CONFIG, isSensitive: false, synonyms: [] },
    ]);
  });

  it('answers per resource: an unknown topic, a bad topic name, an unsupported type', async () => {
    const response = await describe_([
      { resourceType: TOPIC, resourceName: 'ghost', configurationKeys: null },
      { resourceType: TOPIC, resourceName: 'bad name', configurationKeys: null },
      { resourceType: 8, resourceName: '1', configurationKeys: null },
      topic(['segment.bytes']),
    ]);
    expect(response?.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, 0],
      ['bad name', ErrorCode.INVALID_TOPIC_EXCEPTION.code, 0],
      ['1', ErrorCode.INVALID_REQUEST.code, 0],
      ['orders', 0, 1],
    ]);
    expect(response?.results[2].errorMessage).toMatch(/Unsupported resource type: 8/);
  });

  it('describes this broker: its settings read-only, given or default, and its dynamic throttle rates', async () => {
    store.configs.set('brokers/1', { [LEADER_RATE]: '1000' });
    store.configs.set('brokers/<default>', { [LEADER_RATE]: '5000', [FOLLOWER_RATE]: '7000' });
    const response = await describe_([{ resourceType: BROKER, resourceName: '1', configurationKeys: null }]);
    const byName = new Map(response?.results[0].configs.map((c) => [c.name, c]));
    expect(byName.get('broker.id')).toMatchObject({ value: '1', readOnly: true, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(byName.get('num.partitions')).toMatchObject({ value: '1', readOnly: true, configSource: ConfigSource.DEFAULT_CONFIG });
    expect(byName.get('log.retention.ms')).toMatchObject({ value: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(byName.get('listeners')?.value).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(byName.get('listener.security.protocol.map')).toMatchObject({
      value: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', configSource: ConfigSource.DEFAULT_CONFIG,
    });
    expect(byName.get('inter.broker.listener.name')?.value).toBe('PLAINTEXT');
    expect(byName.get(LEADER_RATE)).toEqual({
      name: LEADER_RATE, value: '1000', readOnly: false, configSource: ConfigSource.DYNAMIC_BROKER_CONFIG, isSensitive: false,
      synonyms: [
        { name: LEADER_RATE, value: '1000', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
        { name: LEADER_RATE, value: '5000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
      ],
    });
    expect(byName.get(FOLLOWER_RATE)).toMatchObject({ value: '7000', configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
  });

  it('describes the default every broker shares ("") as its dynamic configs only; another broker id is refused as Kafka refuses it', async () => {
    store.configs.set('brokers/<default>', { [FOLLOWER_RATE]: '7000' });
    const response = await describe_([
      { resourceType: BROKER, resourceName: '', configurationKeys: null },
      { resourceType: BROKER, resourceName: '2', configurationKeys: null },
      { resourceType: BROKER, resourceName: 'one', configurationKeys: null },
    ]);
    expect(response?.results[0].configs).toEqual([{
      name: FOLLOWER_RATE, value: '7000', readOnly: false, configSource: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, isSensitive: false,
      synonyms: [{ name: FOLLOWER_RATE, value: '7000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }],
    }]);
    expect(response?.results.slice(1).map((r) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST.code, expect.stringContaining('Unexpected broker id, expected 1 or empty string, but received 2')],
      [ErrorCode.INVALID_REQUEST.code, expect.stringContaining('Broker id must be an integer, but it is: one')],
    ]);
  });
});

describe('AlterConfigs', () => {
  const config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1' } }).config;
  let store: FakeConfigStore;
  beforeEach(() => {
    store = new FakeConfigStore(new Set(['orders']));
    store.configs.set('topics/orders', { 'retention.bytes': '1000' });
  });
  const alter = (resources: { resourceType: number; resourceName: string; configs: Record<string, string | null> }[], validateOnly = false) =>
    alterConfigsHandler({ config, configAdmin: store, logger: quietLogger, authorize: allowEverything })({
      resources: resources.map((r) => ({ ...r, configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })) })),
      validateOnly,
    }, ctx);
  const outcome = async (resources: Parameters<typeof alter>[0], validateOnly = false) =>
    (await alter(resources, validateOnly))?.responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage]);

  it("replaces a topic's overrides with exactly the configs given", async () => {
    expect(await outcome([{ resourceType: TOPIC, resourceName: 'orders', configs: { 'retention.ms': '60000' } }])).toEqual([['orders', 0, null]]);
    expect(store.configs.get('topics/orders')).toEqual({ 'retention.ms': '60000' });
  });

  it('validateOnly checks and writes nothing', async () => {
    expect(await outcome([
      { resourceType: TOPIC, resourceName: 'orders', configs: { 'retention.ms': '60000' } },
      { resourceType: BROKER, resourceName: '1', configs: { [LEADER_RATE]: '1000' } },
    ], true)).toEqual([['orders', 0, null], ['1', 0, null]]);
    expect(store.writes).toBe(0);
  });

  it("answers with Kafka's codes: a bad value INVALID_REQUEST, an unknown name INVALID_CONFIG, a null value INVALID_REQUEST", async () => {
    const results = await outcome([
      { resourceType: TOPIC, resourceName: 'orders', configs: { 'retention.ms': 'soon' } },
      { resourceType: TOPIC, resourceName: 'orders', configs: { 'retention.msec': '1' } },
      { resourceType: TOPIC, resourceName: 'orders', configs: { 'retention.ms': null } },
      { resourceType: TOPIC, resourceName: 'ghost', configs: {} },
      { resourceType: 8, resourceName: '1', configs: {} },
    ]);
    expect(results).toEqual([
      ['orders', ErrorCode.INVALID_REQUEST.code, `Invalid config value for resource ConfigResource(type=TOPIC, name='orders'): invalid value "soon" for topic config retention.ms: expected an integer >= -1`],
      ['orders', ErrorCode.INVALID_CONFIG.code, expect.stringContaining('unknown topic config retention.msec')],
      ['orders', ErrorCode.INVALID_REQUEST.code, expect.stringContaining('Null value not supported for : retention.ms')],
      ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, expect.stringContaining("topic 'ghost' does not exist")],
      ['1', ErrorCode.INVALID_REQUEST.code, expect.stringContaining('AlterConfigs is only supported for topics and brokers, but resource type is 8')],
    ]);
    expect(store.configs.get('topics/orders')).toEqual({ 'retention.bytes': '1000' });
  });

  it('sets the throttle rates of this broker or of every broker, and refuses what only a restart changes', async () => {
    const results = await outcome([
      { resourceType: BROKER, resourceName: '1', configs: { [LEADER_RATE]: '1000' } },
      { resourceType: BROKER, resourceName: '', configs: { [FOLLOWER_RATE]: '2000' } },
      { resourceType: BROKER, resourceName: '1', configs: { 'num.partitions': '3' } },
      { resourceType: BROKER, resourceName: '1', configs: { 'no.such.setting': '3' } },
      { resourceType: BROKER, resourceName: '1', configs: { [LEADER_RATE]: 'fast' } },
      { resourceType: BROKER, resourceName: '2', configs: { [LEADER_RATE]: '1000' } },
    ]);
    expect(results).toEqual([
      ['1', 0, null],
      ['', 0, null],
      ['1', ErrorCode.INVALID_REQUEST.code, "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: num.partitions"],
      ['1', ErrorCode.INVALID_CONFIG.code, expect.stringContaining('unknown broker config no.such.setting')],
      ['1', ErrorCode.INVALID_REQUEST.code, expect.stringContaining('leader.replication.throttled.rate must be a positive number of bytes per second')],
      ['2', ErrorCode.INVALID_REQUEST.code, expect.stringContaining('Unexpected broker id, expected 1')],
    ]);
    expect(store.configs.get('brokers/1')).toEqual({ [LEADER_RATE]: '1000' });
    expect(store.configs.get('brokers/<default>')).toEqual({ [FOLLOWER_RATE]: '2000' });
    expect(store.writes).toBe(2);
  });
});
