import fc from 'fast-check';
import {
  DELETE_HORIZON_FLAG, RetainedRecords, batchDeleteHorizonMs, emptyRecordSpan, retainedBatchBytes, walkRecords, writeRetainedBatch,
} from '../../../src/protocol/record-batch-filter';
import { BatchField, checkBatch, decodeRecords, encodeRecordBatch, readBatchHeader, type RecordInput } from '../../../src/protocol/record-batch';

const t0 = 1_700_000_000_000;

/** The batch at 0 of `batch` with only the records whose index `keep` selects, rewritten. */
function filtered(batch: Buffer, keep: (i: number) => boolean, horizonMs?: number): Buffer {
  const retained = new RetainedRecords();
  let i = 0;
  walkRecords(batch, 0, emptyRecordSpan(), (span) => {
    if (keep(i++)) retained.add(span);
  });
  const out = Buffer.alloc(retainedBatchBytes(batch, 0, retained, horizonMs ?? readBatchHeader(batch).baseTimestamp));
  expect(writeRetainedBatch(batch, 0, retained, horizonMs, out, 0)).toBe(out.length);
  return out;
}

const records: RecordInput[] = [
  { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: t0 },
  { key: Buffer.from('b'), value: null, timestamp: t0 + 5, headers: [{ key: 'h', value: Buffer.from('x') }] },
  { key: null, value: Buffer.from('3'), timestamp: t0 + 300_000 },
  { key: Buffer.from('d'), value: Buffer.from('4'.repeat(200)), timestamp: t0 + 2 },
];
const options = { baseOffset: 50, partitionLeaderEpoch: 3, producerId: 7, producerEpoch: 2, baseSequence: 100 };

describe('rewriting a batch with some of its records (the cleaner\'s filterTo)', () => {
  it('walks records with where their keys are and whether they are tombstones', () => {
    const batch = encodeRecordBatch(records, options);
    const seen: [number, string | null, number][] = [];
    walkRecords(batch, 0, emptyRecordSpan(), (span) => {
      seen.push([span.offsetDelta, span.keyLength < 0 ? null : batch.toString('utf8', span.keyStart, span.keyStart + span.keyLength), span.valueLength]);
    });
    expect(seen).toEqual([[0, 'a', 1], [1, 'b', -1], [2, null, 1], [3, 'd', 200]]);
  });

  it('keeps the header fields and each record\'s offset and timestamp, with a new count and CRC', () => {
    const batch = encodeRecordBatch(records, options);
    const out = filtered(batch, (i) => i === 1 || i === 3);
    expect(checkBatch(out, 0)).toEqual({ ok: true, size: out.length });
    const before = readBatchHeader(batch);
    const after = readBatchHeader(out);
    expect(after).toEqual({ ...before, batchLength: out.length - 12, crc: after.crc, recordCount: 2 });
    expect(decodeRecords(out)).toEqual(decodeRecords(batch).filter((_, i) => i === 1 || i === 3));
    expect(batchDeleteHorizonMs(out, 0)).toBeUndefined();
  });

  it('with a delete horizon: flag and base timestamp set, every record\'s timestamp unchanged', () => {
    const batch = encodeRecordBatch(records, options);
    const horizon = t0 + 86_400_000;
    const out = filtered(batch, () => true, horizon);
    expect(checkBatch(out, 0).ok).toBe(true);
    expect(out.readInt16BE(BatchField.attributes) & DELETE_HORIZON_FLAG).toBe(DELETE_HORIZON_FLAG);
    expect(batchDeleteHorizonMs(out, 0)).toBe(horizon);
    expect(decodeRecords(out)).toEqual(decodeRecords(batch));
    expect(readBatchHeader(out).maxTimestamp).toBe(readBatchHeader(batch).maxTimestamp);
  });

  it('keeping nothing leaves a header that still spans the batch\'s offsets', () => {
    const out = filtered(encodeRecordBatch(records, options), () => false);
    expect(checkBatch(out, 0).ok).toBe(true);
    expect(readBatchHeader(out)).toMatchObject({ baseOffset: 50, lastOffsetDelta: 3, recordCount: 0, batchLength: 49 });
    expect(decodeRecords(out)).toEqual([]);
  });

  it('gives back exactly the records chosen, for any batch, choice and horizon', () => {
    const bytes = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });
    const record = fc.record({ key: bytes, value: bytes, timestamp: fc.integer({ min: t0 - 1e9, max: t0 + 1e9 }), headers: fc.array(fc.record({ key: fc.string({ maxLength: 5 }), value: bytes }), { maxLength: 2 }) });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 30 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), fc.option(fc.integer({ min: 0, max: t0 * 2 }), { nil: undefined }), (input, keep, horizon) => {
      const batch = encodeRecordBatch(input, options);
      const out = filtered(batch, (i) => keep[i], horizon);
      expect(checkBatch(out, 0).ok).toBe(true);
      expect(decodeRecords(out)).toEqual(decodeRecords(batch).filter((_, i) => keep[i]));
    }), { numRuns: 200 });
  });
});
