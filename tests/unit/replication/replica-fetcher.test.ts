/**
 * A ReplicaFetcher against a leader Partition in the same process (a fake connection answers its
 * requests from the leader's log): KIP-101 truncation of a diverged tail, byte-identical copies,
 * fencing, and restart at the leader's log start.
 */
import { ManualClock } from '../../../src/common/clock';
import { ErrorCode, JosefError } from '../../../src/common/errors';
import { ApiKey, EARLIEST_TIMESTAMP } from '../../../src/protocol/api-keys';
import type { FetchRequest, LeaderAndIsrPartitionState, ListOffsetsRequest, OffsetsForLeaderEpochRequest } from '../../../src/protocol/messages';
import { Partition } from '../../../src/replication/partition';
import { ReplicaFetcher, type FetcherConnection } from '../../../src/replication/replica-fetcher';
import { ALL_PARTITIONS, ReplicationQuota } from '../../../src/replication/replication-quota';
import type { PartitionLog } from '../../../src/storage/partition-log';
import { numberedBatch, openLog, quietLogger, readAll } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

function state(leader: number, leaderEpoch: number): LeaderAndIsrPartitionState {
  return {
    topic: 'orders', partition: 0, controllerEpoch: 1, leader, leaderEpoch, isr: [1, 2], zkVersion: 0,
    replicas: [1, 2], addingReplicas: [], removingReplicas: [], isNew: false,
  };
}

const codeOf = (err: unknown): number => (err instanceof JosefError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR.code);

/** Answers a follower's requests from `leader`, as the broker's handlers would. */
function connectionTo(leader: Partition, requests: number[], recycle?: (decoded: Buffer) => void): FetcherConnection {
  const send = async (apiKey: number, body: unknown): Promise<unknown> => {
    // A real answer comes from the network: let timers run between requests.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (requests.length < 100) requests.push(apiKey);
    if (apiKey === ApiKey.OffsetsForLeaderEpoch) {
      const { topics } = body as OffsetsForLeaderEpochRequest;
      return {
        topics: topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            try {
              const { epoch, endOffset } = leader.lastOffsetForLeaderEpoch(p.currentLeaderEpoch, p.leaderEpoch);
              return { partition: p.partition, errorCode: 0, leaderEpoch: epoch, endOffset };
            } catch (err) {
              return { partition: p.partition, errorCode: codeOf(err), leaderEpoch: -1, endOffset: -1 };
            }
          }),
        })),
      };
    }
    if (apiKey === ApiKey.Fetch) {
      const request = body as FetchRequest;
      return {
        throttleTimeMs: 0, errorCode: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            try {
              if (p.fetchOffset < leader.log.logStartOffset || p.fetchOffset > leader.log.logEndOffset) throw new JosefError(ErrorCode.OFFSET_OUT_OF_RANGE);
              leader.checkLeaderEpoch(p.currentLeaderEpoch);
              leader.updateFollowerFetchState(request.replicaId, p.fetchOffset, p.logStartOffset);
              const read = leader.read(p.fetchOffset, p.partitionMaxBytes, 'logEnd', p.currentLeaderEpoch);
              return { partition: p.partition, errorCode: 0, ...read, records: read.records.length > 0 ? read.records : null };
            } catch (err) {
              return { partition: p.partition, errorCode: codeOf(err), highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: null };
            }
          }),
        })),
      };
    }
    if (apiKey === ApiKey.ListOffsets) {
      const { topics } = body as ListOffsetsRequest;
      const p = topics[0].partitions[0];
      const found = leader.fetchOffsetForTimestamp(p.timestamp, 'logEnd');
      return { topics: [{ name: topics[0].name, partitions: [{ partition: p.partition, errorCode: 0, ...found }] }] };
    }
    throw new Error(`unexpected request ${apiKey}`);
  };
  return { send: send as FetcherConnection['send'], close: async () => undefined, recycle };
}

describe('ReplicaFetcher', () => {
  const dirs: string[] = [];
  const logs: PartitionLog[] = [];
  let clock: ManualClock;
  let fetcher: ReplicaFetcher | undefined;

  const log = (name: string, overrides = {}): PartitionLog => {
    const dir = tmpDir(`fetcher-${name}`);
    dirs.push(dir);
    const opened = openLog(dir, overrides, clock);
    logs.push(opened);
    return opened;
  };

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
  });
  afterEach(async () => {
    await fetcher?.stop();
    fetcher = undefined;
    for (const l of logs.splice(0)) l.close();
    for (const d of dirs.splice(0)) rmDir(d);
  });

  const partitionOn = (brokerId: number, partitionLog: PartitionLog): Partition =>
    new Partition({ localBrokerId: brokerId, log: partitionLog, highWatermarkCheckpoint: undefined, minInsyncReplicas: 1, clock });

  const startFetcher = (
    follower: Partition, leader: Partition, requests: number[], leaderEpoch: number, quota?: ReplicationQuota, inIsr?: boolean, replicaFetchBackoffMs = 10,
    recycle?: (decoded: Buffer) => void,
  ): ReplicaFetcher => {
    fetcher = new ReplicaFetcher({
      name: 'test', localBrokerId: 2, source: { nodeId: 1, host: '127.0.0.1', port: 1, rack: null },
      settings: {
        replicaFetchWaitMaxMs: 0, replicaFetchMinBytes: 1, replicaFetchMaxBytes: 4096,
        replicaFetchResponseMaxBytes: 1 << 20, replicaFetchBackoffMs, replicaSocketTimeoutMs: 1_000,
      },
      connect: async () => connectionTo(leader, requests, recycle),
      partition: () => follower,
      logger: quietLogger,
      quota,
    });
    fetcher.addPartitions([{ topic: 'orders', partition: 0, leaderEpoch, inIsr }]);
    return fetcher;
  };

  it('cuts the tail a deposed leader wrote, then copies the new leader\'s batches byte for byte', async () => {
    const leaderLog = log('leader');
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1] });
    leader.appendRecordsToLeader(numberedBatch(0, 10), 1);

    // Broker 2 had epoch 0's records, then led epoch 1 and wrote 10 records nobody copied.
    const followerLog = log('follower');
    followerLog.appendAsFollower(leaderLog.read(0, { maxBytes: 1 << 20 }));
    followerLog.appendAsLeader(numberedBatch(100, 10), 1);
    expect(followerLog.logEndOffset).toBe(20);

    // Broker 1 leads again in epoch 2 and writes on.
    leader.makeLeader({ ...state(1, 2), isr: [1] });
    leader.appendRecordsToLeader(numberedBatch(10, 30, 1_700_000_000_000, 200), 1);
    const follower = partitionOn(2, followerLog);
    follower.makeFollower(state(1, 2));

    const requests: number[] = [];
    startFetcher(follower, leader, requests, 2);
    await waitFor(() => followerLog.logEndOffset === leaderLog.logEndOffset && fetcher?.partitions()[0]?.state === 'fetching',
      { timeoutMs: 5_000, message: 'the follower to reach the leader\'s end' });
    expect(requests[0]).toBe(ApiKey.OffsetsForLeaderEpoch);
    expect(readAll(followerLog).equals(readAll(leaderLog))).toBe(true);
    expect(followerLog.leaderEpochCache.all()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 10 }]);
    // The leader learned the follower's position from its fetches: the HW reached the end.
    // (It hears of the last append with the next fetch, which may still be on its way.)
    await waitFor(() => leader.followerState(2)?.logEndOffset === 40, { timeoutMs: 5_000, message: 'the leader to know the follower is at 40' });
  });

  it('hands each Fetch response\'s memory back to the connection only after its records are in the log', async () => {
    const leaderLog = log('leader');
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1] });
    for (let i = 0; i < 8; i++) leader.appendRecordsToLeader(numberedBatch(i * 10, 10, 1_700_000_000_000, 200), 1);
    const follower = partitionOn(2, log('follower'));
    follower.makeFollower(state(1, 0));
    // The connection reuses what it is handed back at once: here, it overwrites it with zeros.
    let recycled = 0;
    startFetcher(follower, leader, [], 0, undefined, undefined, 10, (decoded) => {
      recycled++;
      decoded.fill(0);
    });
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, { timeoutMs: 5_000, message: 'the follower to catch up' });
    expect(recycled).toBeGreaterThan(1); // 4 KiB per fetch: several responses
    expect(readAll(follower.log).equals(readAll(leaderLog))).toBe(true);
  });

  it('stops fetching a partition when the leader says our leader epoch is old', async () => {
    const leader = partitionOn(1, log('leader'));
    leader.makeLeader({ ...state(1, 5), isr: [1] });
    leader.appendRecordsToLeader(numberedBatch(0, 3), 1);
    const follower = partitionOn(2, log('follower'));
    follower.makeFollower(state(1, 4));
    startFetcher(follower, leader, [], 4);
    await waitFor(() => fetcher?.partitionCount === 0, { timeoutMs: 5_000, message: 'the fenced partition to leave the fetcher' });
    expect(follower.log.logEndOffset).toBe(0);
  });

  it('starts over at the leader\'s log start when retention deleted what it lacks', async () => {
    const leaderLog = log('leader', { segmentBytes: 1024, retentionBytes: 2048 });
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1] });
    for (let i = 0; i < 20; i++) leader.appendRecordsToLeader(numberedBatch(i * 5, 5, 1_700_000_000_000, 60), 1);
    leaderLog.deleteRetentionSegments(leader.highWatermark);
    expect(leaderLog.logStartOffset).toBeGreaterThan(0);
    expect(leader.fetchOffsetForTimestamp(EARLIEST_TIMESTAMP, 'logEnd').offset).toBe(leaderLog.logStartOffset);

    const follower = partitionOn(2, log('follower'));
    follower.makeFollower(state(1, 0));
    startFetcher(follower, leader, [], 0);
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, { timeoutMs: 5_000, message: 'the follower to catch up' });
    expect(follower.log.logStartOffset).toBe(leaderLog.logStartOffset);
    expect(readAll(follower.log).equals(readAll(leaderLog))).toBe(true);
  });

  it('deletes what the leader deleted (DeleteRecords), and the leader learns it from the next fetch', async () => {
    const leaderLog = log('leader', { segmentBytes: 1024 });
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1, 2] });
    for (let i = 0; i < 20; i++) leader.appendRecordsToLeader(numberedBatch(i * 5, 5, 1_700_000_000_000, 60), 1);
    const follower = partitionOn(2, log('follower', { segmentBytes: 1024 }));
    follower.makeFollower(state(1, 0));
    startFetcher(follower, leader, [], 0);
    await waitFor(() => leader.highWatermark === 100, { timeoutMs: 5_000, message: 'the follower to catch up' });

    expect(leader.deleteRecordsOnLeader(42, () => true).requestedOffset).toBe(42);
    await waitFor(() => follower.log.logStartOffset === 42, { timeoutMs: 5_000, message: 'the follower to delete up to 42' });
    expect(follower.log.firstSegmentBaseOffset).toBeGreaterThan(0); // its segments below went too
    expect(() => follower.log.read(41, { maxBytes: 100 })).toThrow(/OFFSET_OUT_OF_RANGE/);
    await waitFor(() => leader.lowWatermarkIfLeader(() => true) === 42, { timeoutMs: 5_000, message: 'the leader\'s low watermark to reach 42' });
  });

  it('leaves a throttled partition that is behind out of its fetches while the follower throttle is exceeded, never one caught up', async () => {
    const leaderLog = log('leader');
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1] });
    for (let i = 0; i < 20; i++) leader.appendRecordsToLeader(numberedBatch(i * 5, 5, 1_700_000_000_000, 200), 1);
    const follower = partitionOn(2, log('follower'));
    follower.makeFollower(state(1, 0));
    const quota = new ReplicationQuota({ nowMs: () => clock.nowMs() });
    quota.updateQuota(1_000);
    quota.markThrottled('orders', ALL_PARTITIONS);
    startFetcher(follower, leader, [], 0, quota);

    // One fetch (at most replica.fetch.max.bytes, 4 KiB) puts the rate over 1,000 B/s: no more until the window passes.
    const copied: number[] = [];
    await waitFor(() => follower.log.logEndOffset > 0, { timeoutMs: 5_000, message: 'the first throttled fetch' });
    while (follower.log.logEndOffset < leaderLog.logEndOffset) {
      const before = follower.log.logEndOffset;
      copied.push(before);
      expect(quota.isQuotaExceeded()).toBe(true);
      clock.advance(11_000);
      await waitFor(() => follower.log.logEndOffset > before, { timeoutMs: 5_000, message: `a fetch past offset ${before} once the window passed` });
    }
    // Unthrottled, one round would have copied everything (the leader's 100 offsets in ~6 fetches).
    expect(copied.length).toBeGreaterThan(3);
    expect(readAll(follower.log).equals(readAll(leaderLog))).toBe(true);

    // Caught up with the leader's high watermark: no longer throttled, though the rate is over the limit.
    quota.record(1_000_000);
    leader.appendRecordsToLeader(numberedBatch(100, 5, 1_700_000_000_000, 200), 1);
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, { timeoutMs: 5_000, message: 'an in-sync follower to fetch despite the throttle' });
  });

  it('fetches a partition whose ISR lists it at once, though the throttle is exceeded (a new leader epoch restarting an in-sync replica)', async () => {
    const leaderLog = log('leader');
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 0), isr: [1, 2] });
    leader.appendRecordsToLeader(numberedBatch(0, 5, 1_700_000_000_000, 200), 1);
    const follower = partitionOn(2, log('follower'));
    follower.makeFollower({ ...state(1, 0), isr: [1, 2] });
    const quota = new ReplicationQuota({ nowMs: () => clock.nowMs() });
    quota.updateQuota(1_000);
    quota.markThrottled('orders', ALL_PARTITIONS);
    quota.record(1_000_000);
    expect(quota.isQuotaExceeded()).toBe(true);
    startFetcher(follower, leader, [], 0, quota, true);
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, { timeoutMs: 5_000, message: 'an in-sync follower to fetch despite the throttle' });
  });

  it('retries soon, not after replica.fetch.backoff.ms, while the leader has not heard of the new leader epoch yet', async () => {
    const leaderLog = log('leader');
    const leader = partitionOn(1, leaderLog);
    leader.makeLeader({ ...state(1, 1), isr: [1, 2] });
    leader.appendRecordsToLeader(numberedBatch(0, 5), 1);
    const follower = partitionOn(2, log('follower'));
    follower.makeFollower(state(1, 2));
    const requests: number[] = [];
    // A 60 s backoff: the copy below can only happen within the test's time by the quick retries.
    startFetcher(follower, leader, requests, 2, undefined, true, 60_000);
    await waitFor(() => requests.filter((k) => k === ApiKey.Fetch).length >= 3, { timeoutMs: 5_000, message: 'fetches retried while the leader is at epoch 1' });
    expect(follower.log.logEndOffset).toBe(0);
    // The controller's LeaderAndIsr reaches the leader.
    leader.makeLeader({ ...state(1, 2), isr: [1, 2] });
    await waitFor(() => follower.log.logEndOffset === leaderLog.logEndOffset, { timeoutMs: 5_000, message: 'the follower to copy once the leader knows epoch 2' });
  });
});
