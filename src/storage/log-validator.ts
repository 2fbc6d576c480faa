/**
 * Checks records before they touch a log (Kafka's analyzeAndValidateRecords and LogValidator):
 * every batch whole, magic 2, CRC-32C, uncompressed, offsets and record count consistent, within
 * max.message.bytes, and the whole append within one segment. Reads batch headers only and
 * allocates nothing per batch or record: this is on every produce and replica fetch.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { BatchField, COMPRESSION_CODEC_MASK, COMPRESSION_NAMES, checkBatch, recordsProblem } from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';

export interface ValidationLimits {
  /** max.message.bytes: the largest batch. */
  maxMessageBytes: number;
  /** segment.bytes: the largest append (it must fit one segment). */
  segmentBytes: number;
}

/** What a set of valid batches holds, as their headers say. */
export interface RecordsSummary {
  batchCount: number;
  recordCount: number;
  /** Offsets the batches span (sum of lastOffsetDelta + 1): what a leader assigns. */
  offsetCount: number;
  /** Base offset of the first batch and last offset of the last, as written in them. */
  firstOffset: number;
  lastOffset: number;
  /** Each batch's base offset follows the previous batch's last offset (a leader's bytes always do). */
  offsetsContiguous: boolean;
}

/**
 * Throws CORRUPT_MESSAGE for a torn, corrupt or inconsistent batch (or no batch at all),
 * UNSUPPORTED_COMPRESSION_TYPE for a compressed one, MESSAGE_TOO_LARGE for a batch over
 * maxMessageBytes, RECORD_LIST_TOO_LARGE for more bytes than a segment holds. `context` (the
 * partition) starts every message. With `checkRecords` (a leader's append, as Kafka's
 * LogValidator) each record's lengths and offset delta are checked too; a follower takes what its
 * leader checked.
 */
export function analyzeAndValidateRecords(records: Buffer, limits: ValidationLimits, context: string, checkRecords = false): RecordsSummary {
  if (records.length === 0) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: no record batch in the request`);
  if (records.length > limits.segmentBytes) {
    throw new JosefError(ErrorCode.RECORD_LIST_TOO_LARGE, `${context}: ${records.length} bytes of records exceed segment.bytes ${limits.segmentBytes}`);
  }
  const summary: RecordsSummary = { batchCount: 0, recordCount: 0, offsetCount: 0, firstOffset: -1, lastOffset: -1, offsetsContiguous: true };
  let position = 0;
  while (position < records.length) {
    const check = checkBatch(records, position);
    if (!check.ok) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: batch at byte ${position} of the request: ${check.reason}`);
    if (check.size > limits.maxMessageBytes) {
      throw new JosefError(ErrorCode.MESSAGE_TOO_LARGE, `${context}: batch of ${check.size} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`);
    }
    const codec = records.readInt16BE(position + BatchField.attributes) & COMPRESSION_CODEC_MASK;
    if (codec !== 0) {
      // Kafka's answer to a codec the broker does not take. Not CORRUPT_MESSAGE: that one is
      // retriable, and a client (librdkafka) would send the same batch again forever.
      throw new JosefError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `${context}: batch at byte ${position} is compressed with ${COMPRESSION_NAMES[codec] ?? `codec ${codec}`}; Josef stores only uncompressed batches`);
    }
    const lastOffsetDelta = records.readInt32BE(position + BatchField.lastOffsetDelta);
    const recordCount = records.readInt32BE(position + BatchField.recordCount);
    if (recordCount <= 0 || recordCount !== lastOffsetDelta + 1) {
      throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: batch at byte ${position} holds ${recordCount} records over ${lastOffsetDelta + 1} offsets`);
    }
    const problem = checkRecords ? recordsProblem(records, position, check.size) : undefined;
    if (problem !== undefined) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: batch at byte ${position}: ${problem}`);
    const baseOffset = readInt64(records, position + BatchField.baseOffset);
    if (summary.batchCount === 0) summary.firstOffset = baseOffset;
    else if (baseOffset !== summary.lastOffset + 1) summary.offsetsContiguous = false;
    summary.lastOffset = baseOffset + lastOffsetDelta;
    summary.batchCount++;
    summary.recordCount += recordCount;
    summary.offsetCount += lastOffsetDelta + 1;
    position += check.size;
  }
  return summary;
}
