/**
 * The broker's DynamicConfigManager against the real ZooKeeper: configs there at startup are
 * applied, each later change notification re-reads its entity, other brokers' entities are not
 * ours, and notifications older than the expiration are purged.
 */
import { ManualClock } from '../../../src/common/clock';
import { changeEntityConfig, writeEntityConfig } from '../../../src/coordination/entity-config';
import { ensureBasePaths, ZkPaths } from '../../../src/coordination/paths';
import { ZkClient } from '../../../src/coordination/zk-client';
import { DynamicConfigManager, notificationSequence } from '../../../src/server/dynamic-config';
import { quietLogger } from '../../helpers/log';
import { waitFor } from '../../helpers/wait';
import { testChroot } from '../../helpers/zk';

let zk: ZkClient;
let manager: DynamicConfigManager | undefined;
beforeEach(async () => {
  zk = await ZkClient.connect({ connectString: testChroot('dynamic-config'), sessionTimeoutMs: 4000, logger: quietLogger });
  await ensureBasePaths(zk);
});
afterEach(async () => {
  manager?.shutdown();
  await zk.close();
});

function recordingTarget() {
  const topics: Array<[string, Record<string, string>]> = [];
  const brokers: Array<Record<string, string>> = [];
  const users: Array<[string, Record<string, string>]> = [];
  return {
    topics, brokers, users,
    applyTopicConfig: (topic: string, config: Record<string, string>) => void topics.push([topic, config]),
    applyBrokerConfig: (config: Record<string, string>) => void brokers.push(config),
    applyUserConfig: (user: string, config: Record<string, string>) => void users.push([user, config]),
  };
}

describe('dynamic config (Kafka\'s DynamicConfigManager)', () => {
  it('applies what is there at startup, then every change, and only this broker\'s', async () => {
    await writeEntityConfig(zk, { type: 'topics', name: 'orders' }, { 'retention.ms': '1000' });
    await writeEntityConfig(zk, { type: 'brokers', name: '<default>' }, { 'leader.replication.throttled.rate': '10', 'follower.replication.throttled.rate': '10' });
    await writeEntityConfig(zk, { type: 'brokers', name: 1 }, { 'leader.replication.throttled.rate': '99' });
    const target = recordingTarget();
    manager = new DynamicConfigManager({ zk, brokerId: 1, target, clock: new ManualClock(Date.now()), logger: quietLogger });
    await manager.startup();
    expect(target.topics).toEqual([['orders', { 'retention.ms': '1000' }]]);
    expect(target.brokers).toEqual([{ 'leader.replication.throttled.rate': '99', 'follower.replication.throttled.rate': '10' }]);

    await changeEntityConfig(zk, { type: 'topics', name: 'orders' }, { 'segment.bytes': '2048' });
    await waitFor(() => target.topics.length === 2, { timeoutMs: 10_000, message: 'the topic change to be applied' });
    expect(target.topics[1]).toEqual(['orders', { 'retention.ms': '1000', 'segment.bytes': '2048' }]);

    await changeEntityConfig(zk, { type: 'brokers', name: 2 }, { 'leader.replication.throttled.rate': '5' });
    await changeEntityConfig(zk, { type: 'brokers', name: 1 }, {}, ['leader.replication.throttled.rate']);
    await waitFor(() => target.brokers.length === 2, { timeoutMs: 10_000, message: 'broker 1\'s change to be applied' });
    expect(target.brokers[1]).toEqual({ 'leader.replication.throttled.rate': '10', 'follower.replication.throttled.rate': '10' });
    expect(target.topics).toHaveLength(2); // broker 2's change was not for broker 1
  });

  it('applies users\' configs at startup and on change, by their names (sanitized in the znode path as Kafka does)', async () => {
    await writeEntityConfig(zk, { type: 'users', name: 'alice' }, { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096' });
    const target = recordingTarget();
    manager = new DynamicConfigManager({ zk, brokerId: 1, target, clock: new ManualClock(Date.now()), logger: quietLogger });
    await manager.startup();
    expect(target.users).toEqual([['alice', { 'SCRAM-SHA-256': 'salt=c2FsdA==,stored_key=a2V5,server_key=a2V5,iterations=4096' }]]);

    await writeEntityConfig(zk, { type: 'users', name: 'bob smith*' }, { 'SCRAM-SHA-512': 'x' });
    await waitFor(() => target.users.length === 2, { timeoutMs: 10_000, message: 'the new user to be applied' });
    expect(target.users[1]).toEqual(['bob smith*', { 'SCRAM-SHA-512': 'x' }]);
    expect(await zk.exists('/config/users/bob%20smith%2A')).not.toBeNull();
  });

  it('purges notifications older than the expiration', async () => {
    await writeEntityConfig(zk, { type: 'topics', name: 'old' }, {});
    const clock = new ManualClock(Date.now());
    const target = recordingTarget();
    manager = new DynamicConfigManager({ zk, brokerId: 1, target, clock, logger: quietLogger, changeExpirationMs: 60_000 });
    await manager.startup();
    clock.advance(120_000);
    await writeEntityConfig(zk, { type: 'topics', name: 'new' }, { 'retention.ms': '5' });
    await waitFor(async () => (await zk.getChildren(ZkPaths.configChanges)).length === 0, { timeoutMs: 10_000, message: 'old notifications to be purged' });
    expect(target.topics.map(([t]) => t)).toEqual(['old', 'new']);
  });

  it('reads the sequence number ZooKeeper appends', () => {
    expect(notificationSequence('config_change_0000000042')).toBe(42);
    expect(notificationSequence('something_else')).toBeUndefined();
  });
});
