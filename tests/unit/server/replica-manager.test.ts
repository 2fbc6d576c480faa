import * as fs from 'fs';
import * as path from 'path';
import { loadBrokerConfig, type BrokerConfig } from '../../../src/common/config';
import { ErrorCode } from '../../../src/common/errors';
import type { LeaderAndIsrPartitionState, LeaderAndIsrRequest } from '../../../src/protocol/messages';
import { decodeBatches } from '../../../src/protocol/record-batch';
import { LogManager } from '../../../src/storage/log-manager';
import { ReplicaManager, type FetchParams } from '../../../src/server/replica-manager';
import { numberedBatch, quietLogger } from '../../helpers/log';
import { ManualScheduler } from '../../helpers/manual-scheduler';
import { rmDir, tmpDir } from '../../helpers/tmp';

function partitionState(topic: string, partition: number, overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrPartitionState {
  return {
    topic, partition, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0,
    replicas: [1], addingReplicas: [], removingReplicas: [], isNew: true, ...overrides,
  };
}

function leaderAndIsr(states: LeaderAndIsrPartitionState[], controllerEpoch = 1): LeaderAndIsrRequest {
  return { controllerId: 1, controllerEpoch, brokerEpoch: 1, partitionStates: states, liveLeaders: [] };
}

/** Whether a promise has settled, without waiting for time to pass; a result given at once (no promise) has. */
async function settled<T>(promise: T | Promise<T>): Promise<boolean> {
  if (!(promise instanceof Promise)) return true;
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('ReplicaManager', () => {
  let dir: string;
  let config: BrokerConfig;
  let logManager: LogManager;
  let scheduler: ManualScheduler;
  let manager: ReplicaManager;
  const known = new Set<string>();
  const deadBrokers = new Set<number>();
  const topicConfigReads: string[] = [];

  const open = (): void => {
    logManager = LogManager.open(config.logDirs, { segmentBytes: 1 << 20, segmentMs: 1e12, retentionMs: -1, retentionBytes: -1, indexIntervalBytes: 4096, maxMessageBytes: 10_000, flushIntervalMessages: 1e15, flushIntervalMs: 1e15 }, { clock: scheduler.clock, logger: quietLogger });
    manager = new ReplicaManager({
      config, logManager, clock: scheduler.clock, logger: quietLogger, scheduler,
      isKnownPartition: (t, p) => known.has(`${t}-${p}`),
      isAliveBroker: (id) => !deadBrokers.has(id),
      topicConfigOverrides: async (topic): Promise<Record<string, string>> => {
        topicConfigReads.push(topic);
        return topic === 'tiny' ? { 'max.message.bytes': '100' } : {};
      },
    });
  };

  beforeEach(() => {
    dir = tmpDir('replica-manager');
    config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': dir, 'message.max.bytes': '10000' } }).config;
    scheduler = new ManualScheduler();
    known.clear();
    deadBrokers.clear();
    topicConfigReads.length = 0;
    open();
  });
  afterEach(() => {
    manager.shutdown();
    logManager.close(manager.highWatermarkOf);
    rmDir(dir);
  });

  const fetchParams = (fetchOffset: number, overrides: Partial<FetchParams> = {}): FetchParams => ({
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    partitions: [{ topic: 'orders', partition: 0, fetchOffset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }],
    ...overrides,
  });

  it('hosts partitions from LeaderAndIsr, making a log\'s folder and files by its first append, and appends and reads them', async () => {
    const response = await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('orders', 1, { leader: 2, replicas: [1, 2], isr: [1, 2] })]));
    expect(response).toEqual({ errorCode: 0, partitions: [{ topic: 'orders', partition: 0, errorCode: 0 }, { topic: 'orders', partition: 1, errorCode: 0 }] });
    const [first] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 3) }]);
    expect(first).toMatchObject({ errorCode: 0, baseOffset: 0, logStartOffset: 0 });
    // A new log is hosted without touching the disk; its first append makes its folder and files before it is acknowledged.
    expect(fs.existsSync(path.join(dir, 'orders', '0', '00000000000000000000.log'))).toBe(true);
    const [second] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(3, 2) }]);
    expect(second.baseOffset).toBe(3);
    const [read] = await manager.fetchMessages(fetchParams(1));
    expect(read).toMatchObject({ errorCode: 0, highWatermark: 5, logEndOffset: 5 });
    // Whole batches: the one holding offset 1 starts at 0.
    expect(decodeBatches(read.records as Buffer).map((r) => r.value?.toString())).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    const [onFollower] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 1, records: numberedBatch(0, 1) }]);
    expect(onFollower.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for unknown partitions and NOT_LEADER_OR_FOLLOWER for ones hosted elsewhere', async () => {
    known.add('elsewhere-0');
    const results = await manager.appendRecords(1, 1000, [
      { topic: 'nowhere', partition: 0, records: numberedBatch(0, 1) },
      { topic: 'elsewhere', partition: 0, records: numberedBatch(0, 1) },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, ErrorCode.NOT_LEADER_OR_FOLLOWER.code]);
    const [fetched] = await manager.fetchMessages(fetchParams(0, { partitions: [{ topic: 'nowhere', partition: 0, fetchOffset: 0, currentLeaderEpoch: -1, partitionMaxBytes: 100 }] }));
    expect(fetched.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
  });

  it('a corrupt or oversized batch fails only its own partition', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('orders', 1), partitionState('tiny', 0)]));
    const corrupt = numberedBatch(0, 2);
    corrupt[corrupt.length - 1] ^= 0xff;
    const results = await manager.appendRecords(1, 1000, [
      { topic: 'orders', partition: 0, records: corrupt },
      { topic: 'orders', partition: 1, records: numberedBatch(0, 2) },
      { topic: 'tiny', partition: 0, records: numberedBatch(0, 1, 0, 200) },
      { topic: 'orders', partition: 0, records: numberedBatch(0, 1, 0, 20_000) },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([
      ErrorCode.CORRUPT_MESSAGE.code, ErrorCode.NONE.code, ErrorCode.MESSAGE_TOO_LARGE.code, ErrorCode.MESSAGE_TOO_LARGE.code,
    ]);
    expect(results[0].errorMessage).toMatch(/CRC/i);
    expect(manager.getPartition('orders', 0)?.log.logEndOffset).toBe(0);
  });

  it('reads a topic\'s config once per LeaderAndIsr, and not at all when every partition of it is hosted already', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([0, 1, 2].map((p) => partitionState('orders', p)).concat(partitionState('tiny', 0))));
    expect(topicConfigReads.sort()).toEqual(['orders', 'tiny']);
    topicConfigReads.length = 0;
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 1 }), partitionState('tiny', 0, { leaderEpoch: 1 }), partitionState('tiny', 1)]));
    expect(topicConfigReads).toEqual(['tiny']);
    // The partitions of a topic hosted by one request share its settings.
    expect(manager.getPartition('orders', 2)?.log.config).toBe(manager.getPartition('orders', 0)?.log.config);
    expect(manager.getPartition('tiny', 1)?.log.config.maxMessageBytes).toBe(100);
  });

  it('rejects acks other than 0, 1 and -1, and appends to internal topics only when allowed', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('__consumer_offsets', 0)]));
    const [bad] = await manager.appendRecords(2, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 1) }]);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS.code);
    const [internal] = await manager.appendRecords(1, 1000, [{ topic: '__consumer_offsets', partition: 0, records: numberedBatch(0, 1) }]);
    expect(internal.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION.code);
    const [allowed] = await manager.appendRecords(1, 1000, [{ topic: '__consumer_offsets', partition: 0, records: numberedBatch(0, 1) }], { internalTopicsAllowed: true });
    expect(allowed.errorCode).toBe(0);
  });

  it('a disk error is KAFKA_STORAGE_ERROR for that partition while others keep working', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('orders', 1)]));
    const log = manager.getPartition('orders', 0)?.log;
    if (!log) throw new Error('no log');
    jest.spyOn(log, 'appendAsLeader').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    const results = await manager.appendRecords(1, 1000, [
      { topic: 'orders', partition: 0, records: numberedBatch(0, 1) },
      { topic: 'orders', partition: 1, records: numberedBatch(0, 1) },
    ]);
    expect(results.map((r) => r.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR.code, 0]);
  });

  it('long-poll: a fetch at the end waits and returns as soon as data is appended', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const pending = manager.fetchMessages(fetchParams(0, { maxWaitMs: 10_000 }));
    expect(await settled(pending)).toBe(false);
    expect(manager.fetchPurgatory.size).toBe(1);
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 2) }]);
    const [result] = await pending;
    expect(decodeBatches(result.records as Buffer).map((r) => r.offset)).toEqual([0, 1]);
    expect(manager.fetchPurgatory.size).toBe(0);
  });

  it('long-poll: answers empty when maxWaitMs passes, and waits for minBytes', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const expiring = manager.fetchMessages(fetchParams(0, { maxWaitMs: 500 }));
    scheduler.advance(499);
    expect(await settled(expiring)).toBe(false);
    scheduler.advance(1);
    expect((await expiring)[0]).toMatchObject({ errorCode: 0, records: null, highWatermark: 0 });

    const oneBatchBytes = numberedBatch(0, 1).length;
    const waiting = manager.fetchMessages(fetchParams(0, { maxWaitMs: 10_000, minBytes: oneBatchBytes * 3 }));
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 1) }]);
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(1, 1) }]);
    expect(await settled(waiting)).toBe(false);
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(2, 1) }]);
    expect(decodeBatches((await waiting)[0].records as Buffer)).toHaveLength(3);
  });

  it('a waiting fetch is answered when the partition stops being led here', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const waiting = manager.fetchMessages(fetchParams(0, { maxWaitMs: 10_000 }));
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leader: 2, leaderEpoch: 1, replicas: [1, 2], isr: [2] })]));
    expect((await waiting)[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
  });

  it('KIP-74: the first batch comes whole past maxBytes; later partitions get only what fits', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('orders', 1)]));
    await manager.appendRecords(1, 1000, [
      { topic: 'orders', partition: 0, records: numberedBatch(0, 1, 0, 500) },
      { topic: 'orders', partition: 1, records: numberedBatch(0, 1, 0, 10) },
    ]);
    const partitions = [0, 1].map((p) => ({ topic: 'orders', partition: p, fetchOffset: 0, currentLeaderEpoch: -1, partitionMaxBytes: 100 }));
    const results = await manager.fetchMessages(fetchParams(0, { maxBytes: 100, partitions }));
    expect(results[0].records?.length).toBeGreaterThan(500);
    expect(results[1]).toMatchObject({ errorCode: 0, records: null, highWatermark: 1 });
    const roomy = await manager.fetchMessages(fetchParams(0, { maxBytes: 10_000, partitions }));
    expect(roomy.every((r) => r.records !== null)).toBe(true);
  });

  it('acks=-1 with the leader alone in the ISR answers at once', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const [result] = await manager.appendRecords(-1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 2) }]);
    expect(result).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('acks=-1 waits for the followers fetch offsets to move the HW, or times out', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { replicas: [1, 2], isr: [1, 2] })]));
    const acked = manager.appendRecords(-1, 5000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 2) }]);
    expect(await settled(acked)).toBe(false);
    // A consumer sees nothing below the HW yet; the follower reads up to the LEO.
    expect((await manager.fetchMessages(fetchParams(0)))[0].records).toBeNull();
    const [replicaRead] = await manager.fetchMessages(fetchParams(0, { replicaId: 2 }));
    expect(decodeBatches(replicaRead.records as Buffer)).toHaveLength(2);
    await manager.fetchMessages(fetchParams(2, { replicaId: 2 }));
    expect((await acked)[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });

    const timedOut = manager.appendRecords(-1, 5000, [{ topic: 'orders', partition: 0, records: numberedBatch(2, 1) }]);
    scheduler.advance(5000);
    expect((await timedOut)[0]).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT.code, baseOffset: 2 });
  });

  it('an acks=-1 produce waiting at shutdown hears NOT_LEADER_OR_FOLLOWER (retry elsewhere), not a timeout', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { replicas: [1, 2], isr: [1, 2] })]));
    const waiting = manager.appendRecords(-1, 30_000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 2) }]);
    expect(await settled(waiting)).toBe(false);
    await manager.shutdown();
    expect((await waiting)[0]).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code });
  });

  it('a fetch with the id of a broker that is not a replica is refused', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const [result] = await manager.fetchMessages(fetchParams(0, { replicaId: 9 }));
    expect(result.errorCode).toBe(ErrorCode.REPLICA_NOT_AVAILABLE.code);
  });

  it('refuses an older controller epoch as a whole and a stale leader epoch per partition', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 3 })], 5));
    expect(await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 9 })], 4)))
      .toEqual({ errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code, partitions: [] });
    const stale = await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 3, leader: 2, replicas: [1, 2] })], 5));
    expect(stale.partitions[0].errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH.code);
    expect(manager.getPartition('orders', 0)?.isLeader).toBe(true);
    const notMine = await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('other', 0, { leader: 2, replicas: [2, 3] })], 5));
    expect(notMine.partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    expect(await manager.stopReplicas({ controllerId: 1, controllerEpoch: 4, brokerEpoch: 1, deletePartitions: true, partitions: [{ topic: 'orders', partition: 0 }] }))
      .toEqual({ errorCode: ErrorCode.STALE_CONTROLLER_EPOCH.code, partitions: [] });
  });

  it('a leadership on hold after a lost session stands again only when a controller that knows the new registration resends it', async () => {
    manager.registeredAs(10);
    const state = partitionState('orders', 0, { leaderEpoch: 4, replicas: [1, 2], isr: [1, 2] });
    const request = (brokerEpoch: number, overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrRequest =>
      ({ ...leaderAndIsr([{ ...state, ...overrides }]), brokerEpoch });
    const produce = async (): Promise<number> => (await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 1) }]))[0].errorCode;
    await manager.becomeLeaderOrFollower(request(10));
    manager.suspendLeaderships('the ZooKeeper session expired');
    expect(await produce()).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
    // Sent to the registration the session lost (an old controller's request, still in flight): no confirmation.
    expect((await manager.becomeLeaderOrFollower(request(10))).partitions[0].errorCode).toBe(ErrorCode.STALE_CONTROLLER_EPOCH.code);
    manager.registeredAs(11);
    // Another leader at the same epoch, or an older epoch, confirms nothing.
    await manager.becomeLeaderOrFollower(request(11, { leader: 2 }));
    await manager.becomeLeaderOrFollower(request(11, { leaderEpoch: 3 }));
    expect(manager.getPartition('orders', 0)?.isLeader).toBe(false);
    expect(await produce()).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER.code);
    // A new controller found this broker registered again and still leading at epoch 4.
    expect((await manager.becomeLeaderOrFollower(request(11))).partitions[0].errorCode).toBe(ErrorCode.NONE.code);
    expect(manager.getPartition('orders', 0)?.isLeader).toBe(true);
    expect(await produce()).toBe(ErrorCode.NONE.code);
    // Lost again: now a request to registration 11 is the stale one.
    manager.suspendLeaderships('the ZooKeeper session expired');
    await manager.becomeLeaderOrFollower(request(11));
    expect(manager.getPartition('orders', 0)?.isLeader).toBe(false);
    manager.registeredAs(12);
    await manager.becomeLeaderOrFollower(request(12));
    expect(manager.getPartition('orders', 0)?.isLeader).toBe(true);
  });

  it('StopReplica with delete removes the partition and its files; waiting fetches are answered', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0)]));
    const waiting = manager.fetchMessages(fetchParams(0, { maxWaitMs: 10_000 }));
    const response = await manager.stopReplicas({ controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, deletePartitions: true, partitions: [{ topic: 'orders', partition: 0 }] });
    expect(response).toEqual({ errorCode: 0, partitions: [{ topic: 'orders', partition: 0, errorCode: 0 }] });
    expect((await waiting)[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code);
    expect(fs.existsSync(path.join(dir, 'orders'))).toBe(false);
    expect(manager.getPartition('orders', 0)).toBeUndefined();
  });

  it('checkpoints high watermarks and starts from them after a restart', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { replicas: [1, 2], isr: [1, 2] })]));
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 5) }]);
    await manager.fetchMessages(fetchParams(3, { replicaId: 2 }));
    expect(manager.getPartition('orders', 0)?.highWatermark).toBe(3);
    manager.checkpointHighWatermarks();
    expect(fs.readFileSync(path.join(dir, 'replication-offset-checkpoint'), 'utf8')).toContain('orders 0 3');
    manager.shutdown();
    logManager.close(manager.highWatermarkOf);
    open();
    // Before the controller says anything, a checkpoint keeps the saved value.
    manager.checkpointHighWatermarks();
    expect(fs.readFileSync(path.join(dir, 'replication-offset-checkpoint'), 'utf8')).toContain('orders 0 3');
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 1, replicas: [1, 2], isr: [1, 2] })]));
    expect(manager.getPartition('orders', 0)?.highWatermark).toBe(3);
    expect(manager.getPartition('orders', 0)?.log.logEndOffset).toBe(5);
  });

  it('ListOffsets and OffsetsForLeaderEpoch answer from the leader', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leaderEpoch: 2 })]));
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 3, 5000) }]);
    const offsets = manager.listOffsets(-1, [
      { topic: 'orders', partition: 0, timestamp: -2 },
      { topic: 'orders', partition: 0, timestamp: -1 },
      { topic: 'orders', partition: 0, timestamp: 5000 },
      { topic: 'missing', partition: 0, timestamp: -1 },
    ]);
    expect(offsets.map((o) => [o.errorCode, o.offset])).toEqual([[0, 0], [0, 3], [0, 0], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, -1]]);
    expect(manager.lastOffsetForLeaderEpoch([{ topic: 'orders', partition: 0, currentLeaderEpoch: 2, leaderEpoch: 2 }]))
      .toEqual([{ topic: 'orders', partition: 0, errorCode: 0, leaderEpoch: 2, endOffset: 3 }]);
  });

  describe('DeleteRecords', () => {
    /** Broker 2's fetch of orders-0 at `fetchOffset`, saying its log starts at `logStartOffset`. */
    const followerFetch = (fetchOffset: number, logStartOffset: number): Promise<unknown> => manager.fetchMessages(fetchParams(fetchOffset, {
      replicaId: 2, partitions: [{ topic: 'orders', partition: 0, fetchOffset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20, logStartOffset }],
    }));
    const leadOrdersWithTenRecords = async (): Promise<void> => {
      await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { replicas: [1, 2], isr: [1, 2] })]));
      await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 10) }]);
      await followerFetch(10, 0);
      expect(manager.getPartition('orders', 0)?.highWatermark).toBe(10);
    };

    it('deletes on the leader at once and answers once the follower says it deleted too, with the low watermark', async () => {
      await leadOrdersWithTenRecords();
      const deleting = manager.deleteRecords(5000, [{ topic: 'orders', partition: 0, offset: 4 }]);
      expect(await settled(deleting)).toBe(false);
      expect(manager.getPartition('orders', 0)?.log.logStartOffset).toBe(4);
      const [below] = await manager.fetchMessages(fetchParams(3));
      expect(below.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE.code);
      expect(manager.listOffsets(-1, [{ topic: 'orders', partition: 0, timestamp: -2 }])[0].offset).toBe(4);
      await followerFetch(10, 0);
      expect(await settled(deleting)).toBe(false);
      await followerFetch(10, 4);
      expect(await deleting).toEqual([{ topic: 'orders', partition: 0, errorCode: 0, errorMessage: null, lowWatermark: 4 }]);
    });

    it('times out with the low watermark it had, unless the lagging follower\'s broker is dead', async () => {
      await leadOrdersWithTenRecords();
      const timingOut = manager.deleteRecords(3000, [{ topic: 'orders', partition: 0, offset: -1 }]);
      expect(await settled(timingOut)).toBe(false);
      scheduler.advance(3000);
      expect((await timingOut)[0]).toMatchObject({ errorCode: ErrorCode.REQUEST_TIMED_OUT.code, lowWatermark: 0 });
      expect(manager.getPartition('orders', 0)?.log.logStartOffset).toBe(10);
      deadBrokers.add(2);
      expect(await manager.deleteRecords(3000, [{ topic: 'orders', partition: 0, offset: 10 }])).toEqual([
        { topic: 'orders', partition: 0, errorCode: 0, errorMessage: null, lowWatermark: 10 },
      ]);
    });

    it('answers each partition\'s error: past the HW, internal topics, not led here, unknown', async () => {
      known.add('elsewhere-0');
      await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0), partitionState('__consumer_offsets', 0), partitionState('followed', 0, { leader: 2, replicas: [1, 2], isr: [1, 2] })]));
      await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 3) }]);
      const results = await manager.deleteRecords(3000, [
        { topic: 'orders', partition: 0, offset: 4 },
        { topic: '__consumer_offsets', partition: 0, offset: 0 },
        { topic: 'followed', partition: 0, offset: 0 },
        { topic: 'elsewhere', partition: 0, offset: 0 },
        { topic: 'nowhere', partition: 0, offset: 0 },
        { topic: 'orders', partition: 0, offset: 2 },
      ]);
      expect(results.map((r) => [r.errorCode, r.lowWatermark])).toEqual([
        [ErrorCode.OFFSET_OUT_OF_RANGE.code, -1], [ErrorCode.INVALID_TOPIC_EXCEPTION.code, -1], [ErrorCode.NOT_LEADER_OR_FOLLOWER.code, -1],
        [ErrorCode.NOT_LEADER_OR_FOLLOWER.code, -1], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, -1], [0, 2],
      ]);
    });

    it('a DeleteRecords waiting when leadership moves hears NOT_LEADER_OR_FOLLOWER', async () => {
      await leadOrdersWithTenRecords();
      const deleting = manager.deleteRecords(30_000, [{ topic: 'orders', partition: 0, offset: 5 }]);
      expect(await settled(deleting)).toBe(false);
      await manager.becomeLeaderOrFollower(leaderAndIsr([partitionState('orders', 0, { leader: 2, leaderEpoch: 1, replicas: [1, 2], isr: [1, 2] })]));
      expect((await deleting)[0]).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code, lowWatermark: -1 });
    });
  });
});
