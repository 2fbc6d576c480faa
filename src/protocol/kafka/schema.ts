/**
 * How Josef describes Apache Kafka's binary messages: as data, one list of fields per message,
 * each field with its type and the versions that have it, written from Kafka's message schemas
 * (clients/src/main/resources/common/message/*.json) in Josef's own words. The codec
 * (codec.ts) derives every version's decoder and encoder from these lists, so a new version of a
 * message is a new line here, not new code.
 *
 * Field names are the property names of Josef's own message shapes (src/protocol/messages), so a
 * decoded Kafka request is the object Josef's handlers already take, and a handler's answer is
 * the object encoded. Where Kafka's name differs (its `PartitionIndex` is Josef's `partition`),
 * the description uses Josef's; what a version means beyond its bytes lives in the message's
 * adapter (messages/*.ts).
 */
import { assert } from '../../common/assert';

/** Kafka's primitive field types. `records` is nullable bytes holding record batches, never decoded here. */
export type PrimitiveType = 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'float64' | 'bool' | 'string' | 'bytes' | 'records';

export type FieldType =
  | PrimitiveType
  /** An array of primitives: Kafka's `[]int32`. */
  | { readonly arrayOf: PrimitiveType }
  /** An array of structs: Kafka's `[]SomeStruct` with its fields. */
  | { readonly arrayOf: readonly Field[] }
  /** A struct held once (Kafka's field of a struct type). */
  | { readonly struct: readonly Field[] };

/** A closed range of versions; `max` is Infinity for Kafka's "N+". Empty when min > max ("none"). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export interface Field {
  /** The property in Josef's message shape. */
  readonly name: string;
  readonly type: FieldType;
  /** The versions whose bytes carry the field. */
  readonly versions: VersionRange;
  /** The versions in which it may be null (-1 length). */
  readonly nullableVersions: VersionRange;
  /**
   * Decoding: the value of a field the version does not carry. Encoding: what is written when
   * the object has no such property. Kafka's default when the description names none.
   */
  readonly default: unknown;
  /** In flexible versions from `taggedVersions` on: a tagged field with this tag instead of a regular one. */
  readonly tag?: number;
  readonly taggedVersions: VersionRange;
}

/** One direction of one API: its fields, the versions that exist and those that are flexible (KIP-482). */
export interface MessageSchema {
  readonly name: string;
  readonly fields: readonly Field[];
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

/** Kafka's version notation: "3+", "0-5", "4", or "none". */
export function versions(spec: string): VersionRange {
  if (spec === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const range = /^(\d+)(?:-(\d+))?$/.exec(spec);
  assert(range !== null, () => `version range "${spec}" is not N+, N-M, N or none`);
  const min = Number(range[1]);
  const max = range[2] === undefined ? min : Number(range[2]);
  assert(min <= max, () => `version range "${spec}" is empty`);
  return { min, max };
}

export function inRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export interface FieldOptions {
  /** Versions in which the field may be null. */
  nullable?: string;
  default?: unknown;
  /** A tagged field (flexible versions only): its tag, and from which versions it is tagged. */
  tag?: number;
  taggedVersions?: string;
}

/** Kafka's default for a type: 0, false, "", empty bytes, no records, an empty array; null where it must be. */
function typeDefault(type: FieldType, nullable: boolean): unknown {
  if (typeof type === 'object') return 'struct' in type ? null : [];
  switch (type) {
    case 'bool': return false;
    case 'string': return nullable ? null : '';
    case 'bytes': return nullable ? null : Buffer.alloc(0);
    case 'records': return null;
    default: return 0;
  }
}

/** A field of `type` in `versionSpec` (Kafka's notation; default "0+"). */
export function field(name: string, type: FieldType, versionSpec = '0+', options: FieldOptions = {}): Field {
  const nullableVersions = options.nullable === undefined ? NO_VERSIONS : versions(options.nullable);
  const taggedVersions = options.taggedVersions === undefined ? NO_VERSIONS : versions(options.taggedVersions);
  assert((options.tag === undefined) === (options.taggedVersions === undefined), () => `field ${name}: a tag needs taggedVersions and the reverse`);
  const nullableSomewhere = nullableVersions.min <= nullableVersions.max;
  return {
    name,
    type,
    versions: versions(versionSpec),
    nullableVersions,
    default: 'default' in options ? options.default : typeDefault(type, nullableSomewhere),
    tag: options.tag,
    taggedVersions,
  };
}

/** An array of structs with `fields`. */
export function array(name: string, versionSpec: string, fields: readonly Field[], options: FieldOptions = {}): Field {
  return field(name, { arrayOf: fields }, versionSpec, options);
}

/** An array of primitives. */
export function arrayOf(name: string, type: PrimitiveType, versionSpec = '0+', options: FieldOptions = {}): Field {
  return field(name, { arrayOf: type }, versionSpec, options);
}

export function message(name: string, fields: readonly Field[]): MessageSchema {
  // A name may come back with another type in later versions, never twice in one version.
  for (const [i, f] of fields.entries()) {
    for (const g of fields.slice(i + 1)) {
      const overlap = f.name === g.name && f.versions.min <= g.versions.max && g.versions.min <= f.versions.max;
      assert(!overlap, () => `${name}: field ${f.name} is described twice for the same versions`);
    }
  }
  return { name, fields };
}
