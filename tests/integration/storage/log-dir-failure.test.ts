/**
 * Kafka's log dir failure, on real files with the disk error injected: a write into one log dir
 * that fails with ENOSPC (after a short write, as a full disk does) or EROFS takes that dir
 * offline. Its partitions answer KAFKA_STORAGE_ERROR, to LeaderAndIsr too; the other dir's keep
 * being served; the offline dir gets no checkpoint and no clean-shutdown marker; and once the disk
 * is healthy again a restart recovers its logs with everything written before the failure.
 */
import * as fs from 'fs';
// The module object itself (not the namespace copy of `import *`), so that a spy reaches the code under test.
import nodeFs = require('fs');
import * as path from 'path';
import { loadBrokerConfig, type BrokerConfig } from '../../../src/common/config';
import { ErrorCode } from '../../../src/common/errors';
import type { LeaderAndIsrPartitionState, LeaderAndIsrRequest } from '../../../src/protocol/messages';
import { decodeBatches } from '../../../src/protocol/record-batch';
import { ReplicaManager, type FetchParams } from '../../../src/server/replica-manager';
import { LogDirFailureChannel } from '../../../src/storage/log-dir-failure';
import { CLEAN_SHUTDOWN_MARKER, LogManager, RECOVERY_POINT_CHECKPOINT } from '../../../src/storage/log-manager';
import { numberedBatch, quietLogger } from '../../helpers/log';
import { ManualScheduler } from '../../helpers/manual-scheduler';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

const logConfig = { segmentBytes: 1 << 20, segmentMs: 1e12, retentionMs: -1, retentionBytes: -1, indexIntervalBytes: 4096, maxMessageBytes: 10_000, flushIntervalMessages: 1e15, flushIntervalMs: 1e15 };

function state(topic: string, partition: number, overrides: Partial<LeaderAndIsrPartitionState> = {}): LeaderAndIsrPartitionState {
  return { topic, partition, controllerEpoch: 1, leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0, replicas: [1], addingReplicas: [], removingReplicas: [], isNew: true, ...overrides };
}

function leaderAndIsr(states: LeaderAndIsrPartitionState[]): LeaderAndIsrRequest {
  return { controllerId: 1, controllerEpoch: 1, brokerEpoch: 1, partitionStates: states, liveLeaders: [] };
}

function errnoError(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
}

/** The file an open descriptor names (Linux). */
function fdPath(fd: number): string {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
}

const fetchOf = (topic: string, partition: number, fetchOffset = 0): FetchParams => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
  partitions: [{ topic, partition, fetchOffset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }],
});

describe('log dir failure', () => {
  let root: string;
  let dirA: string;
  let dirB: string;
  let config: BrokerConfig;
  let scheduler: ManualScheduler;
  let channel: LogDirFailureChannel;
  let logManager: LogManager;
  let manager: ReplicaManager;
  let failedDirs: string[];

  const open = (): void => {
    channel = new LogDirFailureChannel(quietLogger);
    failedDirs = [];
    logManager = LogManager.open(config.logDirs, logConfig, { clock: scheduler.clock, logger: quietLogger, logDirFailureChannel: channel });
    manager = new ReplicaManager({ config, logManager, clock: scheduler.clock, logger: quietLogger, scheduler, isKnownPartition: () => true });
    // What the broker wires: the replica manager takes the dir's partitions offline.
    channel.onOfflineLogDir((logDir) => {
      manager.handleLogDirFailure(logDir);
      failedDirs.push(logDir);
    });
  };

  const close = async (): Promise<void> => {
    await manager.shutdown();
    logManager.close(manager.highWatermarkOf);
  };

  beforeEach(() => {
    root = tmpDir('log-dir-failure');
    dirA = path.join(root, 'a');
    dirB = path.join(root, 'b');
    config = loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', 'log.dirs': `${dirA},${dirB}`, 'message.max.bytes': '10000' } }).config;
    scheduler = new ManualScheduler();
    open();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmDir(root);
  });

  it('a full disk takes its dir offline: KAFKA_STORAGE_ERROR there, the other dir served, the data back after a restart', async () => {
    // The fewest-partitions rule puts orders-0 on dir a and orders-1 on dir b.
    await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0), state('orders', 1)]));
    const written = await manager.appendRecords(1, 1000, [
      { topic: 'orders', partition: 0, records: numberedBatch(0, 5) },
      { topic: 'orders', partition: 1, records: numberedBatch(0, 5) },
    ]);
    expect(written.map((r) => r.errorCode)).toEqual([0, 0]);
    expect(fs.existsSync(path.join(dirA, 'orders', '0'))).toBe(true);
    expect(fs.existsSync(path.join(dirB, 'orders', '1'))).toBe(true);
    manager.checkpointHighWatermarks();
    logManager.checkpointRecoveryPoints();
    const checkpointBefore = fs.readFileSync(path.join(dirA, RECOVERY_POINT_CHECKPOINT), 'utf8');

    // The disk under dir a fills up: a write there gets part of its bytes down, then ENOSPC.
    const realWriteSync = fs.writeSync;
    jest.spyOn(nodeFs, 'writeSync').mockImplementation(((fd: number, buffer: Buffer, offset?: number, length?: number, position?: number) => {
      if (!fdPath(fd).startsWith(dirA)) return (realWriteSync as (...args: unknown[]) => number)(fd, buffer, offset, length, position);
      if ((length ?? 0) > 8) realWriteSync(fd, buffer, offset ?? 0, 8, position);
      throw errnoError('ENOSPC', 'write');
    }) as typeof fs.writeSync);

    const [failed] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 3) }]);
    expect(failed.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR.code);
    await waitFor(() => failedDirs.length === 1, { timeoutMs: 5_000, message: 'the replica manager to hear of the failed dir' });
    expect(failedDirs).toEqual([dirA]);
    expect(logManager.liveLogDirs).toEqual([dirB]);
    expect(manager.getPartition('orders', 0)).toBeUndefined();

    // Offline: every request for orders-0 answers KAFKA_STORAGE_ERROR, LeaderAndIsr included; orders-1 carries on.
    const [produceAgain] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 1) }]);
    expect(produceAgain.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR.code);
    expect((await manager.fetchMessages(fetchOf('orders', 0)))[0].errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR.code);
    const told = await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0, { leaderEpoch: 1 }), state('orders', 1, { leaderEpoch: 1 })]));
    expect(told.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR.code, ErrorCode.NONE.code]);
    const [onB] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 1, records: numberedBatch(0, 2) }]);
    expect(onB).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect((await manager.fetchMessages(fetchOf('orders', 1)))[0]).toMatchObject({ errorCode: 0, highWatermark: 7 });
    // A new partition goes to the live dir.
    expect((await manager.becomeLeaderOrFollower(leaderAndIsr([state('fresh', 0)]))).partitions[0].errorCode).toBe(0);
    expect(manager.getPartition('fresh', 0)?.log.dir).toBe(path.join(dirB, 'fresh', '0'));

    // The offline dir gets no checkpoint and no clean-shutdown marker; the live one gets both.
    manager.checkpointHighWatermarks();
    logManager.checkpointRecoveryPoints();
    await close();
    expect(fs.readFileSync(path.join(dirA, RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe(checkpointBefore);
    expect(fs.existsSync(path.join(dirA, CLEAN_SHUTDOWN_MARKER))).toBe(false);
    expect(fs.existsSync(path.join(dirB, CLEAN_SHUTDOWN_MARKER))).toBe(true);

    // The disk has room again: a restart recovers dir a, torn bytes cut, the five records there.
    jest.restoreAllMocks();
    open();
    expect(logManager.liveLogDirs).toEqual([dirA, dirB]);
    await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0, { leaderEpoch: 2, isNew: false }), state('orders', 1, { leaderEpoch: 2, isNew: false })]));
    const [again] = await manager.fetchMessages(fetchOf('orders', 0));
    expect(again.errorCode).toBe(0);
    expect(decodeBatches(again.records as Buffer).map((r) => r.value?.toString())).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    const [next] = await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 1) }]);
    expect(next).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(manager.getPartition('orders', 1)?.log.logEndOffset).toBe(7);
    await close();
  });

  it('a dir read-only at start goes offline; partitions not found are not recreated elsewhere unless new', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0), state('orders', 1)]));
    // Both get records, so both have folders (a new log has none before its first append or the background creation).
    await manager.appendRecords(1, 1000, [{ topic: 'orders', partition: 0, records: numberedBatch(0, 4) }, { topic: 'orders', partition: 1, records: numberedBatch(0, 1) }]);
    await close();

    // Remounted read-only while the broker was down: removing the clean-shutdown marker fails.
    const realRmSync = fs.rmSync;
    jest.spyOn(nodeFs, 'rmSync').mockImplementation(((target: fs.PathLike, options?: fs.RmOptions) => {
      if (String(target).startsWith(dirA)) throw errnoError('EROFS', 'rm');
      realRmSync(target, options);
    }) as typeof fs.rmSync);
    open();
    expect(logManager.liveLogDirs).toEqual([dirB]);
    expect(channel.offlineLogDirs()).toEqual([dirA]);
    await waitFor(() => failedDirs.length === 1, { timeoutMs: 5_000, message: 'the failed dir to be reported' });

    const told = await manager.becomeLeaderOrFollower(leaderAndIsr([
      state('orders', 0, { leaderEpoch: 1, isNew: false }), state('orders', 1, { leaderEpoch: 1, isNew: false }), state('created', 0, { isNew: true }),
    ]));
    // orders-0 was on the offline dir: an empty log on dir b would pass for it, so it is refused.
    expect(told.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR.code, ErrorCode.NONE.code, ErrorCode.NONE.code]);
    expect(fs.existsSync(path.join(dirB, 'orders', '0'))).toBe(false);
    await close();

    jest.restoreAllMocks();
    open();
    await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0, { leaderEpoch: 2, isNew: false })]));
    expect(manager.getPartition('orders', 0)?.log.logEndOffset).toBe(4);
    await close();
  });

  it('with every log dir offline nothing is created and nothing is served', async () => {
    await manager.becomeLeaderOrFollower(leaderAndIsr([state('orders', 0), state('orders', 1)]));
    channel.maybeAddOfflineLogDir(dirA, 'test', errnoError('EIO', 'write'));
    channel.maybeAddOfflineLogDir(dirB, 'test', errnoError('EIO', 'write'));
    await waitFor(() => failedDirs.length === 2, { timeoutMs: 5_000, message: 'both dirs to be reported' });
    expect(logManager.liveLogDirs).toEqual([]);
    const told = await manager.becomeLeaderOrFollower(leaderAndIsr([state('other', 0)]));
    expect(told.partitions[0].errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR.code);
    expect((await manager.fetchMessages(fetchOf('orders', 1)))[0].errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR.code);
    await close();
  });
});
