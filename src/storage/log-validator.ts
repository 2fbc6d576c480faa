/**
 * Checks records before they touch a log (Kafka's analyzeAndValidateRecords and LogValidator):
 * every batch whole, magic 2, CRC-32C, uncompressed, offsets and record count consistent, within
 * max.message.bytes, and the whole append within one segment. Reads batch headers only and
 * allocates nothing per batch or record: this is on every produce and replica fetch.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { BatchField, COMPRESSION_CODEC_MASK, COMPRESSION_NAMES, checkBatch, firstKeylessRecord, recordsProblem } from '../protocol/record-batch';
import { readInt64 } from '../protocol/varint';

export interface ValidationLimits {
  /** max.message.bytes: the largest batch. */
  maxMessageBytes: number;
  /** segment.bytes: the largest append (it must fit one segment). */
  segmentBytes: number;
  /** The topic is compacted: a leader refuses records without a key (Kafka's LogValidator.validateKey). */
  compacted?: boolean;
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
  /**
   * Each batch starts past the previous batch's last offset (Kafka's offsetsMonotonic). Not
   * necessarily right after it: a compacted leader sends the gaps its cleaner left.
   */
  offsetsMonotonic: boolean;
}

/**
 * Throws CORRUPT_MESSAGE for a torn, corrupt or inconsistent batch (or no batch at all),
 * UNSUPPORTED_COMPRESSION_TYPE for a compressed one, MESSAGE_TOO_LARGE for a batch over
 * maxMessageBytes, RECORD_LIST_TOO_LARGE for more bytes than a segment holds. `context` (the
 * partition) starts every message. With `checkRecords` (a leader's append, as Kafka's
 * LogValidator) each record's lengths and offset delta are checked too, every offset of a batch
 * must hold a record, and a compacted topic answers a record without a key INVALID_RECORD (as
 * Kafka 2.4+ does for every Produce version). A follower takes what its leader checked, and its
 * leader's cleaner may have left batches with fewer records than offsets (even none), as Kafka's
 * followers accept.
 */
export function analyzeAndValidateRecords(records: Buffer, limits: ValidationLimits, context: string, checkRecords = false): RecordsSummary {
  if (records.length === 0) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: no record batch in the request`);
  if (records.length > limits.segmentBytes) {
    throw new JosefError(ErrorCode.RECORD_LIST_TOO_LARGE, `${context}: ${records.length} bytes of records exceed segment.bytes ${limits.segmentBytes}`);
  }
  const summary: RecordsSummary = { batchCount: 0, recordCount: 0, offsetCount: 0, firstOffset: -1, lastOffset: -1, offsetsMonotonic: true };
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
    if (checkRecords ? recordCount <= 0 || recordCount !== lastOffsetDelta + 1 : recordCount > lastOffsetDelta + 1) {
      throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: batch at byte ${position} holds ${recordCount} records over ${lastOffsetDelta + 1} offsets`);
    }
    const problem = checkRecords ? recordsProblem(records, position, check.size) : undefined;
    if (problem !== undefined) throw new JosefError(ErrorCode.CORRUPT_MESSAGE, `${context}: batch at byte ${position}: ${problem}`);
    if (checkRecords && limits.compacted && firstKeylessRecord(records, position) >= 0) {
      throw new JosefError(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${context}.`);
    }
    const baseOffset = readInt64(records, position + BatchField.baseOffset);
    if (summary.batchCount === 0) summary.firstOffset = baseOffset;
    else if (baseOffset <= summary.lastOffset) summary.offsetsMonotonic = false;
    summary.lastOffset = baseOffset + lastOffsetDelta;
    summary.batchCount++;
    summary.recordCount += recordCount;
    summary.offsetCount += lastOffsetDelta + 1;
    position += check.size;
  }
  return summary;
}
