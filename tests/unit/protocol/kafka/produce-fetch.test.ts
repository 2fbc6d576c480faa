/**
 * Produce 3-7, Fetch 4-11, ListOffsets 0-3, Metadata 0-5 and ApiVersions 0-2 on Kafka's protocol:
 * each version's request as kafka-python encodes it decodes into the request Josef's handler
 * takes, and Josef's answers encode byte for byte as kafka-python encodes Kafka's. Record batches
 * pass through as the very bytes (views of the request frame; chunks of the answer).
 */
import { ErrorCode } from '../../../../src/common/errors';
import type { FetchResponse, ListOffsetsResponse, MetadataResponse, ProduceResponse } from '../../../../src/protocol/messages';
import { decodeRequest, protocol as kafkaProtocol, encodeResponse, goldenFrames, versions } from '../../../helpers/kafka-golden';

const batch = Buffer.from(Array.from({ length: 6 * 256 }, (_, i) => i % 256));
const small = Buffer.from([0, 1, 2]);

describe('Produce on Kafka\'s protocol', () => {
  const answer: ProduceResponse = {
    throttleTimeMs: 0,
    topics: [{ name: 't', partitions: [
      { partition: 0, errorCode: 0, baseOffset: 100, logAppendTimeMs: -1, logStartOffset: 0 },
      { partition: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 },
    ] }],
  };

  it.each(versions(3, 7))('v%i', (version) => {
    const frames = goldenFrames('Produce', version);
    const frame = Buffer.from(frames.request, 'hex');
    const decoded = kafkaProtocol.decode(frame);
    if (decoded.kind !== 'request') throw new Error(`expected a request, got ${decoded.kind}`);
    const { body } = decoded.request;
    expect(body).toEqual({ transactionalId: null, acks: -1, timeoutMs: 30000, topics: [{ name: 't', partitions: [{ partition: 0, records: batch }, { partition: 1, records: small }] }] });
    // The batches are views of the request frame, not copies: the log appends the bytes that arrived.
    const records = (body.topics as { partitions: { records: Buffer }[] }[])[0].partitions[0].records;
    expect(records.buffer).toBe(frame.buffer);
    expect(encodeResponse(decoded.request, answer)).toBe(frames.response);
  });
});

describe('Fetch on Kafka\'s protocol', () => {
  const answer: FetchResponse = {
    throttleTimeMs: 0,
    errorCode: 0,
    topics: [{ name: 't', partitions: [
      { partition: 0, errorCode: 0, highWatermark: 101, logStartOffset: 0, logEndOffset: 101, records: batch },
      { partition: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code, highWatermark: -1, logStartOffset: -1, logEndOffset: -1, records: null },
    ] }],
  };

  it.each(versions(4, 11))('v%i', (version) => {
    const frames = goldenFrames('Fetch', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toMatchObject({
      replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52428800, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ name: 't', partitions: [
        { partition: 0, currentLeaderEpoch: -1, fetchOffset: 100, logStartOffset: -1, partitionMaxBytes: 1048576 },
        { partition: 1, currentLeaderEpoch: -1, fetchOffset: 7, logStartOffset: -1, partitionMaxBytes: 1048576 },
      ] }],
    });
    expect(encodeResponse(request, structuredClone(answer))).toBe(frames.response);
  });

  it('writes the records as a chunk of their own, referenced rather than copied', () => {
    const request = decodeRequest(goldenFrames('Fetch', 11).request);
    const one: FetchResponse = { throttleTimeMs: 0, errorCode: 0, topics: [{ name: 't', partitions: [{ ...answer.topics[0].partitions[0], records: batch }] }] };
    expect(kafkaProtocol.encode(request, one).chunks).toContain(batch);
  });
});

describe('ListOffsets on Kafka\'s protocol', () => {
  const answer: ListOffsetsResponse = {
    topics: [{ name: 't', partitions: [
      { partition: 0, errorCode: 0, timestamp: -1, offset: 42 },
      { partition: 1, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, timestamp: -1, offset: -1 },
    ] }],
  };

  it.each(versions(0, 3))('v%i', (version) => {
    const frames = goldenFrames('ListOffsets', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toMatchObject({ replicaId: -1, topics: [{ name: 't', partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: -2 }] }] });
    expect(encodeResponse(request, structuredClone(answer))).toBe(frames.response);
  });
});

describe('Metadata on Kafka\'s protocol', () => {
  const answer: MetadataResponse = {
    brokers: [{ nodeId: 1, host: 'h1', port: 9092, rack: null }, { nodeId: 2, host: 'h2', port: 9093, rack: 'r2' }],
    clusterId: 'cluster-1',
    controllerId: 1,
    topics: [
      { errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partition: 0, leader: 1, leaderEpoch: 4, replicas: [1, 2, 3], isr: [1, 2], offlineReplicas: [3] }] },
      { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, name: 'nope', isInternal: false, partitions: [] },
    ],
  };

  it.each(versions(0, 5))('v%i: the topics asked for, and everything a version carries of the answer', (version) => {
    const frames = goldenFrames('Metadata', version);
    const request = decodeRequest(frames.request);
    // Before v4 a client cannot say; Kafka then creates a missing topic if the broker allows it.
    expect(request.body).toEqual({ topics: ['t', 'nope'], allowAutoTopicCreation: version < 4 });
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it.each(versions(0, 5))('v%i: all topics (an empty list in v0, null later)', (version) => {
    expect(decodeRequest(goldenFrames('Metadata', version).requestAll).body).toEqual({ topics: null, allowAutoTopicCreation: true });
  });
});

describe('ApiVersions on Kafka\'s protocol', () => {
  it.each(versions(0, 2))('v%i', (version) => {
    const frames = goldenFrames('ApiVersions', version);
    const request = decodeRequest(frames.request);
    const answer = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }, { apiKey: 18, minVersion: 0, maxVersion: 2 }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});
