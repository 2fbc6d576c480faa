/**
 * LogManager over real folders: loading every partition of every log dir, the clean-shutdown
 * marker, the per-dir checkpoints, placement of new partitions, deletion, and the timers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ManualClock, systemClock } from '../../../src/common/clock';
import { ErrorCode } from '../../../src/common/errors';
import { logConfig } from '../../../src/storage/log-config';
import { CLEAN_SHUTDOWN_MARKER, LOG_START_OFFSET_CHECKPOINT, LogManager, RECOVERY_POINT_CHECKPOINT, REPLICATION_CHECKPOINT } from '../../../src/storage/log-manager';
import { checkedOffsets, numberedBatch, quietLogger, readAll, recordingLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

let dirs: string[];
beforeEach(() => {
  dirs = [tmpDir('logdir-a'), tmpDir('logdir-b')];
});
afterEach(() => dirs.forEach(rmDir));

const options = { clock: systemClock, logger: quietLogger };

describe('LogManager', () => {
  it('lays partitions out as <log.dir>/<topic>/<partition>, on the log dir with the fewest', () => {
    const manager = LogManager.open(dirs, logConfig(), options);
    const placed = [0, 1, 2, 3].map((p) => manager.getOrCreateLog('orders', p).dir);
    expect(placed).toEqual([path.join(dirs[0], 'orders', '0'), path.join(dirs[1], 'orders', '1'), path.join(dirs[0], 'orders', '2'), path.join(dirs[1], 'orders', '3')]);
    expect(manager.getOrCreateLog('orders', 0).dir).toBe(placed[0]);
    expect(() => manager.getOrCreateLog('../escape', 0)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TOPIC_EXCEPTION.code }));
    expect(manager.allLogs()).toHaveLength(4);
    manager.close();
  });

  it('after a clean close skips recovery, removes the marker, and keeps offsets and checkpoints', () => {
    const manager = LogManager.open(dirs, logConfig(), options);
    manager.getOrCreateLog('orders', 2).appendAsLeader(numberedBatch(0, 5), 0);
    manager.getOrCreateLog('orders', 3).appendAsLeader(numberedBatch(0, 2), 0);
    manager.close((topic, partition) => (partition === 2 ? 4 : undefined));
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_MARKER))).toBe(true);
    expect(fs.readFileSync(path.join(dirs[0], RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe('0\n1\norders 2 5\n');
    expect(fs.readFileSync(path.join(dirs[1], RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe('0\n1\norders 3 2\n');
    expect(fs.readFileSync(path.join(dirs[0], REPLICATION_CHECKPOINT), 'utf8')).toBe('0\n1\norders 2 4\n');
    const logger = recordingLogger();
    const again = LogManager.open(dirs, logConfig(), { clock: systemClock, logger });
    expect(logger.lines.join('')).toContain('clean shutdown: nothing to recover');
    for (const dir of dirs) expect(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_MARKER))).toBe(false);
    expect(again.getLog('orders', 2)?.logEndOffset).toBe(5);
    expect(again.getLog('orders', 3)?.logEndOffset).toBe(2);
    expect(again.readHighWatermarks()).toEqual(new Map([['orders-2', 4]]));
    again.close();
  });

  it('without the marker recovers from each partition\'s checkpointed recovery point', () => {
    const manager = LogManager.open([dirs[0]], logConfig({ segmentBytes: 500 }), options);
    const log = manager.getOrCreateLog('orders', 0);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 60), 0);
    log.flush();
    manager.checkpointRecoveryPoints();
    log.close(); // a crash: no marker
    const logger = recordingLogger();
    const again = LogManager.open([dirs[0]], logConfig({ segmentBytes: 500 }), { clock: systemClock, logger });
    expect(logger.lines.join('')).toContain('unclean shutdown');
    expect(again.getLog('orders', 0)?.recoveryPoint).toBe(20);
    expect(checkedOffsets(readAll(again.getLog('orders', 0)!), 0)).toHaveLength(20);
    again.close();
  });

  it('skips and reports what is not a partition, and finishes interrupted deletions', () => {
    const [dir] = dirs;
    fs.mkdirSync(path.join(dir, 'orders', '0'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'orders', 'zero'));
    fs.mkdirSync(path.join(dir, 'orders', '1.abc-delete'));
    fs.mkdirSync(path.join(dir, 'bad name'));
    fs.writeFileSync(path.join(dir, 'stray.bin'), 'x');
    fs.writeFileSync(path.join(dir, `${RECOVERY_POINT_CHECKPOINT}.tmp`), '0\n9\n');
    const logger = recordingLogger();
    const manager = LogManager.open([dir], logConfig(), { clock: systemClock, logger });
    const text = logger.lines.join('');
    expect(manager.allLogs().map((l) => l.name)).toEqual(['orders-0']);
    expect(text).toContain(`ignoring ${path.join(dir, 'orders', 'zero')}: not a partition folder`);
    expect(text).toContain(`ignoring folder ${path.join(dir, 'bad name')}: not a topic`);
    expect(text).toContain(`ignoring unknown file ${path.join(dir, 'stray.bin')}`);
    expect(fs.existsSync(path.join(dir, 'orders', '1.abc-delete'))).toBe(false);
    expect(fs.existsSync(path.join(dir, `${RECOVERY_POINT_CHECKPOINT}.tmp`))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'stray.bin'))).toBe(true);
    manager.close();
  });

  it('deletes a partition\'s files and its topic folder once empty', () => {
    const manager = LogManager.open([dirs[0]], logConfig(), options);
    manager.getOrCreateLog('orders', 0).appendAsLeader(numberedBatch(0, 1), 0);
    manager.getOrCreateLog('orders', 1).appendAsLeader(numberedBatch(0, 1), 0);
    manager.deleteLog('orders', 0);
    expect(fs.readdirSync(path.join(dirs[0], 'orders'))).toEqual(['1']);
    manager.deleteLog('orders', 1);
    expect(fs.existsSync(path.join(dirs[0], 'orders'))).toBe(false);
    expect(manager.getLog('orders', 0)).toBeUndefined();
    manager.close();
  });

  /** A crash: every log's files closed without a write, no checkpoint and no marker. */
  const crash = (manager: LogManager): void => manager.logDirs.forEach((d) => manager.handleLogDirFailure(d));
  const filesOf = (dir: string): string[] => fs.readdirSync(dir).sort();

  it('makes a new log\'s folder and files at its first append; a crash before leaves no log, and one after finds the records', () => {
    const manager = LogManager.open([dirs[0]], logConfig(), options);
    const log = manager.getOrCreateLog('orders', 0);
    log.leaderEpochCache.assign(3, 0);
    expect(fs.existsSync(log.dir)).toBe(false);
    // Checkpoints naming a log without files are written as any other.
    manager.checkpointRecoveryPoints();
    manager.checkpointHighWatermarks(() => 0);
    crash(manager);

    const restarted = LogManager.open([dirs[0]], logConfig(), options);
    expect(restarted.getLog('orders', 0)).toBeUndefined();
    const again = restarted.getOrCreateLog('orders', 0, logConfig(), false);
    expect(again.logEndOffset).toBe(0);
    again.appendAsLeader(numberedBatch(0, 3), 4);
    expect(filesOf(again.dir)).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
    crash(restarted);

    const recovered = LogManager.open([dirs[0]], logConfig(), options);
    const found = recovered.getLog('orders', 0);
    expect(found?.logEndOffset).toBe(3);
    expect(checkedOffsets(readAll(found!), 0)).toEqual([0, 1, 2]);
    expect(found?.leaderEpochCache.all()).toEqual([{ epoch: 4, startOffset: 0 }]);
    recovered.close();
    expect(filesOf(again.dir)).toContain('leader-epoch-checkpoint');
  });

  it('with one listing of a topic\'s folder for many new logs, opens a partition folder found there and creates the others lazily', () => {
    const first = LogManager.open([dirs[0]], logConfig(), options);
    first.getOrCreateLog('orders', 0).appendAsLeader(numberedBatch(0, 5), 0);
    first.close();
    const manager = LogManager.open([dirs[0]], logConfig(), options);
    // A partition folder the manager did not load (put there behind its back): the listing must see it as the stat did.
    fs.cpSync(path.join(dirs[0], 'orders', '0'), path.join(dirs[0], 'orders', '1'), { recursive: true });
    const listing = manager.partitionDirListing();
    const found = manager.getOrCreateLog('orders', 1, logConfig(), true, listing);
    const created = manager.getOrCreateLog('orders', 2, logConfig(), true, listing);
    const otherTopic = manager.getOrCreateLog('payments', 0, logConfig(), true, listing);
    expect(found.logEndOffset).toBe(5);
    expect(found.awaitingFiles).toBe(false);
    expect([created.awaitingFiles, otherTopic.awaitingFiles]).toEqual([true, true]);
    expect(fs.existsSync(created.dir)).toBe(false);
    manager.close();
  });

  it('starts a new log without files over at an offset (a follower behind the leader\'s log start)', () => {
    const manager = LogManager.open([dirs[0]], logConfig(), options);
    const log = manager.getOrCreateLog('orders', 0);
    log.truncateFullyAndStartAt(100);
    expect(log.logStartOffset).toBe(100);
    expect(filesOf(log.dir)).toEqual(['00000000000000000100.index', '00000000000000000100.log', '00000000000000000100.timeindex']);
    log.appendAsLeader(numberedBatch(0, 2), 1);
    expect(log.logEndOffset).toBe(102);
    manager.close();
  });

  it('makes the files of new logs in the background once no log was created for a while, and skips a log deleted before', async () => {
    const manager = LogManager.open([dirs[0]], logConfig(), options);
    const logs = [0, 1, 2].map((p) => manager.getOrCreateLog('orders', p));
    manager.getOrCreateLog('orders', 3);
    manager.deleteLog('orders', 3);
    expect(logs.every((l) => !fs.existsSync(l.dir))).toBe(true);
    await waitFor(() => logs.every((l) => !l.awaitingFiles), { timeoutMs: 10_000, message: 'the background creation of three logs' });
    for (const log of logs) expect(filesOf(log.dir)).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
    expect(filesOf(path.join(dirs[0], 'orders'))).toEqual(['0', '1', '2']);
    manager.close();
  });

  it('writes a log start offset inside a segment to log-start-offset-checkpoint at once, so a crash does not bring the records back', () => {
    const manager = LogManager.open([dirs[0]], logConfig({ segmentBytes: 500 }), options);
    const log = manager.getOrCreateLog('orders', 0);
    manager.getOrCreateLog('orders', 1).appendAsLeader(numberedBatch(0, 2), 0);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 60), 0);
    const checkpoint = path.join(dirs[0], LOG_START_OFFSET_CHECKPOINT);
    log.maybeIncrementLogStartOffset(7, 'test');
    expect(fs.readFileSync(checkpoint, 'utf8')).toBe('0\n1\norders 0 7\n');
    log.close(); // a crash: nothing else written
    manager.getLog('orders', 1)?.close();
    const again = LogManager.open([dirs[0]], logConfig({ segmentBytes: 500 }), options);
    const reopened = again.getLog('orders', 0)!;
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([7, 20]);
    expect(checkedOffsets(reopened.read(7, { maxBytes: 1 << 20 }), 6)[0]).toBe(6); // the batch holding 7 starts at 6
    expect(again.getLog('orders', 1)?.logStartOffset).toBe(0);
    // A topic deleted and created again under the same name starts at 0, also after a restart.
    again.deleteLog('orders', 0);
    expect(fs.readFileSync(checkpoint, 'utf8')).toBe('0\n0\n');
    again.getOrCreateLog('orders', 0).appendAsLeader(numberedBatch(0, 1), 0);
    again.close();
    const third = LogManager.open([dirs[0]], logConfig({ segmentBytes: 500 }), options);
    expect([third.getLog('orders', 0)?.logStartOffset, third.getLog('orders', 0)?.logEndOffset]).toEqual([0, 1]);
    third.close();
  });

  it('runs retention and checkpoints on unref\'d timers until closed', async () => {
    const clock = new ManualClock(Date.now());
    const logger = recordingLogger();
    const manager = LogManager.open([dirs[0]], logConfig({ segmentBytes: 300, retentionMs: 1000 }), {
      clock, logger, retentionCheckIntervalMs: 20, checkpointIntervalMs: 20, flushCheckIntervalMs: 20,
    });
    const log = manager.getOrCreateLog('orders', 0);
    for (let i = 0; i < 4; i++) log.appendAsLeader(numberedBatch(i, 1, clock.nowMs(), 150), 0);
    manager.startBackgroundTasks();
    clock.advance(5000);
    await waitFor(() => log.segmentCount === 1 && fs.existsSync(path.join(dirs[0], RECOVERY_POINT_CHECKPOINT)), { timeoutMs: 5000, message: 'retention and checkpoint timers' });
    expect(log.logStartOffset).toBe(3);
    manager.close();
    const checkpointed = fs.readFileSync(path.join(dirs[0], RECOVERY_POINT_CHECKPOINT), 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fs.readFileSync(path.join(dirs[0], RECOVERY_POINT_CHECKPOINT), 'utf8')).toBe(checkpointed);
    expect(logger.lines.filter((l) => l.includes('failed'))).toEqual([]);
  });
});
