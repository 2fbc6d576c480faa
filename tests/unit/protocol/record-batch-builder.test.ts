import fc from 'fast-check';
import { RecordBatchBuilder } from '../../../src/protocol/record-batch-builder';
import { BATCH_HEADER_BYTES, checkBatch, decodeRecords, encodeRecordBatch, type RecordInput } from '../../../src/protocol/record-batch';

const bytes = fc.option(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), { nil: null });
const recordArb = fc.record({
  key: bytes,
  value: bytes,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: bytes }), { maxLength: 3 }),
  timestamp: fc.integer({ min: 1_600_000_000_000, max: 1_600_000_100_000 }),
});

describe('RecordBatchBuilder', () => {
  it('builds byte for byte what encodeRecordBatch builds for the same records', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), (records: RecordInput[]) => {
        const builder = new RecordBatchBuilder(Buffer.alloc(1 << 16));
        for (const r of records) expect(builder.tryAppend(r, r.timestamp!)).toBe(true);
        const built = builder.build();
        expect(built.length).toBe(builder.sizeBytes);
        expect(built.equals(encodeRecordBatch(records))).toBe(true);
        expect(checkBatch(built, 0)).toEqual({ ok: true, size: built.length });
      }),
      { seed: 20261125, numRuns: 200 },
    );
  });

  it('refuses a record that does not fit and stays valid; sizeOfSingle is exactly what one record needs', () => {
    const record = { key: Buffer.from('k'), value: Buffer.alloc(100, 7) };
    const exact = RecordBatchBuilder.sizeOfSingle(record);
    const single = new RecordBatchBuilder(Buffer.alloc(exact));
    expect(single.tryAppend(record, 5)).toBe(true);
    expect(single.sizeBytes).toBe(exact);
    expect(single.tryAppend(record, 5)).toBe(false);
    const batch = single.build();
    expect(decodeRecords(batch).map((r) => [r.offset, r.timestamp, r.value!.length])).toEqual([[0, 5, 100]]);
    expect(() => new RecordBatchBuilder(Buffer.alloc(BATCH_HEADER_BYTES))).toThrow(/no room past the header/);
  });

  it('seals once: build() twice returns the same bytes and appends after it are refused loudly', () => {
    const builder = new RecordBatchBuilder(Buffer.alloc(1024));
    builder.tryAppend({ value: Buffer.from('a') }, 1);
    expect(builder.build()).toBe(builder.build());
    expect(() => builder.tryAppend({ value: Buffer.from('b') }, 1)).toThrow(/sealed/);
  });
});
