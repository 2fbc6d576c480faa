/**
 * The generated codec field by field, the guard kept while making it faster: every version of
 * every described message round-trips in both encodings, classic and compact, with every field
 * filled (codec-round-trip.test.ts draws values at random through the protocol instead); the
 * bytes are Kafka's, checked against a hand-written Produce request; large record batches are
 * referenced, never copied, both ways; and a frame that lies about a length fails to decode.
 */
import { kafkaApis } from '../../../../src/protocol/kafka/apis';
import { compileMessage, type Struct } from '../../../../src/protocol/kafka/codec';
import { KafkaDecodeError, KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import { KafkaWriter } from '../../../../src/protocol/kafka/kafka-writer';
import { array, field, inRange, message, type Field, type MessageSchema, type PrimitiveType } from '../../../../src/protocol/kafka/schema';

function encode(schema: MessageSchema, version: number, flexible: boolean, value: Struct): { bytes: Buffer; chunks: Buffer[] } {
  const w = new KafkaWriter();
  compileMessage(schema, version, flexible).write(w, value);
  const { chunks } = w.finish();
  return { bytes: Buffer.concat(chunks), chunks };
}

function decode(schema: MessageSchema, version: number, flexible: boolean, bytes: Buffer): Struct {
  const r = new KafkaReader(bytes);
  const value = compileMessage(schema, version, flexible).read(r);
  expect(r.remaining).toBe(0);
  return value;
}

/** A value of each primitive type, varied by `seed` so that fields and elements differ. */
function sample(type: PrimitiveType, seed: number): unknown {
  switch (type) {
    case 'int8': return (seed % 200) - 100;
    case 'int16': return -30_000 + seed;
    case 'uint16': return 60_000 + seed;
    case 'int32': return -2_000_000_000 + seed;
    case 'int64': return 2 ** 52 + seed;
    case 'float64': return seed + 0.25;
    case 'bool': return seed % 2 === 1;
    // Short ASCII, non-ASCII, and past the writer's 64-character ASCII fast path.
    case 'string': return ['orders', 'tópico-ü', 'x'.repeat(70 + seed)][seed % 3];
    case 'bytes': return Buffer.from([seed, 1, 2]);
    // Small batches are copied into the frame, large ones referenced: both round-trip.
    case 'records': return Buffer.alloc(seed % 2 === 0 ? 16 : 2048, seed);
  }
}

/**
 * A struct holding every field `version` carries (two elements per array, null in every other
 * nullable field), and what decoding it must give: the same, plus each absent field's default.
 */
function sampleStruct(fields: readonly Field[], version: number, seed: number): { value: Struct; decoded: Struct } {
  const value: Struct = {};
  const decoded: Struct = {};
  fields.forEach((f, i) => {
    if (!inRange(f.versions, version)) {
      if (!fields.some((g) => g.name === f.name && inRange(g.versions, version))) decoded[f.name] = f.default;
      return;
    }
    const s = seed * 7 + i;
    let v: unknown;
    let d: unknown;
    if (inRange(f.nullableVersions, version) && s % 2 === 0) {
      v = d = null;
    } else if (typeof f.type === 'string') {
      v = d = sample(f.type, s);
    } else if ('struct' in f.type) {
      ({ value: v, decoded: d } = sampleStruct(f.type.struct, version, s));
    } else if (typeof f.type.arrayOf === 'string') {
      v = d = [sample(f.type.arrayOf, s), sample(f.type.arrayOf, s + 1)];
    } else {
      const elements = [sampleStruct(f.type.arrayOf, version, s), sampleStruct(f.type.arrayOf, version, s + 1)];
      v = elements.map((e) => e.value);
      d = elements.map((e) => e.decoded);
    }
    value[f.name] = v;
    decoded[f.name] = d;
  });
  return { value, decoded };
}

const described = kafkaApis.flatMap((api) => {
  const versions = Array.from({ length: api.versions.max - api.versions.min + 1 }, (_, i) => api.versions.min + i);
  return [api.request, api.response].flatMap((schema) => versions.map((version) => ({ schema, version })));
});

describe('Kafka codec', () => {
  it.each(described.map(({ schema, version }) => [schema.name, version, schema] as const))('round-trips %s v%i, classic and compact', (_name, version, schema) => {
    for (const flexible of [false, true]) {
      for (const seed of [1, 2]) {
        const { value, decoded } = sampleStruct(schema.fields, version, seed);
        expect(decode(schema, version, flexible, encode(schema, version, flexible, value).bytes)).toEqual(decoded);
      }
    }
  });

  const produce = message('ProduceRequest', [
    field('transactionalId', 'string', '3+', { nullable: '3+', default: null }),
    field('acks', 'int16'),
    field('timeoutMs', 'int32'),
    array('topics', '0+', [field('name', 'string'), array('partitions', '0+', [field('partition', 'int32'), field('records', 'records', '0+', { nullable: '0+' })])]),
  ]);
  const request = { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name: 'ab', partitions: [{ partition: 5, records: Buffer.from([0xee]) }] }] };

  it("writes Kafka's bytes: int16 string lengths, int32 array counts and bytes lengths; -1 for null", () => {
    expect(encode(produce, 3, false, request).bytes.toString('hex')).toBe([
      'ffff', // transactionalId: null
      'ffff', // acks -1
      '000003e8', // timeoutMs 1000
      '00000001', '0002', '6162', // one topic, "ab"
      '00000001', '00000005', '00000001', 'ee', // one partition, 5, one byte of records
    ].join(''));
  });

  it('writes compact lengths (unsigned varint of length + 1, 0 for null) and an empty tagged-field section after each struct', () => {
    expect(encode(produce, 9, true, request).bytes.toString('hex')).toBe([
      '00', // transactionalId: null
      'ffff', '000003e8',
      '02', '03', '6162', // one topic, "ab"
      '02', '00000005', '02', 'ee', '00', // one partition, 5, one byte of records, its tagged fields
      '00', // the topic's tagged fields
      '00', // the request's tagged fields
    ].join(''));
  });

  it('references large record batches when encoding and hands back views of the frame when decoding', () => {
    const batch = Buffer.alloc(4096, 7);
    const value = { ...request, topics: [{ name: 'ab', partitions: [{ partition: 0, records: batch }] }] };
    const { bytes, chunks } = encode(produce, 7, false, value);
    expect(chunks).toContain(batch);
    const decoded = decode(produce, 7, false, bytes) as typeof value;
    const records = decoded.topics[0].partitions[0].records;
    expect(records.buffer).toBe(bytes.buffer);
    expect(records.equals(batch)).toBe(true);
  });

  it('fails with KafkaDecodeError, never a RangeError, on every truncation of a request', () => {
    const { bytes } = encode(produce, 7, false, request);
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decode(produce, 7, false, bytes.subarray(0, length))).toThrow(KafkaDecodeError);
    }
  });

  it('refuses counts and lengths past the frame before allocating, and null where the version has none', () => {
    const topicsAt = 2 + 2 + 4;
    const { bytes } = encode(produce, 7, false, request);
    const hugeCount = Buffer.from(bytes);
    hugeCount.writeInt32BE(0x7fffffff, topicsAt);
    expect(() => decode(produce, 7, false, hugeCount)).toThrow(/an array of 2147483647 elements claimed/);
    const nullName = Buffer.from(bytes);
    nullName.writeInt16BE(-1, topicsAt + 4);
    expect(() => decode(produce, 7, false, nullName)).toThrow(/null string where the version does not allow null/);
    const negativeLength = Buffer.from(bytes);
    negativeLength.writeInt16BE(-2, topicsAt + 4);
    expect(() => decode(produce, 7, false, negativeLength)).toThrow(/string length -2/);
  });
});
