/**
 * A child process for the crash test: opens the log dir in argv[2] through the LogManager
 * (recovering whatever the last kill left) and appends batches in a loop, printing each batch's
 * last offset after the append returned. It flushes every 500 records and checkpoints recovery
 * points now and then, so a kill finds segments on both sides of the recovery point. The parent
 * kills it with SIGKILL; should the parent die first, the child stops after a bounded number of appends.
 */
import { systemClock } from '../../src/common/clock';
import { logConfig } from '../../src/storage/log-config';
import { LogManager } from '../../src/storage/log-manager';
import { numberedBatch, quietLogger } from './log';

export const crashLogConfig = logConfig({ segmentBytes: 64 * 1024, indexIntervalBytes: 1024, flushIntervalMessages: 500 });

if (require.main === module) {
  const manager = LogManager.open([process.argv[2]], crashLogConfig, { clock: systemClock, logger: quietLogger });
  const log = manager.getOrCreateLog('crash', 0);
  process.stdout.write(`start ${log.logEndOffset}\n`);
  const appendsMax = 100_000;
  for (let i = 0; i < appendsMax; i++) {
    const next = log.logEndOffset;
    const { lastOffset } = log.appendAsLeader(numberedBatch(next, 1 + (next % 7), Date.now(), 40 + (next % 300)), 1);
    process.stdout.write(`${lastOffset}\n`);
    if (i % 97 === 0) manager.checkpointRecoveryPoints();
  }
}
