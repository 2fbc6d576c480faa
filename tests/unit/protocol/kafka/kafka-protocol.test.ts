import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import type { FrameChunks } from '../../../../src/protocol/chunk-writer';
import { codecsFor, kafkaApiFor, kafkaApiVersions } from '../../../../src/protocol/kafka/apis';
import type { Struct } from '../../../../src/protocol/kafka/codec';
import { KafkaProtocol } from '../../../../src/protocol/kafka/kafka-protocol';
import { KafkaReader } from '../../../../src/protocol/kafka/kafka-reader';
import { KafkaWriter } from '../../../../src/protocol/kafka/kafka-writer';
import { RequestFailure, detectProtocol } from '../../../../src/protocol/wire-protocol';

const everyApi = (): boolean => true;

/** A Kafka request frame's value (no length prefix): header v1 and the body as the description encodes it. */
function request(apiKey: number, apiVersion: number, body: Struct, clientId: string | null = 'test'): Buffer {
  const w = new KafkaWriter();
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(77);
  if (clientId === null) w.int16(-1);
  else w.string(clientId, false);
  const api = kafkaApiFor(apiKey);
  if (api !== undefined) {
    const codecs = codecsFor(api, apiVersion);
    if (codecs.flexible) w.uvarint(0);
    codecs.request.write(w, body);
  }
  return Buffer.concat(w.finish().chunks);
}

/** A response frame: its correlation id and the body decoded with the API's own description. */
function readResponse(frame: FrameChunks, apiKey: number, apiVersion: number): { correlationId: number; body: Struct } {
  const bytes = Buffer.concat(frame.chunks);
  expect(bytes.readUInt32BE(0)).toBe(bytes.length - 4);
  const r = new KafkaReader(bytes, 4);
  const correlationId = r.int32();
  const body = codecsFor(kafkaApiFor(apiKey) as NonNullable<ReturnType<typeof kafkaApiFor>>, apiVersion).response.read(r);
  expect(r.remaining).toBe(0);
  return { correlationId, body };
}

describe('telling the protocols apart by the first frame', () => {
  it('takes a msgpack array for Josef and anything else for Kafka', () => {
    expect(detectProtocol(Buffer.from([0x95, 0x03]))).toBe('josef');
    expect(detectProtocol(Buffer.from([0xdc, 0x00, 0x05]))).toBe('josef');
    expect(detectProtocol(request(ApiKey.Metadata, 1, { topics: null }))).toBe('kafka');
  });
});

describe('KafkaProtocol', () => {
  const protocol = new KafkaProtocol(everyApi);

  it('decodes a request into the shape Josef\'s handler takes', () => {
    const decoded = protocol.decode(request(ApiKey.Metadata, 0, { topics: [] }, null));
    expect(decoded).toEqual({
      kind: 'request',
      request: { apiKey: ApiKey.Metadata, apiVersion: 0, correlationId: 77, clientId: null, body: { topics: null, allowAutoTopicCreation: true } },
    });
  });

  it('closes without an answer on an API it does not offer, as Kafka does', () => {
    const decoded = new KafkaProtocol((key) => key !== ApiKey.Fetch).decode(request(ApiKey.Fetch, 11, {}));
    expect(decoded).toMatchObject({ kind: 'close', reason: expect.stringMatching(/API key 1 .* not one this broker offers/) });
    expect(protocol.decode(request(999, 0, {}))).toMatchObject({ kind: 'close' });
  });

  it('closes on a version outside the advertised range', () => {
    expect(protocol.decode(request(ApiKey.Produce, 2, {}))).toMatchObject({ kind: 'close', reason: expect.stringMatching(/version 2 .* outside the advertised 3-7/) });
    expect(protocol.decode(request(ApiKey.Produce, 8, {}))).toMatchObject({ kind: 'close' });
  });

  it('answers ApiVersions in a version it does not speak in version 0\'s format, with its own range', () => {
    const frame = Buffer.concat([request(ApiKey.ApiVersions, 3, {}), Buffer.from([0x00])]);
    const decoded = protocol.decode(frame);
    expect(decoded.kind).toBe('reply');
    if (decoded.kind !== 'reply') return;
    expect(readResponse(decoded.frame, ApiKey.ApiVersions, 0)).toEqual({
      correlationId: 77,
      body: { errorCode: ErrorCode.UNSUPPORTED_VERSION.code, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }], throttleTimeMs: 0 },
    });
  });

  it('closes on a request that does not decode, naming what was wrong', () => {
    const truncated = request(ApiKey.Produce, 7, { acks: -1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partition: 0, records: Buffer.alloc(10) }] }] }).subarray(0, 30);
    expect(protocol.decode(truncated)).toMatchObject({ kind: 'close', reason: expect.stringMatching(/ProduceRequest v7 \(correlation id 77\) does not decode/) });
    expect(protocol.decode(Buffer.from([0, 3, 0]))).toMatchObject({ kind: 'close', reason: expect.stringMatching(/shorter than a Kafka request header/) });
  });

  it('encodes a handler\'s answer with the request\'s correlation id, in the request\'s version', () => {
    const decoded = protocol.decode(request(ApiKey.Metadata, 1, { topics: null }));
    if (decoded.kind !== 'request') throw new Error('expected a request');
    const answer = { brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }], clusterId: 'c', controllerId: 1, topics: [] };
    expect(readResponse(protocol.encode(decoded.request, answer), ApiKey.Metadata, 1)).toEqual({
      correlationId: 77,
      body: { brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }], clusterId: null, controllerId: 1, topics: [], throttleTimeMs: 0 },
    });
  });

  it('answers a request that failed as a whole with the API\'s own error response', () => {
    const decoded = protocol.decode(request(ApiKey.Produce, 7, { acks: 1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partition: 0, records: null }, { partition: 1, records: null }] }] }));
    if (decoded.kind !== 'request') throw new Error('expected a request');
    const { body } = readResponse(protocol.encode(decoded.request, new RequestFailure(ErrorCode.NOT_ENOUGH_REPLICAS.code)), ApiKey.Produce, 7);
    expect(body.topics).toEqual([{
      name: 't',
      partitions: [0, 1].map((partition) => ({ partition, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS.code, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 })),
    }]);
  });

  it('answers Fetch with empty records, never null, and the high watermark as last stable offset', () => {
    const decoded = protocol.decode(request(ApiKey.Fetch, 11, {
      replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ name: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 3, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopics: [], rackId: '',
    }));
    if (decoded.kind !== 'request') throw new Error('expected a request');
    const answer = {
      throttleTimeMs: 0, errorCode: 0,
      topics: [{ name: 't', partitions: [{ partition: 0, errorCode: 0, highWatermark: 3, logStartOffset: 0, logEndOffset: 3, records: null }] }],
    };
    const { body } = readResponse(protocol.encode(decoded.request, answer), ApiKey.Fetch, 11);
    expect(body.topics).toEqual([{
      name: 't',
      partitions: [{ partition: 0, errorCode: 0, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: Buffer.alloc(0) }],
    }]);
  });

  it('answers ListOffsets version 0 with the offset in the old-style array', () => {
    const decoded = protocol.decode(request(ApiKey.ListOffsets, 0, { replicaId: -1, topics: [{ name: 't', partitions: [{ partition: 0, timestamp: -1, maxNumOffsets: 1 }] }] }));
    if (decoded.kind !== 'request') throw new Error('expected a request');
    const answer = { topics: [{ name: 't', partitions: [{ partition: 0, errorCode: 0, timestamp: -1, offset: 42 }, { partition: 1, errorCode: 3, timestamp: -1, offset: -1 }] }] };
    const { body } = readResponse(protocol.encode(decoded.request, answer), ApiKey.ListOffsets, 0);
    expect(body.topics).toMatchObject([{ name: 't', partitions: [{ partition: 0, errorCode: 0, oldStyleOffsets: [42] }, { partition: 1, errorCode: 3, oldStyleOffsets: [] }] }]);
  });
});

describe('what ApiVersions advertises on the Kafka protocol', () => {
  it('lists the described APIs this broker has handlers for, in key order', () => {
    const offered = new Set<number>([ApiKey.Produce, ApiKey.Metadata, ApiKey.ApiVersions, ApiKey.LeaderAndIsr]);
    expect(kafkaApiVersions((key) => offered.has(key))).toEqual([
      { apiKey: ApiKey.Produce, minVersion: 3, maxVersion: 7 },
      { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 5 },
      { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
    ]);
  });
});

describe('Fetch without fetch sessions', () => {
  const protocol = new KafkaProtocol(everyApi);
  const fetch = (sessionId: number, sessionEpoch: number): Buffer => request(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1024, isolationLevel: 0, sessionId, sessionEpoch,
    topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
  });

  it('serves full fetches (session 0, epoch -1 or the initial 0)', () => {
    expect(protocol.decode(fetch(0, -1)).kind).toBe('request');
    expect(protocol.decode(fetch(0, 0)).kind).toBe('request');
  });

  it('answers a fetch in a session it never made as Kafka does, and the connection goes on', () => {
    for (const [sessionId, sessionEpoch, errorCode] of [[5, 1, ErrorCode.FETCH_SESSION_ID_NOT_FOUND.code], [0, 3, ErrorCode.INVALID_FETCH_SESSION_EPOCH.code]]) {
      const decoded = protocol.decode(fetch(sessionId, sessionEpoch));
      if (decoded.kind !== 'reply') throw new Error(`expected a reply, got ${decoded.kind}`);
      const { body } = readResponse(decoded.frame, ApiKey.Fetch, 11);
      expect(body).toMatchObject({ errorCode, topics: [{ name: 't', partitions: [{ partition: 0, errorCode }] }] });
    }
  });
});
