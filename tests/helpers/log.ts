/** Builders and checks for storage tests: logs in temp folders, batches of numbered records. */
import { ManualClock } from '../../src/common/clock';
import { createLogger, type Logger } from '../../src/common/logger';
import { BatchField, batchLocations, checkBatch, computeBatchCrc, decodeBatches, encodeRecordBatch } from '../../src/protocol/record-batch';
import { logConfig, type LogConfig } from '../../src/storage/log-config';
import { PartitionLog } from '../../src/storage/partition-log';

export const quietLogger = createLogger('test', () => undefined);

/** A logger that keeps its lines, for tests that check what was reported. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger('test', (line) => lines.push(line)), { lines });
}

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

/**
 * `batch` (changed in place) marked as compressed with `codec` (1 gzip ... 4 zstd) over its
 * uncompressed records, under a CRC that matches: only the broker's compression check refuses it.
 */
export function markedCompressed(batch: Buffer, codec: number): Buffer {
  batch.writeInt16BE(batch.readInt16BE(BatchField.attributes) | codec, BatchField.attributes);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BatchField.crc);
  return batch;
}

export function openLog(
  dir: string, overrides: Partial<LogConfig> = {}, clock = new ManualClock(1_700_000_000_000), recoveryPoint = 0, hadCleanShutdown = false, logger: Logger = quietLogger,
): PartitionLog {
  return PartitionLog.open(dir, 'orders', 0, logConfig(overrides), { recoveryPoint, hadCleanShutdown, clock, logger });
}

/** Every byte of the log from its start, read the way a consumer reads it. */
export function readAll(log: PartitionLog): Buffer {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = log.read(offset, { maxBytes: 1 << 20 });
    if (bytes.length === 0) throw new Error(`read at ${offset} of a log ending at ${log.logEndOffset} returned nothing`);
    parts.push(bytes);
    const records = decodeBatches(bytes);
    offset = records[records.length - 1].offset + 1;
  }
  return Buffer.concat(parts);
}

/** Whole batches only, each passing its CRC, offsets contiguous from `start`; returns the offsets. */
export function checkedOffsets(bytes: Buffer, start: number): number[] {
  let wholeBytes = 0;
  for (const { position, size } of batchLocations(bytes)) {
    const check = checkBatch(bytes, position);
    if (!check.ok) throw new Error(`batch at byte ${position}: ${check.reason}`);
    wholeBytes = position + size;
  }
  if (wholeBytes !== bytes.length) throw new Error(`${bytes.length - wholeBytes} bytes after the last whole batch`);
  const offsets = decodeBatches(bytes).map((r) => r.offset);
  offsets.forEach((offset, i) => {
    if (offset !== start + i) throw new Error(`offset ${offset} at position ${i}, expected ${start + i}`);
  });
  return offsets;
}
