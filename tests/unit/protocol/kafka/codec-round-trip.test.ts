/**
 * Every Kafka message Josef describes, in every version it advertises, round-trips through the
 * codec derived from its description: decode(encode(x)) is x for requests and responses, and a
 * request read through the protocol is what the handler takes. The APIs come from the table
 * (apis.ts), so one described later is covered without a new test; everyTypeMessage covers the
 * codec's flexible encoding (compact lengths, tagged fields) until an advertised version uses it.
 * Any response a handler can give, and the error response to any request, encodes without throwing.
 */
import fc from 'fast-check';
import { ErrorCode, JosefError } from '../../../../src/common/errors';
import type { DecodedRequest } from '../../../../src/protocol/frame';
import type { KafkaApi } from '../../../../src/protocol/kafka/api';
import { codecsFor } from '../../../../src/protocol/kafka/apis';
import { compileMessage, type Struct, type StructCodec } from '../../../../src/protocol/kafka/codec';
import { KafkaProtocol } from '../../../../src/protocol/kafka/kafka-protocol';
import { KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { fuzzSeed } from '../../../helpers/fuzz-seed';
import { advertisedVersions, everyTypeMessage, everyTypeVersions, messageArbitrary } from '../../../helpers/kafka-schema-fuzz';
import { encodeStruct, kafkaRequest, readKafkaResponse } from '../../../helpers/kafka-wire';

const seed = fuzzSeed('Kafka codec round trips');
const protocol = new KafkaProtocol(() => true);

/** A deep copy of `value` with `buffer` applied to each Buffer in it. */
function mapBuffers(value: unknown, buffer: (b: Buffer) => unknown): unknown {
  if (Buffer.isBuffer(value)) return buffer(value);
  if (Array.isArray(value)) return value.map((v) => mapBuffers(v, buffer));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapBuffers(v, buffer)]));
  return value;
}

/** A deep copy, Buffers included: the adapters may change what they are given in place. */
const copyOf = <T>(value: T): T => mapBuffers(value, (b) => Buffer.from(b)) as T;
/** `value` with each Buffer as its hex: Jest's equality would compare a long Buffer index by index, slowly. */
const comparable = (value: unknown): unknown => mapBuffers(value, (b) => `bytes ${b.toString('hex')}`);

/** `value` written and read back by `codec`, which must read every byte it wrote. */
function roundTrip(codec: StructCodec, value: Struct): Struct {
  const reader = new KafkaReader(encodeStruct(codec, value));
  const decoded = codec.read(reader);
  expect(reader.remaining).toBe(0);
  return decoded;
}

/** The request as the handler takes it (Kafka's message through the API's adapter), or the error with which the adapter refuses it. */
function josefRequest(api: KafkaApi, message: Struct, version: number): Struct | JosefError {
  try {
    return (api.toJosefRequest?.(copyOf(message), version) ?? message) as Struct;
  } catch (err) {
    if (err instanceof JosefError) return err;
    throw err;
  }
}

/** The frame of `response` answering `request`, as the broker writes it, without its length. */
function encodedAnswer(request: DecodedRequest, response: object | RequestFailure): Buffer {
  return Buffer.concat(protocol.encode(request, response).chunks).subarray(4);
}

describe('the Kafka codec derived from the descriptions', () => {
  it.each(advertisedVersions)('$name: a request decodes to what was encoded, through the codec and through the protocol', ({ api, version }) => {
    const codecs = codecsFor(api, version);
    fc.assert(fc.property(messageArbitrary(api.request, { version, flexible: codecs.flexible }), fc.option(fc.string(), { nil: null }), (message, clientId) => {
      expect(comparable(roundTrip(codecs.request, message))).toEqual(comparable(message));
      const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 7, clientId };
      const decoded = protocol.decode(kafkaRequest(api.apiKey, version, 7, message, clientId).subarray(4));
      const handlerTakes = josefRequest(api, message, version);
      if (!(handlerTakes instanceof JosefError)) {
        expect(comparable(decoded)).toEqual(comparable({ kind: 'request', request: { ...header, body: handlerTakes } }));
        return;
      }
      // What Josef cannot do (a fetch session): the API's error response, and the connection goes on.
      if (decoded.kind !== 'reply') throw new Error(`a request the adapter refuses (${handlerTakes.message}) was not answered: ${decoded.kind}`);
      const expected = encodedAnswer({ ...header, body: message }, new RequestFailure(handlerTakes.code));
      expect(Buffer.concat(decoded.frame.chunks).subarray(4).toString('hex')).toBe(expected.toString('hex'));
    }), { seed, numRuns: 40 });
  });

  it.each(advertisedVersions)('$name: a response round-trips through the codec; any handler\'s answer, and the error response to any request, encode and read back', ({ api, version }) => {
    const typed = api as KafkaApi<SupportedApiKey>;
    const codecs = codecsFor(api, version);
    fc.assert(fc.property(
      messageArbitrary(api.request, { version, flexible: codecs.flexible }), messageArbitrary(api.response, { version, flexible: codecs.flexible }),
      (message, response) => {
        expect(comparable(roundTrip(codecs.response, response))).toEqual(comparable(response));
        // Kafka's message names Josef's fields, so it stands for a handler's answer (and, refused, for the request it answers).
        const handlerTakes = josefRequest(api, message, version);
        const body = handlerTakes instanceof JosefError ? message : handlerTakes;
        const request: DecodedRequest = { apiKey: api.apiKey, apiVersion: version, correlationId: 11, clientId: 'c', body };
        const kafkaResponse = typed.toKafkaResponse?.(copyOf(response) as unknown as ResponseOf<SupportedApiKey>, version, body as unknown as RequestOf<SupportedApiKey>);
        const expected = kafkaResponse === undefined ? response : roundTrip(codecs.response, kafkaResponse);
        expect(comparable(readKafkaResponse(encodedAnswer(request, response), api.apiKey, version))).toEqual(comparable({ correlationId: 11, body: expected }));
        // What the broker sends when the handler failed: readable, every byte used.
        expect(readKafkaResponse(encodedAnswer(request, new RequestFailure(ErrorCode.NOT_LEADER_OR_FOLLOWER.code)), api.apiKey, version).correlationId).toBe(11);
      },
    ), { seed, numRuns: 40 });
  });

  it.each(everyTypeVersions)('a message of every type, nullable, renamed and tagged field round-trips at version $version (flexible: $flexible)', (target) => {
    const codec = compileMessage(everyTypeMessage, target.version, target.flexible);
    fc.assert(fc.property(messageArbitrary(everyTypeMessage, target), (message) => {
      expect(comparable(roundTrip(codec, message))).toEqual(comparable(message));
    }), { seed, numRuns: 200 });
  });
});
