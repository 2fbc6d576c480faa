import fc from 'fast-check';
import {
  BATCH_HEADER_BYTES, BatchField, assignOffsetsInPlace, batchLocations, checkBatch, decodeBatches, decodeRecords,
  encodeRecordBatch, readBatchHeader, type RecordInput,
} from '../../../src/protocol/record-batch';

const bytes = (max: number) => fc.option(fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a)), { nil: null });
const record: fc.Arbitrary<RecordInput> = fc.record({
  key: bytes(64),
  value: bytes(2048),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytes(32) }), { maxLength: 4 }),
  timestamp: fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }),
});

describe('v2 record batch codec', () => {
  it('round-trips keys, values, headers and timestamps', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 2 ** 40 }), (records, baseOffset) => {
        const batch = encodeRecordBatch(records, { baseOffset });
        expect(checkBatch(batch, 0)).toEqual({ ok: true, size: batch.length });
        const decoded = decodeRecords(batch);
        expect(decoded).toHaveLength(records.length);
        decoded.forEach((r, i) => {
          expect(r.offset).toBe(baseOffset + i);
          expect(r.timestamp).toBe(records[i].timestamp);
          expect(r.key).toEqual(records[i].key ?? null);
          expect(r.value).toEqual(records[i].value);
          expect(r.headers).toEqual(records[i].headers);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips a large value and empty (not null) keys and values', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const batch = encodeRecordBatch([{ key: Buffer.alloc(0), value: Buffer.alloc(0) }, { value: big }]);
    const [empty, large] = decodeRecords(batch);
    expect(empty.key).toEqual(Buffer.alloc(0));
    expect(empty.value).toEqual(Buffer.alloc(0));
    expect(large.key).toBeNull();
    expect(large.value?.equals(big)).toBe(true);
  });

  it('writes the header fields of DESIGN.md at their positions', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('a'), timestamp: 1000 }, { value: Buffer.from('b'), timestamp: 1005 }], { baseOffset: 42, partitionLeaderEpoch: 3 });
    const header = readBatchHeader(batch);
    expect(header).toMatchObject({
      baseOffset: 42, batchLength: batch.length - 12, partitionLeaderEpoch: 3, magic: 2, attributes: 0,
      lastOffsetDelta: 1, baseTimestamp: 1000, maxTimestamp: 1005, producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 2,
    });
    expect(batch.length).toBeGreaterThan(BATCH_HEADER_BYTES);
  });

  it('rejects every single flipped bit in the CRC-covered bytes', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('v') }] }]);
    for (let i = BatchField.attributes; i < batch.length; i++) {
      const copy = Buffer.from(batch);
      copy[i] ^= 0x01;
      expect(checkBatch(copy, 0).ok).toBe(false);
    }
  });

  it('keeps the CRC valid when offsets and leader epoch are assigned in place', () => {
    const batch = encodeRecordBatch([{ value: Buffer.from('x') }]);
    assignOffsetsInPlace(batch, 0, 123456789012, 17);
    expect(checkBatch(batch, 0).ok).toBe(true);
    expect(readBatchHeader(batch)).toMatchObject({ baseOffset: 123456789012, partitionLeaderEpoch: 17 });
  });

  it('walks concatenated batches and stops before a partial one', () => {
    const a = encodeRecordBatch([{ value: Buffer.from('1') }], { baseOffset: 0 });
    const b = encodeRecordBatch([{ value: Buffer.from('2') }, { value: Buffer.from('3') }], { baseOffset: 1 });
    const joined = Buffer.concat([a, b, b.subarray(0, 20)]);
    expect([...batchLocations(joined)]).toEqual([{ position: 0, size: a.length }, { position: a.length, size: b.length }]);
    expect(decodeBatches(joined).map((r) => r.value?.toString())).toEqual(['1', '2', '3']);
  });
});

describe('v2 record batch codec, properties', () => {
  const smallBatch = fc.array(record, { minLength: 1, maxLength: 8 }).map((records) => encodeRecordBatch(records));

  it('round-trips values up to ~1 MB, null and empty keys and values, and null header values', () => {
    const large = fc.record({
      key: fc.option(fc.constantFrom(Buffer.alloc(0), Buffer.from('key')), { nil: null }),
      value: fc.option(fc.integer({ min: 0, max: 1_100_000 }).map((n) => Buffer.alloc(n, n % 251)), { nil: null }),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: fc.constant(null) }), { maxLength: 2 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    fc.assert(
      fc.property(fc.array(large, { minLength: 1, maxLength: 3 }), (records) => {
        const decoded = decodeRecords(encodeRecordBatch(records));
        decoded.forEach((r, i) => {
          expect(r.key).toEqual(records[i].key);
          expect(r.value?.length).toBe(records[i].value?.length);
          expect(r.value === null || r.value.equals(records[i].value!)).toBe(true);
          expect(r.headers).toEqual(records[i].headers);
          expect(r.timestamp).toBe(records[i].timestamp);
        });
      }),
      { numRuns: 15 },
    );
  });

  it('fails the CRC check for any single changed byte from attributes to the end', () => {
    fc.assert(
      fc.property(smallBatch, fc.nat(), fc.integer({ min: 1, max: 255 }), (batch, at, mask) => {
        const position = BatchField.attributes + (at % (batch.length - BatchField.attributes));
        const copy = Buffer.from(batch);
        copy[position] ^= mask;
        expect(checkBatch(copy, 0).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the CRC valid for any offset and leader epoch assigned in place', () => {
    fc.assert(
      fc.property(smallBatch, fc.integer({ min: 0, max: 2 ** 53 - 2 ** 31 }), fc.integer({ min: -1, max: 2 ** 31 - 1 }), (batch, baseOffset, epoch) => {
        assignOffsetsInPlace(batch, 0, baseOffset, epoch);
        expect(checkBatch(batch, 0).ok).toBe(true);
        expect(readBatchHeader(batch)).toMatchObject({ baseOffset, partitionLeaderEpoch: epoch });
      }),
    );
  });

  it('walks whole batches and stops at a partial one wherever it is cut', () => {
    fc.assert(
      fc.property(fc.array(smallBatch, { minLength: 1, maxLength: 5 }), fc.nat(), (batches, cut) => {
        const whole = batches.slice(0, -1);
        const last = batches[batches.length - 1];
        const joined = Buffer.concat([...whole, last.subarray(0, cut % last.length)]);
        let position = 0;
        const expected = whole.map((b) => ({ position: (position += b.length) - b.length, size: b.length }));
        expect([...batchLocations(joined)]).toEqual(expected);
      }),
    );
  });
});
