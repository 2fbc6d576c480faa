/** Builders for partition-log tests: logs in temp folders, batches of numbered records. */
import { ManualClock } from '../../src/common/clock';
import { createLogger } from '../../src/common/logger';
import { encodeRecordBatch } from '../../src/protocol/record-batch';
import { logConfig, type LogConfig } from '../../src/storage/log-config';
import { PartitionLog } from '../../src/storage/partition-log';

export const quietLogger = createLogger('test', () => undefined);

/** A batch of `count` records whose values are `v<first>`..; timestamps `timestampMs`. */
export function numberedBatch(first: number, count: number, timestampMs = 1_700_000_000_000, valueBytes = 0): Buffer {
  return encodeRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`k${first + i}`),
      value: Buffer.concat([Buffer.from(`v${first + i}`), Buffer.alloc(valueBytes, 120)]),
      timestamp: timestampMs,
    })),
  );
}

export function openLog(dir: string, overrides: Partial<LogConfig> = {}, clock = new ManualClock(1_700_000_000_000), recoveryPoint = 0, hadCleanShutdown = false): PartitionLog {
  return PartitionLog.open(dir, 'orders', 0, logConfig(overrides), { recoveryPoint, hadCleanShutdown, clock, logger: quietLogger });
}
