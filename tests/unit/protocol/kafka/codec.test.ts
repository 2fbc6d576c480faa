import { compileMessage, type Struct } from '../../../../src/protocol/kafka/codec';
import { KafkaDecodeError, KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import { KafkaWriter } from '../../../../src/protocol/kafka/kafka-writer';
import { array, arrayOf, field, message, versions } from '../../../../src/protocol/kafka/schema';

/** One message's bytes at `version` (no frame length prefix). */
function encode(schema: ReturnType<typeof message>, version: number, value: Struct, flexible = false): Buffer {
  const w = new KafkaWriter();
  compileMessage(schema, version, flexible).write(w, value);
  const { chunks } = w.finish();
  return Buffer.concat(chunks);
}

function decode(schema: ReturnType<typeof message>, version: number, bytes: Buffer, flexible = false): Struct {
  const r = new KafkaReader(bytes);
  const value = compileMessage(schema, version, flexible).read(r);
  expect(r.remaining).toBe(0);
  return value;
}

const example = message('Example', [
  field('throttleTimeMs', 'int32', '1+'),
  field('name', 'string'),
  field('note', 'string', '2+', { nullable: '2+', default: null }),
  array('items', '0+', [
    field('index', 'int32'),
    field('offset', 'int64'),
    arrayOf('replicas', 'int32'),
    field('data', 'records', '0+', { nullable: '0+' }),
  ]),
  field('flag', 'bool', '3+', { default: true }),
  field('hint', 'int32', '4+', { default: -1, tag: 0, taggedVersions: '4+' }),
]);

describe('Kafka version ranges', () => {
  it('reads Kafka\'s notation', () => {
    expect(versions('3+')).toEqual({ min: 3, max: Infinity });
    expect(versions('0-5')).toEqual({ min: 0, max: 5 });
    expect(versions('4')).toEqual({ min: 4, max: 4 });
    expect(versions('none').min).toBeGreaterThan(versions('none').max);
    expect(() => versions('5-3')).toThrow(/empty/);
    expect(() => versions('x')).toThrow(/not N\+/);
  });

  it('refuses a field described twice for overlapping versions', () => {
    expect(() => message('Twice', [field('a', 'int8', '0-2'), field('a', 'int16', '2+')])).toThrow(/described twice/);
    expect(() => message('Renamed', [field('a', 'int8', '0-1'), field('a', 'int16', '2+')])).not.toThrow();
  });
});

describe('the codec derived from a description', () => {
  it('writes version 0 as Kafka lays it out, byte for byte', () => {
    const bytes = encode(example, 0, { name: 'ab', items: [{ index: 7, offset: 2 ** 40 + 5, replicas: [1, 2], data: null }] });
    expect(bytes.toString('hex')).toBe([
      '0002', '6162', // name: int16 length, UTF-8
      '00000001', // one item
      '00000007', '0000010000000005', // index, offset (int64 past 2^32)
      '00000002', '00000001', '00000002', // replicas
      'ffffffff', // null records
    ].join(''));
  });

  it('round-trips every version, filling fields a version lacks with their defaults', () => {
    const value = {
      throttleTimeMs: 12, name: 'topic-ä', note: 'n', flag: false, hint: 9,
      items: [{ index: 1, offset: -1, replicas: [3], data: Buffer.from('batch') }],
    };
    for (let version = 0; version <= 4; version++) {
      const decoded = decode(example, version, encode(example, version, value));
      expect(decoded.name).toBe('topic-ä');
      expect(decoded.throttleTimeMs).toBe(version >= 1 ? 12 : 0);
      expect(decoded.note).toBe(version >= 2 ? 'n' : null);
      expect(decoded.flag).toBe(version >= 3 ? false : true);
      const [item] = decoded.items as Struct[];
      expect(item).toEqual({ index: 1, offset: -1, replicas: [3], data: Buffer.from('batch') });
    }
  });

  it('uses compact lengths and tagged fields in flexible versions', () => {
    const value = { throttleTimeMs: 0, name: 'ab', note: null, items: [], flag: true, hint: 300 };
    const bytes = encode(example, 4, value, true);
    expect(bytes.toString('hex')).toBe([
      '00000000', // throttleTimeMs
      '03', '6162', // compact string: length + 1
      '00', // compact nullable string: null
      '01', // compact array: 0 elements + 1
      '01', // flag
      '01', '00', '04', '0000012c', // tagged fields: one, tag 0, 4 bytes, the int32 300
    ].join(''));
    expect(decode(example, 4, bytes, true)).toMatchObject({ name: 'ab', note: null, items: [], hint: 300 });
    // At its default a tagged field is left out.
    expect(encode(example, 4, { ...value, hint: -1 }, true).subarray(-1).toString('hex')).toBe('00');
  });

  it('skips tagged fields it does not know, as Kafka does', () => {
    const known = encode(example, 4, { name: 'x', items: [], hint: -1 }, true);
    // Replace the empty tag section by one holding tag 5 with three unknown bytes.
    const withUnknown = Buffer.concat([known.subarray(0, -1), Buffer.from([0x01, 0x05, 0x03, 0xaa, 0xbb, 0xcc])]);
    expect(decode(example, 4, withUnknown, true)).toMatchObject({ name: 'x', hint: -1 });
  });

  it('writes a missing property as its default', () => {
    const decoded = decode(example, 3, encode(example, 3, { name: 'n', items: [{ index: 1, offset: 2 }] }));
    expect(decoded).toMatchObject({ throttleTimeMs: 0, note: null, flag: true, items: [{ index: 1, offset: 2, replicas: [], data: null }] });
  });

  it('refuses to encode a value of the wrong type (a programmer error)', () => {
    expect(() => encode(example, 0, { name: 5, items: [] })).toThrow(/Example.name: expected a string/);
    expect(() => encode(example, 0, { name: null, items: [] })).toThrow(/not nullable/);
    expect(() => encode(example, 0, { name: 'x', items: 'no' })).toThrow(/expected an array/);
  });

  it('gives each decoded message its own default arrays', () => {
    const first = decode(example, 0, encode(example, 0, { name: 'a', items: [] }));
    (first.items as unknown[]).push('changed');
    expect(decode(example, 0, encode(example, 0, { name: 'a', items: [] })).items).toEqual([]);
  });
});

describe('decoding what a hostile client sends', () => {
  const valid = encode(example, 2, { name: 'ab', note: null, items: [{ index: 1, offset: 1, replicas: [1], data: Buffer.from('x') }] });
  const failsWith = (bytes: Buffer, pattern: RegExp, version = 2): void => {
    expect(() => compileMessage(example, version, false).read(new KafkaReader(bytes))).toThrow(KafkaDecodeError);
    expect(() => compileMessage(example, version, false).read(new KafkaReader(bytes))).toThrow(pattern);
  };

  it('fails on every truncation with a KafkaDecodeError', () => {
    for (let end = 0; end < valid.length; end++) {
      expect(() => compileMessage(example, 2, false).read(new KafkaReader(valid.subarray(0, end)))).toThrow(KafkaDecodeError);
    }
  });

  it('refuses null where the version does not allow it', () => {
    const nullName = Buffer.from(valid);
    nullName.writeInt16BE(-1, 4);
    failsWith(nullName, /Example.name: null string where the version does not allow null/);
  });

  it('refuses negative lengths and counts', () => {
    const negative = Buffer.from(valid);
    negative.writeInt16BE(-7, 4);
    failsWith(negative, /string length -7/);
  });

  it('refuses a count that claims more than the frame holds, before allocating it', () => {
    const huge = Buffer.from(valid);
    huge.writeInt32BE(0x7fffffff, 4 + 2 + 2 + 2); // throttle, name, null note: the items count
    failsWith(huge, /an array of 2147483647 elements claimed/);
  });

  it('refuses a string or bytes that claim more than the frame holds', () => {
    const longName = Buffer.from(valid);
    longName.writeInt16BE(0x7fff, 4);
    failsWith(longName, /needs 32767 byte\(s\)/);
    const longData = Buffer.from(valid);
    longData.writeInt32BE(0x7fffffff, valid.length - 5);
    failsWith(longData, /needs 2147483647 byte\(s\)/);
  });

  it('refuses a compact length or tag section that lies', () => {
    const flexible = encode(example, 4, { name: 'x', items: [], hint: -1 }, true);
    const manyTags = Buffer.concat([flexible.subarray(0, -1), Buffer.from([0x7f])]);
    expect(() => compileMessage(example, 4, true).read(new KafkaReader(manyTags))).toThrow(/127 tagged fields claimed/);
    const descending = Buffer.concat([flexible.subarray(0, -1), Buffer.from([0x02, 0x05, 0x00, 0x01, 0x00])]);
    expect(() => compileMessage(example, 4, true).read(new KafkaReader(descending))).toThrow(/tags must ascend/);
    const overlong = Buffer.concat([flexible.subarray(0, -1), Buffer.from([0x01, 0x00, 0x08, 0, 0, 0, 1])]);
    expect(() => compileMessage(example, 4, true).read(new KafkaReader(overlong))).toThrow(/tagged field of 8 bytes/);
    const tooLong = Buffer.from([0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]); // throttleTimeMs, then a 6-byte varint length
    expect(() => compileMessage(example, 4, true).read(new KafkaReader(tooLong))).toThrow(/longer than 5 bytes/);
  });
});
