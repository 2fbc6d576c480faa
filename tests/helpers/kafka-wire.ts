/**
 * Kafka requests as a client writes them and responses as it reads them, for tests that play a
 * Kafka client against Josef's codec or a broker's socket. Built with the protocol's own writer
 * and compiled codecs (src/protocol/kafka), so a test that damages bytes starts from valid ones.
 */
import { ApiKey } from '../../src/protocol/api-keys';
import { codecsFor, kafkaApiFor } from '../../src/protocol/kafka/apis';
import type { Struct, StructCodec } from '../../src/protocol/kafka/codec';
import { KafkaDecodeError, KafkaReader } from '../../src/protocol/kafka/kafka-reader';
import { KafkaWriter } from '../../src/protocol/kafka/kafka-writer';
import { inRange } from '../../src/protocol/kafka/schema';
import { framed } from './raw-client';

/** The bytes `codec` writes for `value`. */
export function encodeStruct(codec: StructCodec, value: Struct): Buffer {
  const w = new KafkaWriter();
  codec.write(w, value);
  return Buffer.concat(w.finish().chunks);
}

/** Whether `version` of `apiKey` is flexible (request header v2) as Josef describes the API; unknown APIs are not. */
function isFlexible(apiKey: number, version: number): boolean {
  const api = kafkaApiFor(apiKey);
  return api !== undefined && inRange(api.flexibleVersions, version);
}

/** Request header v1 (v2, with an empty tagged-field section, in flexible versions): the client id keeps its int16 length. */
export function requestHeader(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null = 'test'): Buffer {
  const w = new KafkaWriter();
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(correlationId);
  if (clientId === null) w.int16(-1);
  else w.string(clientId, false);
  if (isFlexible(apiKey, apiVersion)) w.uvarint(0);
  return Buffer.concat(w.finish().chunks);
}

/** The whole frame of a request whose message is `body` (Kafka's shape of `apiKey` at `apiVersion`). */
export function kafkaRequest(apiKey: number, apiVersion: number, correlationId: number, body: Struct, clientId: string | null = 'test'): Buffer {
  const api = kafkaApiFor(apiKey);
  if (api === undefined) throw new Error(`no Kafka API ${apiKey} is described`);
  return framed(requestHeader(apiKey, apiVersion, correlationId, clientId), encodeStruct(codecsFor(api, apiVersion).request, body));
}

/**
 * Reads a response frame (without its length) to a request of `apiKey` at `apiVersion`: header
 * v0, or v1 in flexible versions except for ApiVersions, then the message, which must use every byte.
 */
export function readKafkaResponse(frame: Buffer, apiKey: number, apiVersion: number): { correlationId: number; body: Struct } {
  const api = kafkaApiFor(apiKey);
  if (api === undefined) throw new Error(`no Kafka API ${apiKey} is described`);
  const r = new KafkaReader(frame);
  const correlationId = r.int32();
  if (isFlexible(apiKey, apiVersion) && apiKey !== ApiKey.ApiVersions && r.uvarint() !== 0) {
    throw new KafkaDecodeError('tagged fields in a response header');
  }
  const body = codecsFor(api, apiVersion).response.read(r);
  if (r.remaining !== 0) throw new KafkaDecodeError(`${r.remaining} bytes after the ${api.response.name}`);
  return { correlationId, body };
}
