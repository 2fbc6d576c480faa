import { ManualClock } from '../../../src/common/clock';
import { AssertionError } from '../../../src/common/assert';
import { ErrorCode } from '../../../src/common/errors';
import type { LeaderAndIsrPartitionState } from '../../../src/protocol/messages';
import { decodeBatches } from '../../../src/protocol/record-batch';
import { Partition } from '../../../src/replication/partition';
import type { PartitionLog } from '../../../src/storage/partition-log';
import { numberedBatch, openLog } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

function state(overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrPartitionState {
  return {
    topic: 'orders', partition: 0, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0,
    replicas: [1], addingReplicas: [], removingReplicas: [], isNew: true, ...overrides,
  };
}

describe('Partition', () => {
  let dir: string;
  let log: PartitionLog;
  let clock: ManualClock;
  beforeEach(() => {
    dir = tmpDir('partition');
    clock = new ManualClock(1_700_000_000_000);
    log = openLog(dir, {}, clock);
  });
  afterEach(() => {
    log.close();
    rmDir(dir);
  });

  const partition = (minInsyncReplicas = 1, hwCheckpoint?: number): Partition =>
    new Partition({ localBrokerId: 1, log, highWatermarkCheckpoint: hwCheckpoint, minInsyncReplicas, clock });

  it('as the only ISR member, moves the HW to the LEO on every append', () => {
    const p = partition();
    expect(p.makeLeader(state())).toBe(true);
    const { info, highWatermarkMoved } = p.appendRecordsToLeader(numberedBatch(0, 3), 1);
    expect(info).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    expect(highWatermarkMoved).toBe(true);
    expect(p.highWatermark).toBe(3);
    expect(p.checkEnoughReplicasReachOffset(3)).toEqual({ done: true, errorCode: 0 });
  });

  it('records the new leader epoch in the epoch cache at the log end', () => {
    const p = partition();
    p.makeLeader(state());
    p.appendRecordsToLeader(numberedBatch(0, 2), 1);
    p.makeLeader(state({ leaderEpoch: 3 }));
    expect(log.leaderEpochCache.all()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 2 }]);
    expect(p.lastOffsetForLeaderEpoch(-1, 0)).toEqual({ epoch: 0, endOffset: 2 });
    expect(p.lastOffsetForLeaderEpoch(3, 3)).toEqual({ epoch: 3, endOffset: 2 });
  });

  it('with followers in the ISR, the HW waits for their fetch offsets', () => {
    const p = partition();
    p.makeLeader(state({ isr: [1, 2, 3], replicas: [1, 2, 3] }));
    p.appendRecordsToLeader(numberedBatch(0, 5), -1);
    expect(p.highWatermark).toBe(0);
    expect(p.checkEnoughReplicasReachOffset(5)).toEqual({ done: false, errorCode: 0 });
    expect(p.updateFollowerFetchState(2, 5)).toBe(false); // broker 3 still unknown
    expect(p.updateFollowerFetchState(3, 4)).toBe(true);
    expect(p.highWatermark).toBe(4);
    expect(p.updateFollowerFetchState(3, 5)).toBe(true);
    expect(p.highWatermark).toBe(5);
    expect(p.checkEnoughReplicasReachOffset(5).done).toBe(true);
    expect(p.followerState(3)).toMatchObject({ logEndOffset: 5, lastCaughtUpTimeMs: clock.nowMs() });
  });

  it('consumers read only below the HW; followers up to the LEO', () => {
    const p = partition();
    p.makeLeader(state({ isr: [1, 2], replicas: [1, 2] }));
    p.appendRecordsToLeader(numberedBatch(0, 2), 1);
    p.updateFollowerFetchState(2, 2);
    p.appendRecordsToLeader(numberedBatch(2, 2), 1);
    expect(p.highWatermark).toBe(2);
    const consumer = p.read(0, 1 << 20, 'highWatermark', -1);
    expect(decodeBatches(consumer.records).map((r) => r.offset)).toEqual([0, 1]);
    expect(consumer).toMatchObject({ highWatermark: 2, logStartOffset: 0, logEndOffset: 4 });
    expect(decodeBatches(p.read(0, 1 << 20, 'logEnd', -1).records).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(p.read(2, 1 << 20, 'highWatermark', -1).records.length).toBe(0);
    expect(() => p.read(5, 100, 'logEnd', -1)).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE.code }));
  });

  it('acks=all with an ISR smaller than min.insync.replicas is refused before appending', () => {
    const p = partition(2);
    p.makeLeader(state({ isr: [1], replicas: [1, 2] }));
    expect(() => p.appendRecordsToLeader(numberedBatch(0, 1), -1)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_ENOUGH_REPLICAS.code }));
    expect(log.logEndOffset).toBe(0);
    p.appendRecordsToLeader(numberedBatch(0, 1), 1);
    expect(p.checkEnoughReplicasReachOffset(1)).toEqual({ done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code });
  });

  it('a follower refuses producers and consumers with NOT_LEADER_OR_FOLLOWER', () => {
    const p = partition();
    expect(p.makeFollower(state({ leader: 2, isr: [1, 2], replicas: [1, 2] }))).toBe(true);
    expect(() => p.appendRecordsToLeader(numberedBatch(0, 1), 1)).toThrow(/NOT_LEADER_OR_FOLLOWER.*leader: broker 2/);
    expect(() => p.read(0, 100, 'highWatermark', -1)).toThrow(/NOT_LEADER_OR_FOLLOWER/);
    expect(p.checkEnoughReplicasReachOffset(0)).toEqual({ done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code });
  });

  it('leader epochs: stale states are recognized; fetches naming another epoch are fenced or unknown', () => {
    const p = partition();
    p.makeLeader(state({ leaderEpoch: 5 }));
    expect(p.isStale(state({ leaderEpoch: 5 }))).toBe(true);
    expect(p.isStale(state({ leaderEpoch: 6 }))).toBe(false);
    expect(() => p.read(0, 100, 'highWatermark', 4)).toThrow(/FENCED_LEADER_EPOCH/);
    expect(() => p.read(0, 100, 'highWatermark', 6)).toThrow(/UNKNOWN_LEADER_EPOCH/);
    expect(p.read(0, 100, 'highWatermark', 5).records.length).toBe(0);
  });

  it('starts from the checkpointed HW, kept within the log', () => {
    const first = partition();
    first.makeLeader(state());
    first.appendRecordsToLeader(numberedBatch(0, 4), 1);
    expect(partition(1, 3).highWatermark).toBe(3);
    expect(partition(1, 99).highWatermark).toBe(4);
  });

  it('ListOffsets: earliest, latest (HW for consumers, LEO for replicas) and by timestamp below the HW', () => {
    const p = partition();
    p.makeLeader(state({ isr: [1, 2], replicas: [1, 2] }));
    p.appendRecordsToLeader(numberedBatch(0, 2, 1000), 1);
    p.updateFollowerFetchState(2, 2);
    p.appendRecordsToLeader(numberedBatch(2, 2, 2000), 1);
    expect(p.fetchOffsetForTimestamp(-2, 'highWatermark')).toEqual({ offset: 0, timestamp: -1 });
    expect(p.fetchOffsetForTimestamp(-1, 'highWatermark')).toEqual({ offset: 2, timestamp: -1 });
    expect(p.fetchOffsetForTimestamp(-1, 'logEnd')).toEqual({ offset: 4, timestamp: -1 });
    expect(p.fetchOffsetForTimestamp(1000, 'highWatermark')).toEqual({ offset: 0, timestamp: 1000 });
    expect(p.fetchOffsetForTimestamp(1500, 'highWatermark')).toEqual({ offset: -1, timestamp: -1 });
    expect(p.fetchOffsetForTimestamp(1500, 'logEnd')).toEqual({ offset: 2, timestamp: 2000 });
  });

  it('DeleteRecords: the leader deletes up to the HW at most, and the low watermark waits for every live follower', () => {
    const p = partition();
    p.makeLeader(state({ isr: [1, 2], replicas: [1, 2, 3] }));
    p.appendRecordsToLeader(numberedBatch(0, 6), 1);
    p.updateFollowerFetchState(2, 4, 0);
    expect(p.highWatermark).toBe(4);
    const alive = new Set([2, 3]);
    const isAlive = (id: number): boolean => alive.has(id);
    expect(() => p.deleteRecordsOnLeader(5, isAlive)).toThrow(expect.objectContaining({ code: ErrorCode.OFFSET_OUT_OF_RANGE.code }));
    expect(p.deleteRecordsOnLeader(3, isAlive)).toEqual({ requestedOffset: 3, lowWatermark: -1 }); // broker 3 never fetched
    expect(p.fetchOffsetForTimestamp(-2, 'highWatermark')).toEqual({ offset: 3, timestamp: -1 });
    alive.delete(3);
    expect(p.lowWatermarkIfLeader(isAlive)).toBe(0);
    p.updateFollowerFetchState(2, 4, 3);
    expect(p.lowWatermarkIfLeader(isAlive)).toBe(3);
    expect(p.deleteRecordsOnLeader(-1, isAlive)).toEqual({ requestedOffset: 4, lowWatermark: 3 });
    expect(log.logStartOffset).toBe(4);
    // Never lowered: an older request's offset asks for nothing more.
    expect(p.deleteRecordsOnLeader(1, isAlive)).toEqual({ requestedOffset: 1, lowWatermark: 3 });
    expect(log.logStartOffset).toBe(4);
    // Kafka's policy check: a topic that only compacts gives up no records by offset; compact,delete does.
    log.config = { ...log.config, cleanupPolicy: 'compact' };
    expect(() => p.deleteRecordsOnLeader(4, isAlive)).toThrow(expect.objectContaining({ code: ErrorCode.POLICY_VIOLATION.code }));
    log.config = { ...log.config, cleanupPolicy: 'compact,delete' };
    expect(p.deleteRecordsOnLeader(4, isAlive)).toMatchObject({ requestedOffset: 4 });
  });

  it('a follower raises its log start to the leader\'s, never past its own HW; only the leader deletes for clients', () => {
    const p = partition();
    p.makeFollower(state({ leader: 2, isr: [1, 2], replicas: [1, 2] }));
    p.appendRecordsAsFollower(numberedBatch(0, 6), 4); // a leader's batch: offsets 0..5
    expect(p.updateFollowerLogStartOffset(2)).toBe(true);
    expect(log.logStartOffset).toBe(2);
    expect(p.updateFollowerLogStartOffset(6)).toBe(true);
    expect(log.logStartOffset).toBe(4);
    expect(p.updateFollowerLogStartOffset(-1)).toBe(false);
    expect(() => p.deleteRecordsOnLeader(4, () => true)).toThrow(/NOT_LEADER_OR_FOLLOWER/);
  });

  it('refuses, as a broken invariant, a leadership outside its ISR, a leader epoch that does not rise, and an ISR without its leader', () => {
    const p = partition();
    expect(() => p.makeLeader(state({ isr: [2], replicas: [1, 2] }))).toThrow(AssertionError);
    p.makeLeader(state({ leaderEpoch: 4, isr: [1, 2], replicas: [1, 2] }));
    expect(() => p.makeFollower(state({ leader: 2, leaderEpoch: 4 }))).toThrow(/leader epochs only rise/);
    expect(() => p.applyIsr([2], 1)).toThrow(/lacks the leader 1/);
    expect(p.leaderEpoch).toBe(4);
    expect(p.isr).toEqual([1, 2]);
  });

  it('answers a consumer only below the high watermark, while a follower reads to the log end', () => {
    const p = partition();
    p.makeLeader(state({ isr: [1, 2], replicas: [1, 2] }));
    p.appendRecordsToLeader(numberedBatch(0, 3), 1);
    p.appendRecordsToLeader(numberedBatch(3, 2), 1);
    expect(p.highWatermark).toBe(0);
    expect(p.read(0, 1 << 20, 'highWatermark', -1).records.length).toBe(0);
    expect(decodeBatches(p.read(0, 1 << 20, 'logEnd', -1).records).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    p.updateFollowerFetchState(2, 3);
    expect(p.highWatermark).toBe(3);
    expect(decodeBatches(p.read(0, 1 << 20, 'highWatermark', -1).records).map((r) => r.offset)).toEqual([0, 1, 2]);
  });
});
