/**
 * Derives a decoder and an encoder for one version of one message from its description
 * (schema.ts): the fields the version carries, in order, each read or written by its type, and in
 * flexible versions (KIP-482) compact lengths and a tagged-field section after every struct.
 * Compiled once per message and version, then reused for every request.
 *
 * Decoding checks everything a hostile frame could lie about: lengths and counts against the
 * bytes left, null where the version does not allow it, negative sizes. Fields the version does
 * not carry get their described default, so a handler sees the same shape whatever the version.
 * Encoding writes a missing property as the field's default and refuses a value of the wrong
 * type by throwing (a programmer error: the caller answers with an error instead).
 */
import { assert } from '../../common/assert';
import { KafkaDecodeError, LastString, type KafkaReader } from './kafka-reader';
import { KafkaWriter } from './kafka-writer';
import { inRange, type Field, type FieldType, type MessageSchema, type PrimitiveType } from './schema';

export type Struct = Record<string, unknown>;

export interface StructCodec {
  read(r: KafkaReader): Struct;
  write(w: KafkaWriter, value: Struct): void;
}

interface ValueCodec {
  read(r: KafkaReader): unknown;
  write(w: KafkaWriter, value: unknown): void;
  /** The fewest bytes a value takes: bounds how many elements an array's count may claim. */
  readonly minBytes: number;
}

/** How one version encodes: which fields exist, and whether it is flexible. */
interface Target {
  readonly version: number;
  readonly flexible: boolean;
}

/** The codec of `schema` at `version`; flexible versions use compact lengths and tagged fields. */
export function compileMessage(schema: MessageSchema, version: number, flexible: boolean): StructCodec {
  return compileStruct(schema.fields, { version, flexible }, schema.name);
}

function compileStruct(fields: readonly Field[], target: Target, path: string): StructCodec & { minBytes: number } {
  const present = fields.filter((f) => inRange(f.versions, target.version));
  const tagged = target.flexible ? present.filter((f) => f.tag !== undefined && inRange(f.taggedVersions, target.version)) : [];
  const regular = present.filter((f) => !tagged.includes(f));
  const absent = fields.filter((f) => !present.includes(f) && !fields.some((g) => g !== f && g.name === f.name && present.includes(g)));
  const codecs = regular.map((f) => compileValue(f, target, `${path}.${f.name}`));
  const tags = new Map(tagged.map((f) => [f.tag as number, { field: f, codec: compileValue(f, { ...target }, `${path}.${f.name}`) }]));
  const minBytes = codecs.reduce((sum, c) => sum + c.minBytes, 0) + (target.flexible ? 1 : 0);
  return { minBytes, ...generateStructCodec(regular, codecs, [...absent, ...tagged], target.flexible ? tags : undefined, path) };
}

/**
 * The read and write functions of one struct, generated as JavaScript from its fields (a
 * compiler's last step, as protobuf's and Avro's JavaScript codecs do): a decoded struct is built
 * by one object literal, so every struct of a message version has the same hidden class from its
 * first property on, and each property is read and written by name. Built from closures
 * instead, with a property stored per loop turn under a name that changes every turn, a Produce
 * request took several times longer to decode. The generated code only calls the field codecs
 * (passed in, never spelled into the source) in field order; property names enter the source
 * as JSON string literals, so no name can change what the code does.
 */
function generateStructCodec(
  regular: readonly Field[],
  codecs: readonly ValueCodec[],
  defaulted: readonly Field[],
  tags: Map<number, { field: Field; codec: ValueCodec }> | undefined,
  path: string,
): StructCodec {
  const key = (name: string): string => JSON.stringify(name);
  const properties = [
    ...regular.map((f, i) => `${key(f.name)}: c${i}.read(r)`),
    // Arrays in defaults would be shared by every decoded message: each gets its own copy.
    ...defaulted.map((f, i) => `${key(f.name)}: ${Array.isArray(f.default) ? `[...d${i}]` : `d${i}`}`),
  ];
  const readSource = [
    `const value = { ${properties.join(', ')} };`,
    tags === undefined ? '' : 'readTaggedFields(r, tags, value, path);',
    'return value;',
  ].join('\n');
  const writeSource = [
    'let v;',
    ...regular.map((f, i) => `v = value[${key(f.name)}]; c${i}.write(w, v === undefined ? f${i} : v);`),
    tags === undefined ? '' : 'writeTaggedFields(w, tags, value);',
  ].join('\n');
  const names = [...codecs.map((_, i) => `c${i}`), ...regular.map((_, i) => `f${i}`), ...defaulted.map((_, i) => `d${i}`), 'tags', 'path', 'readTaggedFields', 'writeTaggedFields'];
  const values = [...codecs, ...regular.map((f) => f.default), ...defaulted.map((f) => f.default), tags, path, readTaggedFields, writeTaggedFields];
  const make = new Function(...names, `return { read(r) {\n${readSource}\n}, write(w, value) {\n${writeSource}\n} };`) as (...args: unknown[]) => StructCodec;
  return make(...values);
}

function readTaggedFields(r: KafkaReader, tags: Map<number, { field: Field; codec: ValueCodec }>, value: Struct, path: string): void {
  const count = r.uvarint();
  if (count > r.remaining) throw new KafkaDecodeError(`${path}: ${count} tagged fields claimed, ${r.remaining} bytes left`);
  let previousTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= previousTag) throw new KafkaDecodeError(`${path}: tagged field ${tag} after ${previousTag}; tags must ascend`);
    previousTag = tag;
    const size = r.uvarint();
    const known = tags.get(tag);
    if (known === undefined) {
      r.skip(size, `${path}: unknown tagged field ${tag}`); // Kafka ignores tags it does not know
      continue;
    }
    const end = r.pos + size;
    if (end > r.end) throw new KafkaDecodeError(`${path}.${known.field.name}: tagged field of ${size} bytes, ${r.remaining} left`);
    value[known.field.name] = known.codec.read(r);
    if (r.pos !== end) throw new KafkaDecodeError(`${path}.${known.field.name}: tagged field says ${size} bytes, its value took ${r.pos - (end - size)}`);
  }
}

function writeTaggedFields(w: KafkaWriter, tags: Map<number, { field: Field; codec: ValueCodec }>, value: Struct): void {
  const toWrite = [...tags].filter(([, t]) => {
    const v = value[t.field.name];
    return v !== undefined && !isDefault(v, t.field.default);
  }).sort(([a], [b]) => a - b);
  w.uvarint(toWrite.length);
  for (const [tag, t] of toWrite) {
    // The size comes first, so the value is written apart and placed after it.
    const part = new KafkaWriter(true);
    t.codec.write(part, value[t.field.name]);
    const chunks = part.finish();
    w.uvarint(tag);
    w.uvarint(chunks.bytes);
    w.appendChunks(chunks);
  }
}

function isDefault(value: unknown, fallback: unknown): boolean {
  if (Array.isArray(value)) return Array.isArray(fallback) && value.length === 0 && fallback.length === 0;
  return value === fallback;
}

function compileValue(f: Field, target: Target, path: string): ValueCodec {
  const nullable = inRange(f.nullableVersions, target.version);
  return typeCodec(f.type, nullable, target, path);
}

function typeCodec(type: FieldType, nullable: boolean, target: Target, path: string): ValueCodec {
  if (typeof type === 'string') return primitiveCodec(type, nullable, target.flexible, path);
  if ('struct' in type) {
    assert(!nullable, () => `${path}: nullable structs are not described`);
    return compileStruct(type.struct, target, path) as ValueCodec;
  }
  const element = typeof type.arrayOf === 'string'
    ? primitiveCodec(type.arrayOf, false, target.flexible, `${path}[]`)
    : (compileStruct(type.arrayOf, target, `${path}[]`) as ValueCodec);
  return arrayCodec(element, nullable, target.flexible, path);
}

function arrayCodec(element: ValueCodec, nullable: boolean, compact: boolean, path: string): ValueCodec {
  const elementBytesMin = Math.max(1, element.minBytes);
  return {
    minBytes: compact ? 1 : 4,
    read(r) {
      const count = compact ? r.uvarint() - 1 : r.int32();
      if (count < 0) return nullOrFail(count, nullable, path, 'array');
      if (count * elementBytesMin > r.remaining) {
        throw new KafkaDecodeError(`${path}: an array of ${count} elements claimed, only ${r.remaining} bytes left`);
      }
      const items = new Array<unknown>(count);
      for (let i = 0; i < count; i++) items[i] = element.read(r);
      return items;
    },
    write(w, value) {
      if (value === null) {
        assert(nullable, () => `${path}: null in a version where it is not nullable`);
        if (compact) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      assert(Array.isArray(value), () => `${path}: expected an array, got ${typeof value}`);
      if (compact) w.uvarint(value.length + 1);
      else w.int32(value.length);
      for (const item of value) element.write(w, item);
    },
  };
}

/** -1 is null where the version allows it; anything else negative is a lie about a length. */
function nullOrFail(length: number, nullable: boolean, path: string, what: string): null {
  if (length === -1 && nullable) return null;
  if (length === -1) throw new KafkaDecodeError(`${path}: null ${what} where the version does not allow null`);
  throw new KafkaDecodeError(`${path}: ${what} length ${length}`);
}

function primitiveCodec(type: PrimitiveType, nullable: boolean, compact: boolean, path: string): ValueCodec {
  switch (type) {
    case 'int8': return { minBytes: 1, read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16': return { minBytes: 2, read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'uint16': return { minBytes: 2, read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'int32': return { minBytes: 4, read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'int64': return { minBytes: 8, read: (r) => r.int64(), write: (w, v) => w.int64(checkedNumber(v, path)) };
    case 'float64': return { minBytes: 8, read: (r) => r.float64(), write: (w, v) => w.float64(checkedNumber(v, path)) };
    case 'bool': return { minBytes: 1, read: (r) => r.bool(), write: (w, v) => w.bool(v === true) };
    case 'string': return stringCodec(nullable, compact, path);
    case 'bytes':
    case 'records': return bytesCodec(nullable, compact, path);
  }
}

function checkedNumber(v: unknown, path: string): number {
  assert(typeof v === 'number' && Number.isFinite(v), () => `${path}: expected a number, got ${String(v)}`);
  return v;
}

function stringCodec(nullable: boolean, compact: boolean, path: string): ValueCodec {
  const last = new LastString();
  return {
    minBytes: compact ? 1 : 2,
    read(r) {
      const length = compact ? r.uvarint() - 1 : r.int16();
      if (length < 0) return nullOrFail(length, nullable, path, 'string');
      return r.utf8(length, path, last);
    },
    write(w, value) {
      if (value === null) {
        assert(nullable, () => `${path}: null in a version where it is not nullable`);
        if (compact) w.uvarint(0);
        else w.int16(-1);
        return;
      }
      assert(typeof value === 'string', () => `${path}: expected a string, got ${typeof value}`);
      w.string(value, compact);
    },
  };
}

function bytesCodec(nullable: boolean, compact: boolean, path: string): ValueCodec {
  return {
    minBytes: compact ? 1 : 4,
    read(r) {
      const length = compact ? r.uvarint() - 1 : r.int32();
      if (length < 0) return nullOrFail(length, nullable, path, 'bytes');
      return r.view(length, path);
    },
    write(w, value) {
      if (value === null) {
        assert(nullable, () => `${path}: null in a version where it is not nullable`);
        if (compact) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      assert(value instanceof Uint8Array, () => `${path}: expected bytes, got ${typeof value}`);
      w.bytesValue(value, compact);
    },
  };
}
