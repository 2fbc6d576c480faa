/**
 * A child process for the crash test: opens the log in argv[2] through the LogManager (recovering
 * whatever the last kill left) and appends batches forever, printing each batch's last offset
 * after the write returned. The parent kills it with SIGKILL at random moments; should the parent
 * die first, the child stops by itself after a bounded number of appends.
 */
import { systemClock } from '../../src/common/clock';
import { logConfig } from '../../src/storage/log-config';
import { LogManager } from '../../src/storage/log-manager';
import { numberedBatch, quietLogger } from './log';

const manager = LogManager.open([process.argv[2]], logConfig({ segmentBytes: 64 * 1024 }), { clock: systemClock, logger: quietLogger });
const log = manager.getOrCreateLog('crash', 0);
process.stdout.write(`start ${log.logEndOffset}\n`);
const appendsMax = 100_000;
for (let i = 0; i < appendsMax; i++) {
  const next = log.logEndOffset;
  const { lastOffset } = log.appendAsLeader(numberedBatch(next, 1 + (next % 7), Date.now(), 40), 1);
  process.stdout.write(`${lastOffset}\n`);
  if (next % 50 === 0) manager.checkpointRecoveryPoints();
}
