/**
 * Times LogManager.open of the storage benchmark's log in three states: after a crash with the
 * recovery point checkpointed near the end (the segments from it on are checked batch by batch),
 * after a clean shutdown (only index tails are read), and after a crash with the checkpoint lost
 * (every segment is checked). Each open must find the log end where the appends left it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../src/common/assert';
import { systemClock } from '../src/common/clock';
import type { Logger } from '../src/common/logger';
import { formatNumber } from '../src/cli/format';
import type { LogConfig } from '../src/storage/log-config';
import { LogManager, RECOVERY_POINT_CHECKPOINT } from '../src/storage/log-manager';
import { MiB, elapsedMsSince } from './harness';
import type { ReportTable } from './report';

export interface RecoveryTimes {
  crashMs: number;
  cleanMs: number;
  noCheckpointMs: number;
}

export interface RecoverySetup {
  logDir: string;
  config: LogConfig;
  logger: Logger;
  expectedLogEndOffset: number;
  /** Runs before each open, untimed (e.g. dropping the page cache). */
  beforeEachOpen: () => void;
}

function timedOpen(setup: RecoverySetup): { manager: LogManager; elapsedMs: number } {
  setup.beforeEachOpen();
  const startNs = process.hrtime.bigint();
  const manager = LogManager.open([setup.logDir], setup.config, { clock: systemClock, logger: setup.logger });
  const elapsedMs = elapsedMsSince(startNs);
  const ends = manager.allLogs().map((log) => log.logEndOffset);
  assert(ends.length === 1 && ends[0] === setup.expectedLogEndOffset, () =>
    `reopened ${setup.logDir}: log end offsets [${ends.join(', ')}], expected [${setup.expectedLogEndOffset}]`);
  return { manager, elapsedMs };
}

/**
 * Expects the log's files closed without the clean-shutdown marker (a crash) and a recovery-point
 * checkpoint near the end. Leaves the log closed cleanly.
 */
export function timeRecovery(setup: RecoverySetup): RecoveryTimes {
  const crash = timedOpen(setup);
  crash.manager.close();
  const clean = timedOpen(setup);
  // Crash again, this time having lost the recovery-point checkpoint: the log is checked from 0.
  for (const log of clean.manager.allLogs()) log.close();
  fs.rmSync(path.join(setup.logDir, RECOVERY_POINT_CHECKPOINT));
  const noCheckpoint = timedOpen(setup);
  noCheckpoint.manager.close();
  return { crashMs: crash.elapsedMs, cleanMs: clean.elapsedMs, noCheckpointMs: noCheckpoint.elapsedMs };
}

export function recoveryTable(times: RecoveryTimes, segmentCount: number, segmentBytes: number, rounds: number): ReportTable {
  const segmentMiB = (segmentBytes / MiB).toFixed(0);
  return {
    title: `LogManager.open of the log (${segmentCount} segments of up to ${segmentMiB} MiB); median of ${rounds} round(s)`,
    columns: [{ title: 'state left behind' }, { title: 'ms', align: 'right' }, { title: 'what open checks' }],
    rows: [
      ['crash, recovery point 1 segment back', formatNumber(times.crashMs, 1), 'the last full segment and the active one: every batch (CRC), indexes rebuilt'],
      ['clean shutdown', formatNumber(times.cleanMs, 1), 'index sanity, then each segment past its last index entry'],
      ['crash, recovery-point checkpoint lost', formatNumber(times.noCheckpointMs, 1), `all ${segmentCount} segments, every batch (CRC), indexes rebuilt`],
    ],
  };
}
