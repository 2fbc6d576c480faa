/**
 * Every Kafka message Josef describes, in every version it advertises, round-trips through the
 * codec derived from its description: decode(encode(x)) is x for requests and responses, and a
 * request read through the protocol is what the handler takes. The APIs come from the table
 * (apis.ts), so one described later is covered without a new test; everyTypeMessage covers the
 * codec's flexible encoding (compact lengths, tagged fields) until an advertised version uses it.
 * Any response a handler can give, and the error response to any request, encodes without throwing.
 */
import fc from 'fast-check';
import { ErrorCode } from '../../../../src/common/errors';
import type { DecodedRequest } from '../../../../src/protocol/frame';
import type { KafkaApi } from '../../../../src/protocol/kafka/api';
import { codecsFor } from '../../../../src/protocol/kafka/apis';
import { compileMessage, type Struct } from '../../../../src/protocol/kafka/codec';
import { KafkaProtocol } from '../../../../src/protocol/kafka/kafka-protocol';
import { KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { fuzzSeed } from '../../../helpers/fuzz-seed';
import { advertisedVersions, everyTypeMessage, everyTypeVersions, messageArbitrary } from '../../../helpers/kafka-schema-fuzz';
import { encodeStruct, kafkaRequest, readKafkaResponse } from '../../../helpers/kafka-wire';

const seed = fuzzSeed('Kafka codec round trips');
const protocol = new KafkaProtocol(() => true);

/** A deep copy, Buffers included: the adapters may change what they are given in place. */
function copyOf<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map(copyOf) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyOf(v)])) as T;
  return value;
}

/** The request as the handler takes it: Kafka's message through the API's adapter. */
function josefRequest(api: KafkaApi, message: Struct, version: number): Struct {
  return (api.toJosefRequest?.(copyOf(message), version) ?? message) as Struct;
}

/** The frame of `response` answering `request`, as the broker writes it, without its length. */
function encodedAnswer(request: DecodedRequest, response: object | RequestFailure): Buffer {
  return Buffer.concat(protocol.encode(request, response).chunks).subarray(4);
}

describe('the Kafka codec derived from the descriptions', () => {
  it.each(advertisedVersions)('$name: a request decodes to what was encoded, through the codec and through the protocol', ({ api, version }) => {
    const codecs = codecsFor(api, version);
    fc.assert(fc.property(messageArbitrary(api.request, { version, flexible: codecs.flexible }), fc.option(fc.string(), { nil: null }), (message, clientId) => {
      const reader = new KafkaReader(encodeStruct(codecs.request, message));
      expect(codecs.request.read(reader)).toEqual(message);
      expect(reader.remaining).toBe(0);
      const decoded = protocol.decode(kafkaRequest(api.apiKey, version, 7, message, clientId).subarray(4));
      expect(decoded).toEqual({ kind: 'request', request: { apiKey: api.apiKey, apiVersion: version, correlationId: 7, clientId, body: josefRequest(api, message, version) } });
    }), { seed, numRuns: 60 });
  });

  it.each(advertisedVersions)('$name: any response encodes and reads back as Kafka\'s message; so does the error response to any request', ({ api, version }) => {
    const typed = api as KafkaApi<SupportedApiKey>;
    const flexible = codecsFor(api, version).flexible;
    fc.assert(fc.property(
      messageArbitrary(api.request, { version, flexible }), messageArbitrary(api.response, { version, flexible }),
      (message, response) => {
        const request: DecodedRequest = { apiKey: api.apiKey, apiVersion: version, correlationId: 11, clientId: 'c', body: josefRequest(api, message, version) };
        const body = request.body as unknown as RequestOf<SupportedApiKey>;
        const expected = typed.toKafkaResponse?.(copyOf(response) as unknown as ResponseOf<SupportedApiKey>, version, body) ?? response;
        expect(readKafkaResponse(encodedAnswer(request, response), api.apiKey, version)).toEqual({ correlationId: 11, body: expected });
        // What the broker sends when the handler failed: readable, every byte used.
        expect(readKafkaResponse(encodedAnswer(request, new RequestFailure(ErrorCode.NOT_LEADER_OR_FOLLOWER.code)), api.apiKey, version).correlationId).toBe(11);
      },
    ), { seed, numRuns: 60 });
  });

  it.each(everyTypeVersions)('a message of every type, nullable, renamed and tagged field round-trips at version $version (flexible: $flexible)', (target) => {
    const codec = compileMessage(everyTypeMessage, target.version, target.flexible);
    fc.assert(fc.property(messageArbitrary(everyTypeMessage, target), (message) => {
      const reader = new KafkaReader(encodeStruct(codec, message));
      expect(codec.read(reader)).toEqual(message);
      expect(reader.remaining).toBe(0);
    }), { seed, numRuns: 200 });
  });
});
