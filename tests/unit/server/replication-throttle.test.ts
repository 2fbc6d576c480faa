/**
 * The leader side of the replication throttle through ReplicaManager, set as the dynamic config
 * sets it (ReplicationThrottles' applyBrokerConfig, applyTopicConfig): a follower outside the ISR gets no data for a
 * throttled partition while the leader rate is exceeded, and its waiting fetch does not complete on
 * held-back bytes; consumers and ISR members are never held back.
 */
import { loadBrokerConfig } from '../../../src/common/config';
import type { LeaderAndIsrPartitionState } from '../../../src/protocol/messages';
import { LogManager } from '../../../src/storage/log-manager';
import { ReplicaManager, type FetchParams } from '../../../src/server/replica-manager';
import { ReplicationThrottles } from '../../../src/server/replication-throttles';
import { numberedBatch, quietLogger } from '../../helpers/log';
import { ManualScheduler } from '../../helpers/manual-scheduler';
import { rmDir, tmpDir } from '../../helpers/tmp';

function leaderState(isr: number[], leaderEpoch: number): LeaderAndIsrPartitionState {
  return {
    topic: 'orders', partition: 0, controllerEpoch: 1, leader: 1, leaderEpoch, isr, zkVersion: 0,
    replicas: [1, 2], addingReplicas: [], removingReplicas: [], isNew: true,
  };
}

async function settled<T>(promise: Promise<T>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('leader replication throttle', () => {
  let dir: string;
  let logManager: LogManager;
  let scheduler: ManualScheduler;
  let manager: ReplicaManager;
  let throttles: ReplicationThrottles;

  beforeEach(async () => {
    dir = tmpDir('replication-throttle');
    const { config } = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': dir } });
    scheduler = new ManualScheduler();
    logManager = LogManager.open(config.logDirs, { segmentBytes: 1 << 20, segmentMs: 1e12, retentionMs: -1, retentionBytes: -1, indexIntervalBytes: 4096, maxMessageBytes: 1 << 20, flushIntervalMessages: 1e15, flushIntervalMs: 1e15 }, { clock: scheduler.clock, logger: quietLogger });
    throttles = new ReplicationThrottles({ brokerId: 1, clock: scheduler.clock, logger: quietLogger });
    manager = new ReplicaManager({ config, logManager, clock: scheduler.clock, logger: quietLogger, scheduler, throttles });
    await manager.becomeLeaderOrFollower({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: [leaderState([1], 1)], liveLeaders: [] });
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 10, 1_700_000_000_000, 100) }]);
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(10, 10, 1_700_000_000_000, 100) }]);
  });
  afterEach(async () => {
    await manager.shutdown();
    logManager.close(manager.highWatermarkOf);
    rmDir(dir);
  });

  const fetch = (replicaId: number, overrides: Partial<FetchParams> = {}): FetchParams => ({
    replicaId, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    partitions: [{ topic: 'orders', partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, partitionMaxBytes: 1_500 }],
    ...overrides,
  });

  it('holds back data for a follower outside the ISR once the rate is exceeded, until the window passes', async () => {
    throttles.applyBrokerConfig({ 'leader.replication.throttled.rate': '100' });
    throttles.applyTopicConfig('orders', { 'leader.replication.throttled.replicas': '0:1,0:3' });
    const [first] = await manager.fetchMessages(fetch(2));
    expect(first.records?.length).toBeGreaterThan(100);
    expect(manager.leaderQuota.isQuotaExceeded()).toBe(true);
    const [held] = await manager.fetchMessages(fetch(2));
    expect(held).toMatchObject({ errorCode: 0, records: null, highWatermark: 20, logEndOffset: 20 });
    // A waiting fetch does not complete on bytes the throttle holds back...
    const waiting = manager.fetchMessages(fetch(2, { maxWaitMs: 30_000 }));
    expect(await settled(waiting)).toBe(false);
    // (consumers are not throttled)
    const [consumed] = await manager.fetchMessages(fetch(-1));
    expect(consumed.records?.length).toBeGreaterThan(0);
    // ...and once the window (11 x 1 s) has passed, it answers with data at its deadline.
    scheduler.advance(30_000);
    const [later] = await waiting;
    expect(later.records?.length).toBeGreaterThan(0);
  });

  it('never holds back an ISR member, nor partitions not listed for this broker, nor once the rate is lifted', async () => {
    throttles.applyBrokerConfig({ 'leader.replication.throttled.rate': '100' });
    throttles.applyTopicConfig('orders', { 'leader.replication.throttled.replicas': '*' });
    await manager.fetchMessages(fetch(2));
    expect((await manager.fetchMessages(fetch(2)))[0].records).toBeNull();

    throttles.applyTopicConfig('orders', { 'leader.replication.throttled.replicas': '0:2' });
    expect((await manager.fetchMessages(fetch(2)))[0].records).not.toBeNull();

    throttles.applyTopicConfig('orders', { 'leader.replication.throttled.replicas': '*' });
    throttles.applyBrokerConfig({});
    expect((await manager.fetchMessages(fetch(2)))[0].records).not.toBeNull();

    throttles.applyBrokerConfig({ 'leader.replication.throttled.rate': '100' });
    expect((await manager.fetchMessages(fetch(2)))[0].records).toBeNull();
    await manager.becomeLeaderOrFollower({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: [leaderState([1, 2], 2)], liveLeaders: [] });
    expect((await manager.fetchMessages(fetch(2)))[0].records).not.toBeNull();
  });

  it('refuses a malformed throttle without changing anything', () => {
    expect(() => throttles.applyBrokerConfig({ 'follower.replication.throttled.rate': 'fast' })).toThrow(/positive/);
    expect(() => throttles.applyTopicConfig('orders', { 'leader.replication.throttled.replicas': 'all of them' })).toThrow(/partition:brokerId/);
    expect(manager.leaderQuota.isThrottled('orders', 0)).toBe(false);
  });
});
