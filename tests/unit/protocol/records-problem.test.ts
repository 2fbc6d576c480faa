/**
 * recordsProblem: the per-record checks a leader makes that a CRC cannot (the client computes the
 * CRC over whatever it sends): declared lengths, offset deltas, bytes after the last record.
 */
import fc from 'fast-check';
import { BATCH_HEADER_BYTES, BatchField, describeRecordsProblem, encodeRecordBatch, recordsProblem } from '../../../src/protocol/record-batch';

const batch = (): Buffer => encodeRecordBatch([
  { key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] },
  { key: null, value: null },
  { value: Buffer.from('v3') },
]);

describe('recordsProblem', () => {
  it('finds nothing wrong in what the encoder writes', () => {
    const b = batch();
    expect(recordsProblem(b, 0, b.length)).toBeUndefined();
  });

  it('names a record whose declared length differs from what it holds', () => {
    const b = batch();
    b[BATCH_HEADER_BYTES] += 2; // zig-zag: one more byte declared
    expect(recordsProblem(b, 0, b.length)).toMatch(/^record 0 declares \d+ bytes but holds/);
  });

  it('names a record count that promises more records than the batch holds', () => {
    const b = batch();
    b.writeInt32BE(4, BatchField.recordCount);
    expect(recordsProblem(b, 0, b.length)).toMatch(/^record 3: truncated varint/);
  });

  it('names an offset delta out of sequence, and bytes after the last record', () => {
    const b = batch();
    b.writeInt32BE(2, BatchField.recordCount);
    expect(recordsProblem(b, 0, b.length)).toMatch(/bytes after the last of its 2 records/);
    const offsets = encodeRecordBatch([{ value: Buffer.from('a') }]);
    // length varint (1 byte), attributes (1), timestampDelta (1): then the offset delta.
    offsets[BATCH_HEADER_BYTES + 3] = 2; // zig-zag 1
    expect(recordsProblem(offsets, 0, offsets.length)).toBe('record 0 has offset delta 1');
  });

  it('the fast walk and the one that names the problem agree on every mutated batch', () => {
    const record = fc.record({
      key: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))),
      value: fc.option(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 5 }), value: fc.option(fc.uint8Array({ maxLength: 5 }).map((a) => Buffer.from(a))) }), { maxLength: 3 }),
    });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (records, at, byte) => {
      const b = encodeRecordBatch(records.map((r) => ({ ...r, headers: r.headers.map((h) => ({ key: h.key, value: h.value })) })));
      expect(recordsProblem(b, 0, b.length)).toBeUndefined();
      b[BATCH_HEADER_BYTES + (at % (b.length - BATCH_HEADER_BYTES))] = byte;
      expect(recordsProblem(b, 0, b.length) === undefined).toBe(describeRecordsProblem(b, 0, b.length) === undefined);
    }), { seed: 2026, numRuns: 2000 });
  });
});
