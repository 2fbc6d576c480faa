/**
 * The records of __consumer_offsets, byte for byte as Kafka's GroupMetadataManager writes them
 * (big-endian; strings are an int16 length then UTF-8, nullable ones -1 for null; bytes an int32
 * length). Key version 0/1 = a committed offset (group, topic, partition), version 2 = a group's
 * metadata (group). A null value (tombstone) removes what the key names. Decoding checks every
 * length against the buffer, so a damaged record fails loudly instead of reading garbage.
 */

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
/** Kafka's OffsetCommitValue v0: offset, metadata, timestamp. */
export const OFFSET_COMMIT_VALUE_VERSION = 0;
/** Kafka's GroupMetadataValue v1: members carry their rebalance timeout. */
export const GROUP_METADATA_VALUE_VERSION = 1;

export type OffsetsRecordKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'group'; group: string };

export interface OffsetCommitValue {
  offset: number;
  metadata: string;
  commitTimestampMs: number;
}

export interface MemberMetadataValue {
  memberId: string;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generationId: number;
  protocol: string | null;
  leader: string | null;
  members: MemberMetadataValue[];
}

class Writer {
  private readonly parts: Buffer[] = [];
  int16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  int32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  int64(n: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(n));
    this.parts.push(b);
    return this;
  }
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 0x7fff) throw new RangeError(`string of ${bytes.length} bytes is longer than an int16 length allows`);
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}
  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new RangeError(`${this.what}: needs ${n} bytes at ${this.pos}, has ${this.buf.length - this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const at = this.need(length);
    return this.buf.toString('utf8', at, at + length);
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new RangeError(`${this.what}: null where a string must be`);
    return s;
  }
  bytes(): Buffer {
    const length = this.int32();
    if (length < 0) return Buffer.alloc(0);
    const at = this.need(length);
    return Buffer.from(this.buf.subarray(at, at + length));
  }
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer().int16(OFFSET_COMMIT_KEY_VERSION).string(group).string(topic).int32(partition).done();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Writer().int16(GROUP_METADATA_KEY_VERSION).string(group).done();
}

export function decodeOffsetsRecordKey(buf: Buffer): OffsetsRecordKey {
  const reader = new Reader(buf, '__consumer_offsets key');
  const version = reader.int16();
  if (version === 0 || version === 1) {
    return { kind: 'offset', group: reader.string(), topic: reader.string(), partition: reader.int32() };
  }
  if (version === GROUP_METADATA_KEY_VERSION) return { kind: 'group', group: reader.string() };
  throw new RangeError(`__consumer_offsets key: unknown version ${version}`);
}

export function encodeOffsetCommitValue(value: OffsetCommitValue): Buffer {
  return new Writer().int16(OFFSET_COMMIT_VALUE_VERSION).int64(value.offset).string(value.metadata).int64(value.commitTimestampMs).done();
}

export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitValue {
  const reader = new Reader(buf, '__consumer_offsets offset value');
  const version = reader.int16();
  if (version !== OFFSET_COMMIT_VALUE_VERSION) throw new RangeError(`__consumer_offsets offset value: unknown version ${version}`);
  return { offset: reader.int64(), metadata: reader.nullableString() ?? '', commitTimestampMs: reader.int64() };
}

export function encodeGroupMetadataValue(value: GroupMetadataValue): Buffer {
  const writer = new Writer().int16(GROUP_METADATA_VALUE_VERSION)
    .string(value.protocolType).int32(value.generationId).string(value.protocol).string(value.leader)
    .int32(value.members.length);
  for (const m of value.members) {
    writer.string(m.memberId).string(m.clientId).string(m.clientHost)
      .int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(m.subscription).bytes(m.assignment);
  }
  return writer.done();
}

export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataValue {
  const reader = new Reader(buf, '__consumer_offsets group value');
  const version = reader.int16();
  if (version !== GROUP_METADATA_VALUE_VERSION) throw new RangeError(`__consumer_offsets group value: unknown version ${version}`);
  const protocolType = reader.string();
  const generationId = reader.int32();
  const protocol = reader.nullableString();
  const leader = reader.nullableString();
  const count = reader.int32();
  const members: MemberMetadataValue[] = [];
  for (let i = 0; i < count; i++) {
    members.push({
      memberId: reader.string(), clientId: reader.string(), clientHost: reader.string(),
      rebalanceTimeoutMs: reader.int32(), sessionTimeoutMs: reader.int32(),
      subscription: reader.bytes(), assignment: reader.bytes(),
    });
  }
  return { protocolType, generationId, protocol, leader, members };
}
