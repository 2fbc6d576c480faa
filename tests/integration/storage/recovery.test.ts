/**
 * Opening a log after damage: each corruption a crash or a disk can leave is recovered, keeping
 * every valid batch before it, cutting the rest, rebuilding indexes, and saying what was cut.
 */
import * as fs from 'fs';
import * as path from 'path';
import { batchBaseOffset, batchLocations } from '../../../src/protocol/record-batch';
import { checkedOffsets, numberedBatch, openLog, readAll, recordingLogger } from '../../helpers/log';
import { rmDir, tmpDir } from '../../helpers/tmp';

let dir: string;
beforeEach(() => {
  dir = tmpDir('recovery');
});
afterEach(() => rmDir(dir));

const segmentFile = (suffix: string, baseOffset = 0): string => path.join(dir, `${String(baseOffset).padStart(20, '0')}${suffix}`);
const config = { indexIntervalBytes: 256 };

/** A log of 20 batches of 3 records, closed without a clean shutdown; returns its bytes. */
function writeLog(): Buffer {
  const log = openLog(dir, config);
  for (let i = 0; i < 20; i++) log.appendAsLeader(numberedBatch(i * 3, 3, 1, 30), 0);
  const bytes = readAll(log);
  log.close();
  return bytes;
}

function flipByteAt(file: string, position: number): void {
  const fd = fs.openSync(file, 'r+');
  const byte = Buffer.alloc(1);
  fs.readSync(fd, byte, 0, 1, position);
  byte[0] ^= 0xff;
  fs.writeSync(fd, byte, 0, 1, position);
  fs.closeSync(fd);
}

describe('recovery of a log after a crash', () => {
  it('cuts a torn last batch, keeps everything before it, and says what it cut', () => {
    const bytes = writeLog();
    fs.truncateSync(segmentFile('.log'), bytes.length - 10);
    const logger = recordingLogger();
    const log = openLog(dir, config, undefined, 0, false, logger);
    expect(log.logEndOffset).toBe(57);
    expect(checkedOffsets(readAll(log), 0)).toHaveLength(57);
    const lastBatchBytes = numberedBatch(57, 3, 1, 30).length;
    const lastBatchStart = bytes.length - lastBatchBytes;
    expect(logger.lines.join('')).toContain(
      `recovery of ${segmentFile('.log')} (past the recovery point) cut ${lastBatchBytes - 10} bytes at position ${lastBatchStart}, after offset 56`);
    expect(logger.lines.join('')).toMatch(/torn batch: \d+ bytes declared/);
    expect(log.appendAsLeader(numberedBatch(57, 1), 0).baseOffset).toBe(57);
    log.close();
  });

  it('cuts a zero-filled tail (a file grown but never written)', () => {
    const bytes = writeLog();
    fs.appendFileSync(segmentFile('.log'), Buffer.alloc(4096));
    const logger = recordingLogger();
    const log = openLog(dir, config, undefined, 0, false, logger);
    expect(log.logEndOffset).toBe(60);
    expect(fs.statSync(segmentFile('.log')).size).toBe(bytes.length);
    expect(logger.lines.join('')).toContain(`cut 4096 bytes at position ${bytes.length}, after offset 59: invalid batch length 0 (zero-filled or corrupt)`);
    log.close();
  });

  it('cuts the last batch when one of its bytes is flipped (CRC)', () => {
    const bytes = writeLog();
    flipByteAt(segmentFile('.log'), bytes.length - 5);
    const logger = recordingLogger();
    const log = openLog(dir, config, undefined, 0, false, logger);
    expect(log.logEndOffset).toBe(57);
    expect(checkedOffsets(readAll(log), 0)).toHaveLength(57);
    expect(logger.lines.join('')).toMatch(/CRC mismatch/);
    log.close();
  });

  it('cuts a batch whose offsets go backwards', () => {
    writeLog();
    const log = openLog(dir, config);
    log.close();
    const stale = numberedBatch(0, 2);
    fs.appendFileSync(segmentFile('.log'), stale);
    const reopened = openLog(dir, config);
    expect(reopened.logEndOffset).toBe(60);
    reopened.close();
  });

  it.each([
    ['deleted', () => fs.rmSync(segmentFile('.index'))],
    ['overwritten with garbage', () => fs.writeFileSync(segmentFile('.index'), Buffer.alloc(fs.statSync(segmentFile('.index')).size, 0xee))],
    ['torn mid-entry', () => fs.truncateSync(segmentFile('.index'), fs.statSync(segmentFile('.index')).size - 3)],
  ])('rebuilds an index that was %s, also below the recovery point', (_, damage) => {
    const bytes = writeLog();
    const indexBefore = fs.readFileSync(segmentFile('.index'));
    expect(indexBefore.length).toBeGreaterThan(0);
    for (const recoveryPoint of [0, 60]) {
      damage();
      const logger = recordingLogger();
      const log = openLog(dir, config, undefined, recoveryPoint, recoveryPoint > 0, logger);
      log.close();
      expect(fs.readFileSync(segmentFile('.index')).equals(indexBefore)).toBe(true);
      if (recoveryPoint > 0) expect(logger.lines.join('')).toContain(`rebuilt the indexes of ${segmentFile('.log')}`);
    }
    const log = openLog(dir, config, undefined, 60, true);
    expect(readAll(log).equals(bytes)).toBe(true);
    log.close();
  });

  it('does not scan segments below the recovery point: a flipped byte there stays (as in Kafka)', () => {
    const log = openLog(dir, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 100), 0);
    const secondSegment = log.segmentBaseOffsets()[1];
    log.close();
    // Those bytes were fsynced before the crash, so Kafka trusts them and only checks the tail;
    // a CRC error there surfaces to the consumer that reads it, not at startup.
    flipByteAt(segmentFile('.log'), 100);
    const reopened = openLog(dir, { segmentBytes: 600 }, undefined, secondSegment, false);
    expect(reopened.logEndOffset).toBe(24);
    expect(() => checkedOffsets(readAll(reopened), 0)).toThrow(/CRC mismatch/);
    reopened.close();
  });

  it('deletes unflushed segments that follow one recovery had to cut (Kafka\'s rule: no hole in the offsets)', () => {
    const log = openLog(dir, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) log.appendAsLeader(numberedBatch(i * 2, 2, 1, 100), 0);
    const bases = log.segmentBaseOffsets();
    log.close();
    expect(bases.length).toBeGreaterThan(3);
    fs.truncateSync(segmentFile('.log', bases[1]), fs.statSync(segmentFile('.log', bases[1])).size - 1);
    const logger = recordingLogger();
    const reopened = openLog(dir, { segmentBytes: 600 }, undefined, 0, false, logger);
    expect(reopened.segmentBaseOffsets()).toEqual(bases.slice(0, 2));
    expect(checkedOffsets(readAll(reopened), 0)).toHaveLength(reopened.logEndOffset);
    for (const base of bases.slice(2)) {
      expect(fs.existsSync(segmentFile('.log', base))).toBe(false);
      expect(logger.lines.join('')).toContain(`deleted ${segmentFile('.log', base)}`);
    }
    reopened.close();
  });

  it('recovers a segment below the recovery point that turns out torn, instead of refusing to start', () => {
    const bytes = writeLog();
    fs.truncateSync(segmentFile('.log'), bytes.length - 10);
    const logger = recordingLogger();
    const log = openLog(dir, config, undefined, 60, true, logger);
    expect(log.logEndOffset).toBe(57);
    expect(log.recoveryPoint).toBe(57);
    expect(logger.lines.join('')).toMatch(/is below the recovery point but unreadable/);
    log.close();
  });

  it('drops leader epochs past the recovered end, and relearns epochs from recovered batches', () => {
    const log = openLog(dir, config);
    for (let i = 0; i < 10; i++) log.appendAsLeader(numberedBatch(i * 3, 3, 1, 30), i < 5 ? 1 : 4);
    const bytes = readAll(log);
    log.close();
    const batch15 = [...batchLocations(bytes)].find(({ position }) => batchBaseOffset(bytes, position) === 15)!;
    fs.truncateSync(segmentFile('.log'), batch15.position + 5);
    const reopened = openLog(dir, config);
    expect(reopened.logEndOffset).toBe(15);
    expect(reopened.leaderEpochCache.all()).toEqual([{ epoch: 1, startOffset: 0 }]);
    reopened.appendAsLeader(numberedBatch(15, 3), 4);
    reopened.flush();
    reopened.close();
    // A lost checkpoint is rebuilt from the epochs recovery reads in the batches (as Kafka's recovery does).
    fs.rmSync(path.join(dir, 'leader-epoch-checkpoint'));
    const relearned = openLog(dir, config);
    expect(relearned.leaderEpochCache.all()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 4, startOffset: 15 }]);
    relearned.close();
  });

  it('writes the leader epochs before its recovery point passes them: a crash after a flush finds them without rescanning', () => {
    const log = openLog(dir, config);
    log.appendAsLeader(numberedBatch(0, 3), 2);
    log.appendAsLeader(numberedBatch(3, 3), 5);
    expect(fs.existsSync(path.join(dir, 'leader-epoch-checkpoint'))).toBe(false);
    log.flush();
    // A crash: no close. Nothing past the recovery point is rescanned, so the epochs come from the checkpoint alone.
    const reopened = openLog(dir, config, undefined, log.recoveryPoint);
    expect(reopened.leaderEpochCache.all()).toEqual([{ epoch: 2, startOffset: 0 }, { epoch: 5, startOffset: 3 }]);
    reopened.close();
    log.close();
  });

  it('writes the leader epochs before a roll\'s background flush moves the recovery point', async () => {
    const log = openLog(dir, config);
    log.appendAsLeader(numberedBatch(0, 3), 7);
    log.roll();
    await log.whenBackgroundFlushed();
    expect(log.recoveryPoint).toBe(3);
    const reopened = openLog(dir, config, undefined, log.recoveryPoint);
    expect(reopened.leaderEpochCache.all()).toEqual([{ epoch: 7, startOffset: 0 }]);
    reopened.close();
    log.close();
  });

  it('relearns the epochs of a crash before any flush from the batches past the recovery point', () => {
    const log = openLog(dir, config);
    log.leaderEpochCache.assign(4, 0);
    log.appendAsLeader(numberedBatch(0, 3), 4);
    log.appendAsLeader(numberedBatch(3, 3), 6);
    const reopened = openLog(dir, config, undefined, log.recoveryPoint);
    expect(reopened.logEndOffset).toBe(6);
    expect(reopened.leaderEpochCache.all()).toEqual([{ epoch: 4, startOffset: 0 }, { epoch: 6, startOffset: 3 }]);
    reopened.close();
    log.close();
  });

  it('removes leftovers of interrupted work and orphaned indexes, and keeps unknown files', () => {
    writeLog();
    for (const name of ['00000000000000000000.log.deleted', '00000000000000000003.index.cleaned', 'leader-epoch-checkpoint.tmp', '00000000000000000099.index', 'notes.txt']) {
      fs.writeFileSync(path.join(dir, name), 'x');
    }
    const logger = recordingLogger();
    const log = openLog(dir, config, undefined, 0, false, logger);
    // writeLog never flushed, so no leader-epoch checkpoint was written: recovery relearned epoch 0 from the batches.
    expect(fs.readdirSync(dir).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'notes.txt']);
    expect(logger.lines.join('')).toContain(`ignoring unknown file ${path.join(dir, 'notes.txt')}`);
    expect(logger.lines.join('')).toContain('removed orphaned index');
    expect(log.logEndOffset).toBe(60);
    log.close();
  });
});
