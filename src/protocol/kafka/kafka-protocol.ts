/**
 * Apache Kafka's binary protocol as a WireProtocol. A request is a header (API key, version,
 * correlation id, client id: header v1, or v2 with tagged fields in flexible versions) and the
 * API's message; a response is the correlation id (header v0, or v1 in flexible versions except
 * for ApiVersions) and the API's message. What Kafka's broker does, Josef does: an API it does not
 * offer, a version outside the advertised range, or a request that does not decode closes the
 * connection without an answer; ApiVersions in a version it does not speak is answered in version
 * 0's format with UNSUPPORTED_VERSION and ApiVersions' own range, so the client can ask again.
 */
import { ErrorCode, JosefError } from '../../common/errors';
import { ApiKey } from '../api-keys';
import type { FrameChunks } from '../chunk-writer';
import type { DecodedRequest } from '../frame';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../messages';
import type { DecodedFrame, WireProtocol } from '../wire-protocol';
import { RequestFailure } from '../wire-protocol';
import type { KafkaApi } from './api';
import { codecsFor, kafkaApiFor } from './apis';
import type { Struct } from './codec';
import { KafkaDecodeError, KafkaReader, LastString } from './kafka-reader';
import { KafkaWriter } from './kafka-writer';
import { inRange } from './schema';

/** Request header v1: apiKey int16, apiVersion int16, correlationId int32, clientId's int16 length. */
const headerBytesMin = 10;

export class KafkaProtocol implements WireProtocol {
  readonly name = 'kafka';

  /** @param offered whether this broker has a handler for an API key (only those are advertised and served) */
  constructor(private readonly offered: (apiKey: number) => boolean) {}

  decode(frame: Buffer): DecodedFrame {
    if (frame.length < headerBytesMin) return close(`a request of ${frame.length} bytes is shorter than a Kafka request header`);
    const r = new KafkaReader(frame);
    const apiKey = r.int16();
    const apiVersion = r.int16();
    const correlationId = r.int32();
    const api = kafkaApiFor(apiKey);
    if (api === undefined || !this.offered(apiKey)) return close(`API key ${apiKey} (version ${apiVersion}, correlation id ${correlationId}) is not one this broker offers`);
    if (!inRange(api.versions, apiVersion)) {
      if (apiKey === ApiKey.ApiVersions) return { kind: 'reply', frame: unsupportedApiVersions(correlationId, api) };
      return close(`${api.request.name} version ${apiVersion} (correlation id ${correlationId}) is outside the advertised ${api.versions.min}-${api.versions.max}`);
    }
    const codecs = codecsFor(api, apiVersion);
    let clientId: string | null;
    let body: Struct;
    try {
      clientId = readClientId(r);
      if (codecs.flexible) skipTaggedFields(r);
      body = codecs.request.read(r);
    } catch (err) {
      if (err instanceof KafkaDecodeError) return close(`${api.request.name} v${apiVersion} (correlation id ${correlationId}) does not decode: ${err.message}`);
      throw err;
    }
    const request: DecodedRequest = { apiKey, apiVersion, correlationId, clientId, body };
    try {
      request.body = (api.toJosefRequest?.(body, apiVersion) ?? body) as DecodedRequest['body'];
    } catch (err) {
      // An adapter refuses what Josef cannot do (a fetch session it never opened): an answer, not a closed connection.
      if (!(err instanceof JosefError)) throw err;
      return { kind: 'reply', frame: this.encode(request, new RequestFailure(err.code)) };
    }
    return { kind: 'request', request };
  }

  encode(request: DecodedRequest, result: object | RequestFailure): FrameChunks {
    const api = kafkaApiFor(request.apiKey) as KafkaApi<SupportedApiKey>;
    const version = request.apiVersion;
    const body = request.body as unknown as RequestOf<SupportedApiKey>;
    const message = result instanceof RequestFailure
      ? api.errorResponse(body, result.errorCode, version)
      : (api.toKafkaResponse?.(result as ResponseOf<SupportedApiKey>, version, body) ?? (result as Struct));
    const codecs = codecsFor(api, version);
    const w = new KafkaWriter();
    w.startFrame();
    w.int32(request.correlationId);
    // Response header v1 (tagged fields) in flexible versions; ApiVersions keeps v0 so any client can read it.
    if (codecs.flexible && request.apiKey !== ApiKey.ApiVersions) w.uvarint(0);
    codecs.response.write(w, message);
    return w.finishFrame();
  }

  /** Kafka closes a connection whose request is too large without a word. */
  rejection(): undefined {
    return undefined;
  }
}

function close(reason: string): DecodedFrame {
  return { kind: 'close', reason };
}

/** The client id a request header carried last (see LastString). */
const lastClientId = new LastString();

/** The client id keeps its int16 length in every header version; null is -1. */
function readClientId(r: KafkaReader): string | null {
  const length = r.int16();
  if (length === -1) return null;
  if (length < 0) throw new KafkaDecodeError(`client id length ${length}`);
  return r.utf8(length, 'client id', lastClientId);
}

function skipTaggedFields(r: KafkaReader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint(); // tag
    r.skip(r.uvarint(), 'a tagged field of the request header');
  }
}

/** ApiVersions v0's answer to a version it does not speak: UNSUPPORTED_VERSION and its own range. */
function unsupportedApiVersions(correlationId: number, api: KafkaApi): FrameChunks {
  const w = new KafkaWriter();
  w.startFrame();
  w.int32(correlationId);
  codecsFor(api, 0).response.write(w, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION.code,
    apiKeys: [{ apiKey: api.apiKey, minVersion: api.versions.min, maxVersion: api.versions.max }],
  });
  return w.finishFrame();
}
