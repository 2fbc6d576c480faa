/**
 * Random Kafka messages derived from their descriptions (src/protocol/kafka/schema.ts), and where
 * each length and count lies in their encoding, for property tests of the Kafka codec: a message
 * or version described later is fuzzed with no new test code. The layout is worked out here from
 * the description, apart from the codec, so that the two check each other (the layout's end must
 * be the encoding's length).
 */
import fc from 'fast-check';
import type { KafkaApi } from '../../src/protocol/kafka/api';
import { kafkaApis } from '../../src/protocol/kafka/apis';
import { compileMessage, type Struct } from '../../src/protocol/kafka/codec';
import { KafkaWriter } from '../../src/protocol/kafka/kafka-writer';
import { array, arrayOf, field, inRange, message, type Field, type FieldType, type MessageSchema, type PrimitiveType } from '../../src/protocol/kafka/schema';

/** One version of a message as the codec compiles it. */
export interface Target {
  readonly version: number;
  readonly flexible: boolean;
}

/** Every advertised version of every API in the table, named for test titles ("Produce v3"). */
export const advertisedVersions: readonly { api: KafkaApi; version: number; name: string }[] = kafkaApis.flatMap((api) =>
  Array.from({ length: api.versions.max - api.versions.min + 1 }, (_, i) => {
    const version = api.versions.min + i;
    return { api, version, name: `${api.request.name.replace(/Request$/, '')} v${version}` };
  }));

/**
 * A message that uses everything the description language has (every type, nullability from a
 * version on, a field renamed across versions, structs, tagged fields in flexible versions), so
 * that the codec's paths are fuzzed before an API in the table needs them. Versions 0-3, flexible from 2.
 */
export const everyTypeMessage = message('EveryType', [
  field('int8', 'int8'),
  field('int16', 'int16'),
  field('uint16', 'uint16'),
  field('int32', 'int32'),
  field('int64', 'int64'),
  field('float64', 'float64'),
  field('bool', 'bool'),
  field('string', 'string'),
  field('nullableString', 'string', '0+', { nullable: '1+' }),
  field('bytes', 'bytes', '0+', { nullable: '3+' }),
  field('records', 'records', '0+', { nullable: '0+' }),
  arrayOf('int32s', 'int32'),
  arrayOf('strings', 'string', '1+', { nullable: '1+' }),
  field('struct', { struct: [field('id', 'int32'), field('name', 'string')] }),
  array('structs', '0+', [
    field('name', 'string'),
    arrayOf('partitions', 'int32'),
    field('sinceVersion1', 'int64', '1+', { default: -1 }),
  ], { nullable: '2+' }),
  field('renamed', 'int32', '0-1'),
  field('renamed', 'string', '2+'),
  field('onlyVersion1', 'int32', '1', { default: 7 }),
  field('taggedString', 'string', '2+', { nullable: '2+', tag: 0, taggedVersions: '2+' }),
  arrayOf('taggedInt64s', 'int64', '2+', { tag: 3, taggedVersions: '2+' }),
]);
export const everyTypeVersions: readonly Target[] = [0, 1, 2, 3].map((version) => ({ version, flexible: version >= 2 }));

/** The value a field the version does not carry decodes as: its default, an array copied. */
function defaultOf(f: Field): unknown {
  return Array.isArray(f.default) ? [...f.default] : f.default;
}

/** Valid messages of `schema` at `target`, in the shape the codec decodes them to (absent fields hold their defaults). */
export function messageArbitrary(schema: MessageSchema, target: Target): fc.Arbitrary<Struct> {
  return structArbitrary(schema.fields, target);
}

function structArbitrary(fields: readonly Field[], target: Target): fc.Arbitrary<Struct> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    if (inRange(f.versions, target.version)) {
      model[f.name] = valueArbitrary(f.type, inRange(f.nullableVersions, target.version), target);
    } else if (!fields.some((g) => g.name === f.name && inRange(g.versions, target.version))) {
      model[f.name] = fc.constant(null).map(() => defaultOf(f));
    }
  }
  return fc.record(model);
}

function valueArbitrary(type: FieldType, nullable: boolean, target: Target): fc.Arbitrary<unknown> {
  let value: fc.Arbitrary<unknown>;
  if (typeof type === 'string') value = primitiveArbitrary(type);
  else if ('struct' in type) value = structArbitrary(type.struct, target);
  else if (typeof type.arrayOf === 'string') value = fc.array(primitiveArbitrary(type.arrayOf), { maxLength: 4 });
  else value = fc.array(structArbitrary(type.arrayOf, target), { maxLength: 3 });
  return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
}

/** Values at the edges of each type as well as between them; strings ASCII or not, short or past the writer's ASCII shortcut. */
function primitiveArbitrary(type: PrimitiveType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8': return fc.integer({ min: -(2 ** 7), max: 2 ** 7 - 1 });
    case 'int16': return fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 });
    case 'uint16': return fc.integer({ min: 0, max: 2 ** 16 - 1 });
    case 'int32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    // Josef's int64 is a number, exact within ±2^53 (kafka-reader.ts).
    case 'int64': return fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-1, 0, 2 ** 32, -(2 ** 32) - 1));
    case 'float64': return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'bool': return fc.boolean();
    case 'string': return fc.oneof(
      { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), weight: 3 },
      { arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }), weight: 2 },
      { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 70 }), weight: 1 },
    );
    case 'bytes':
    case 'records': return fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 24 }), weight: 8 },
      // Long enough to be referenced, not copied, by the writer (chunk-writer.ts).
      { arbitrary: fc.uint8Array({ minLength: 1024, maxLength: 1040 }), weight: 1 },
    ).map((a) => Buffer.from(a));
  }
}

/** Where one length or count lies in an encoded message. */
export interface LengthField {
  /** Byte offset of the length in the encoding. */
  readonly at: number;
  /** Its width: 2 (a string's int16), 4 (int32 of bytes and arrays), or its varint's bytes (compact). */
  readonly bytes: number;
  readonly compact: boolean;
  /** Whether -1 (compact: 0) is null here rather than a lie. */
  readonly nullable: boolean;
  readonly path: string;
}

/**
 * Every length and count in the encoding of `value` (a message of `schema` at `target`), and
 * where the encoding ends. Lengths inside tagged fields are not listed: a tagged field's own
 * size bounds them.
 */
export function lengthFields(schema: MessageSchema, target: Target, value: Struct): { fields: LengthField[]; end: number } {
  const fields: LengthField[] = [];
  const end = walkStruct(schema.fields, target, value, 0, schema.name, fields);
  return { fields, end };
}

function walkStruct(fields: readonly Field[], target: Target, value: Struct, start: number, path: string, out: LengthField[]): number {
  const present = fields.filter((f) => inRange(f.versions, target.version));
  const tagged = present.filter((f) => target.flexible && f.tag !== undefined && inRange(f.taggedVersions, target.version));
  let at = start;
  for (const f of present.filter((g) => !tagged.includes(g))) {
    const v = value[f.name];
    at = walkValue(f.type, inRange(f.nullableVersions, target.version), target, v === undefined ? f.default : v, at, `${path}.${f.name}`, out);
  }
  if (!target.flexible) return at;
  // The tagged-field section, as the codec writes it for these fields alone.
  const w = new KafkaWriter();
  compileMessage(message(path, tagged), target.version, true).write(w, value);
  return at + w.finish().bytes;
}

function walkValue(type: FieldType, nullable: boolean, target: Target, v: unknown, at: number, path: string, out: LengthField[]): number {
  const compact = target.flexible;
  if (typeof type === 'object' && 'struct' in type) return walkStruct(type.struct, target, v as Struct, at, path, out);
  const fixed = typeof type === 'string' ? fixedBytes[type] : undefined;
  if (fixed !== undefined) return at + fixed;
  const length = v === null ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : (v as { length: number }).length;
  const bytes = compact ? uvarintBytes(length + 1) : type === 'string' ? 2 : 4;
  out.push({ at, bytes, compact, nullable, path });
  if (v === null || typeof type === 'string') return at + bytes + Math.max(0, length);
  const element: FieldType = typeof type.arrayOf === 'string' ? type.arrayOf : { struct: type.arrayOf };
  let end = at + bytes;
  (v as unknown[]).forEach((item, i) => { end = walkValue(element, false, target, item, end, `${path}[${i}]`, out); });
  return end;
}

const fixedBytes: Partial<Record<PrimitiveType, number>> = { int8: 1, bool: 1, int16: 2, uint16: 2, int32: 4, int64: 8, float64: 8 };

function uvarintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

/**
 * `encoded` with the length at `f` saying `claimed` instead (-1: null), written as that field
 * writes lengths (a varint may change width; the bytes after it are the same).
 */
export function withClaimedLength(encoded: Buffer, f: LengthField, claimed: number): Buffer {
  const w = new KafkaWriter();
  if (f.compact) w.uvarint(claimed + 1);
  else if (f.bytes === 2) w.int16(claimed);
  else w.int32(claimed);
  return Buffer.concat([encoded.subarray(0, f.at), ...w.finish().chunks, encoded.subarray(f.at + f.bytes)]);
}

/** The width of `claimed` written in `f`'s encoding. */
export function claimedLengthBytes(f: LengthField, claimed: number): number {
  return f.compact ? uvarintBytes(claimed + 1) : f.bytes;
}

/**
 * The lies a hostile client can tell in `f`, `remaining` bytes before the end: null, negative,
 * the largest the field can say (2^31 - 1, or 2^31 and beyond in a varint), one past the end.
 */
export function hostileClaims(f: LengthField, remaining: number): number[] {
  const claims = f.compact
    ? [-1, 2 ** 31, 2 ** 32, 2 ** 35 - 2]
    : f.bytes === 2 ? [-1, -2, -(2 ** 15), 2 ** 15 - 1] : [-1, -2, -(2 ** 31), 2 ** 31 - 1];
  const pastTheEnd = remaining + 1;
  if (f.compact || pastTheEnd < 2 ** (8 * f.bytes - 1)) claims.push(pastTheEnd);
  return claims;
}
