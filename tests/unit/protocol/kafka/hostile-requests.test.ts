/**
 * Hostile Kafka requests against the codec and the protocol, for every API in the table and every
 * version, advertised or not: random bytes, every prefix of a valid request, unknown keys and
 * versions, and valid requests with one length or count made a lie (null where not nullable,
 * negative, 2^31 and beyond, one byte past the frame). Decoding gives a request, an answer of the
 * protocol's own, or a close; the codec fails only with KafkaDecodeError, at the lying field
 * before it reads or allocates what the field claims, and in bounded time. Nothing else is thrown:
 * on a broker an exception there would be a crash, not a closed connection.
 */
import fc from 'fast-check';
import v8 from 'v8';
import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import type { KafkaApi } from '../../../../src/protocol/kafka/api';
import { codecsFor, kafkaApis } from '../../../../src/protocol/kafka/apis';
import { compileMessage, type StructCodec } from '../../../../src/protocol/kafka/codec';
import { KafkaProtocol } from '../../../../src/protocol/kafka/kafka-protocol';
import { KafkaDecodeError, KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import type { MessageSchema } from '../../../../src/protocol/kafka/schema';
import { RequestFailure, type DecodedFrame } from '../../../../src/protocol/wire-protocol';
import { fuzzSeed } from '../../../helpers/fuzz-seed';
import {
  advertisedVersions, claimedLengthBytes, everyTypeMessage, everyTypeVersions, hostileClaims, lengthFields, messageArbitrary, withClaimedLength, type Target,
} from '../../../helpers/kafka-schema-fuzz';
import { encodeStruct, kafkaRequest, readKafkaResponse, requestHeader } from '../../../helpers/kafka-wire';

const seed = fuzzSeed('hostile Kafka requests');
const protocol = new KafkaProtocol(() => true);

/**
 * Bounds on one decode of a frame of a few KiB, which takes microseconds. Generous, so that a
 * loaded machine's scheduling or a garbage collection does not trip them (wall time is what is
 * cheap to read); what they catch is work or memory that follows a claimed length (2^31 elements
 * or bytes), which is far beyond them.
 */
const decodeMsMax = 1_000;
const decodeAllocatedBytesMax = 16 * 1024 * 1024;

/** The requests of every advertised version, and everyTypeMessage's versions: what the codec is fuzzed with. */
const described: { name: string; schema: MessageSchema; target: Target; codec: StructCodec; api?: KafkaApi }[] = [
  ...advertisedVersions.map(({ api, version, name }) => {
    const codecs = codecsFor(api, version);
    return { name, schema: api.request, target: { version, flexible: codecs.flexible }, codec: codecs.request, api };
  }),
  ...everyTypeVersions.map((target) => ({ name: `EveryType v${target.version}`, schema: everyTypeMessage, target, codec: compileMessage(everyTypeMessage, target.version, target.flexible) })),
];

/** The JavaScript heap and the memory of Buffers, together. */
function memoryInUseBytes(): number {
  const heap = v8.getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

/**
 * Runs one decode of `bytes`, failing the test if it takes long or allocates much, whether it
 * succeeds or throws: neither may follow what the bytes claim.
 */
function bounded<T>(bytes: Buffer, decodeOnce: () => T): T {
  const before = memoryInUseBytes();
  const started = performance.now();
  try {
    return decodeOnce();
  } finally {
    const elapsedMs = performance.now() - started;
    const allocatedBytes = memoryInUseBytes() - before;
    if (elapsedMs > decodeMsMax) throw new Error(`decoding ${bytes.length} bytes took ${elapsedMs} ms: ${bytes.toString('hex')}`);
    if (allocatedBytes > decodeAllocatedBytesMax) throw new Error(`decoding ${bytes.length} bytes allocated ${allocatedBytes} bytes: ${bytes.toString('hex')}`);
  }
}

/** Decodes a frame (without its length) as the broker does; fails the test on anything but a DecodedFrame. */
function decode(frame: Buffer): DecodedFrame {
  const decoded = bounded(frame, () => protocol.decode(frame));
  if (!['request', 'reply', 'close'].includes(decoded.kind)) throw new Error(`decoded as ${decoded.kind}`);
  // The broker answers a request whose handler failed with the API's error response: it must encode too.
  if (decoded.kind === 'request') protocol.encode(decoded.request, new RequestFailure(ErrorCode.UNKNOWN_SERVER_ERROR.code));
  return decoded;
}

/** Reads `bytes` with `codec`: whether it decoded, or the KafkaDecodeError and where the reader stood. Any other exception fails the test. */
function readMessage(codec: StructCodec, bytes: Buffer): { ok: true } | { ok: false; error: KafkaDecodeError; position: number } {
  const reader = new KafkaReader(bytes);
  try {
    bounded(bytes, () => codec.read(reader));
    return { ok: true };
  } catch (err) {
    if (!(err instanceof KafkaDecodeError)) throw err;
    return { ok: false, error: err, position: reader.pos };
  }
}

const headerOf = (api: KafkaApi, version: number): Buffer => requestHeader(api.apiKey, version, 42, 'fuzz');
const int16 = fc.integer({ min: -(2 ** 15), max: 2 ** 15 - 1 });

describe('hostile Kafka requests', () => {
  it('random bytes, alone or after a valid header of any API and version, decode or close, never throw', () => {
    const apiAndVersion = fc.tuple(fc.constantFrom(...kafkaApis), fc.oneof(fc.constantFrom(...advertisedVersions.map((a) => a.version)), int16));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(apiAndVersion), (bytes, header) => {
      decode(Buffer.concat([header === null ? Buffer.alloc(0) : headerOf(...header), bytes]));
    }), { seed, numRuns: 5000 });
  });

  it('an API key Josef does not describe, or that the broker does not offer, closes the connection', () => {
    const described = new Set<number>(kafkaApis.map((api) => api.apiKey));
    fc.assert(fc.property(int16.filter((key) => !described.has(key)), int16, fc.uint8Array({ maxLength: 40 }), (apiKey, version, body) => {
      expect(decode(Buffer.concat([requestHeader(apiKey, version, 1), body])).kind).toBe('close');
    }), { seed, numRuns: 1000 });
    const offersNothing = new KafkaProtocol(() => false);
    for (const { api, version } of advertisedVersions) {
      expect(offersNothing.decode(kafkaRequest(api.apiKey, version, 1, {}).subarray(4)).kind).toBe('close');
    }
  });

  it.each(kafkaApis.map((api) => ({ api, name: api.request.name })))('$name in a version outside the advertised range closes the connection (ApiVersions answers UNSUPPORTED_VERSION in v0)', ({ api }) => {
    const outside = int16.filter((v) => v < api.versions.min || v > api.versions.max);
    const edges = [api.versions.min - 1, api.versions.max + 1, -1, -(2 ** 15), 2 ** 15 - 1].filter((v) => v < api.versions.min || v > api.versions.max);
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...edges), outside), fc.uint8Array({ maxLength: 40 }), (version, body) => {
      const decoded = decode(Buffer.concat([headerOf(api, version), body]));
      if (api.apiKey !== ApiKey.ApiVersions) {
        expect(decoded.kind).toBe('close');
        return;
      }
      // Kafka's answer, so that the client asks again in a version both know: v0's format, ApiVersions' own range.
      if (decoded.kind !== 'reply') throw new Error(`ApiVersions v${version} was not answered: ${decoded.kind}`);
      expect(readKafkaResponse(Buffer.concat(decoded.frame.chunks).subarray(4), api.apiKey, 0)).toEqual({
        correlationId: 42,
        body: { errorCode: ErrorCode.UNSUPPORTED_VERSION.code, apiKeys: [{ apiKey: api.apiKey, minVersion: api.versions.min, maxVersion: api.versions.max }], throttleTimeMs: 0 },
      });
    }), { seed, numRuns: 300 });
  });

  it.each(advertisedVersions)('$name: every prefix of a valid request closes the connection; the whole of it is served', ({ api, version }) => {
    const flexible = codecsFor(api, version).flexible;
    fc.assert(fc.property(messageArbitrary(api.request, { version, flexible }), (message) => {
      const frame = kafkaRequest(api.apiKey, version, 42, message).subarray(4);
      for (let end = 0; end < frame.length; end++) {
        const decoded = decode(frame.subarray(0, end));
        if (decoded.kind !== 'close') throw new Error(`the first ${end} of ${frame.length} bytes decoded as a ${decoded.kind}`);
      }
      // A request, or the API's own error answer to one its adapter refuses (a fetch session Josef never made).
      expect(['request', 'reply']).toContain(decode(frame).kind);
    }), { seed, numRuns: 10 });
  });

  it.each(advertisedVersions)('$name: a client id claiming more bytes than the frame, or a negative length other than null, closes the connection', ({ api, version }) => {
    // An empty message: every field its default.
    const frame = kafkaRequest(api.apiKey, version, 42, {}, 'client').subarray(4);
    const clientIdLengthAt = 8;
    const pastTheEnd = frame.length - clientIdLengthAt - 2 + 1;
    for (const claimed of [pastTheEnd, 2 ** 15 - 1, -2, -(2 ** 15)]) {
      const lying = Buffer.from(frame);
      lying.writeInt16BE(claimed, clientIdLengthAt);
      expect([claimed, decode(lying).kind]).toEqual([claimed, 'close']);
    }
  });

  it.each(described)('$name: a length or count that lies fails at that field, before anything it claims is read or allocated', ({ schema, target, codec, api }) => {
    fc.assert(fc.property(messageArbitrary(schema, target), fc.integer({ min: -3, max: 3 }), (message, smallLie) => {
      const encoded = encodeStruct(codec, message);
      const layout = lengthFields(schema, target, message);
      expect(layout.end).toBe(encoded.length);
      for (const f of layout.fields) {
        const remaining = encoded.length - f.at - f.bytes;
        const told = f.compact ? new KafkaReader(encoded, f.at).uvarint() - 1 : f.bytes === 2 ? encoded.readInt16BE(f.at) : encoded.readInt32BE(f.at);
        for (const claimed of [...hostileClaims(f, remaining), f.compact ? Math.max(-1, told + smallLie) : told + smallLie]) {
          const lying = withClaimedLength(encoded, f, claimed);
          const read = readMessage(codec, lying);
          const mustFail = claimed < -1 || (claimed === -1 && !f.nullable) || claimed > remaining;
          if (!mustFail) continue; // a small lie may still read as something: anything but an exception other than KafkaDecodeError
          const lie = `${f.path} claiming ${claimed} with ${remaining} bytes after it`;
          if (read.ok) throw new Error(`${lie} decoded`);
          const lengthEnd = f.at + claimedLengthBytes(f, claimed);
          if (read.position !== lengthEnd) throw new Error(`${lie} failed at byte ${read.position}, not where the length ends (${lengthEnd}): ${read.error.message}`);
          if (api !== undefined && decode(Buffer.concat([headerOf(api, target.version), lying])).kind !== 'close') throw new Error(`${lie} did not close the connection`);
        }
      }
    }), { seed, numRuns: 25 });
  });

  it.each(advertisedVersions)('$name: a valid request with bytes overwritten anywhere decodes or closes, never throws', ({ api, version }) => {
    const flexible = codecsFor(api, version).flexible;
    const damage = fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x7f, 0x80, 0xff), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(messageArbitrary(api.request, { version, flexible }), damage, (message, changes) => {
      const frame = Buffer.from(kafkaRequest(api.apiKey, version, 42, message).subarray(4));
      for (const [at, edge, random] of changes) frame[at % frame.length] = at % 2 === 0 ? edge : random;
      decode(frame);
    }), { seed, numRuns: 200 });
  });
});
