/**
 * CreateTopics 0-4, DeleteTopics 0-3 and DescribeLogDirs 0-1 on Kafka's protocol: kafka-python's
 * requests decode into Josef's (configs as a record, validateOnly false before v1, -1 counts kept
 * for the broker's defaults), Josef's answers encode byte for byte as kafka-python encodes
 * Kafka's, and DeleteTopics says "deletion disabled" as each version can.
 */
import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import type { CreateTopicsResponse, DeleteTopicsResponse, DescribeLogDirsResponse } from '../../../../src/protocol/messages';
import { decodeRequest, encodeResponse, goldenFrames, hex, int16, int32, recordedRequest, str, versions } from '../../../helpers/kafka-golden';

describe('CreateTopics on Kafka\'s protocol', () => {
  it.each(versions(0, 4))('v%i', (version) => {
    const frames = goldenFrames('CreateTopics', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      topics: [
        { name: 't1', numPartitions: 3, replicationFactor: 2, assignments: [], configs: { 'retention.ms': '60000' } },
        { name: 't2', numPartitions: -1, replicationFactor: -1, assignments: [{ partition: 0, brokerIds: [1, 2] }, { partition: 1, brokerIds: [2, 3] }], configs: {} },
      ],
      timeoutMs: 5000,
      validateOnly: version >= 1,
    });
    const answer: CreateTopicsResponse = { topics: [
      { name: 't1', errorCode: 0, errorMessage: null },
      { name: 't2', errorCode: ErrorCode.TOPIC_ALREADY_EXISTS.code, errorMessage: 'topic t2 already exists' },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('keeps a null config value for the broker to refuse (Kafka: INVALID_REQUEST)', () => {
    const frame = hex(int16(ApiKey.CreateTopics), int16(4), int32(7), str('golden'),
      int32(1), str('t'), int32(-1), int16(-1), int32(0), int32(1), str('cleanup.policy'), str(null), int32(1000), Buffer.from([0]));
    expect(decodeRequest(frame).body).toEqual({
      topics: [{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [], configs: { 'cleanup.policy': null } }], timeoutMs: 1000, validateOnly: false,
    });
  });

  it('decodes librdkafka\'s (v4, -1 replication factor: KIP-464), KafkaJS\'s and kafka-python\'s (v3) requests', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.CreateTopics, 4)).body).toMatchObject({
      topics: [{ name: 'cf', numPartitions: 2, replicationFactor: -1, configs: { 'retention.ms': '600000' } }], validateOnly: false,
    });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.CreateTopics, 3)).body).toMatchObject({ topics: [{ name: 'kj', numPartitions: 2, replicationFactor: 1, configs: {} }] });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.CreateTopics, 3)).body).toMatchObject({ topics: [{ name: 'kp', numPartitions: 2 }], timeoutMs: 20_000 });
  });
});

describe('DeleteTopics on Kafka\'s protocol', () => {
  it.each(versions(0, 3))('v%i', (version) => {
    const frames = goldenFrames('DeleteTopics', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ topicNames: ['t1', 't2'], timeoutMs: 5000 });
    const answer: DeleteTopicsResponse = { responses: [
      { name: 't1', errorCode: 0, errorMessage: null },
      { name: 't2', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code, errorMessage: 'topic t2 does not exist' },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it.each([[0, ErrorCode.INVALID_REQUEST.code], [2, ErrorCode.INVALID_REQUEST.code], [3, ErrorCode.TOPIC_DELETION_DISABLED.code]])(
    'v%i says delete.topic.enable=false with error %i, as Kafka does', (version, expected) => {
      const request = decodeRequest(goldenFrames('DeleteTopics', version).request);
      const disabled: DeleteTopicsResponse = { responses: [{ name: 't1', errorCode: ErrorCode.TOPIC_DELETION_DISABLED.code, errorMessage: 'off' }] };
      const frame = Buffer.from(encodeResponse(request, disabled), 'hex');
      expect(frame.readInt16BE(frame.length - 2)).toBe(expected);
    });

  it('decodes what librdkafka, KafkaJS (v1) and kafka-python (v3) sent', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.DeleteTopics, 1)).body).toMatchObject({ topicNames: ['cf'] });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.DeleteTopics, 1)).body).toMatchObject({ topicNames: ['kj'] });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.DeleteTopics, 3)).body).toEqual({ topicNames: ['kp'], timeoutMs: 20_000 });
  });
});

describe('DescribeLogDirs on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('DescribeLogDirs', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ topics: [{ topic: 't', partitions: [0, 1] }] });
    expect(decodeRequest(frames.requestAll).body).toEqual({ topics: null });
    const answer: DescribeLogDirsResponse = { throttleTimeMs: 0, results: [
      { errorCode: 0, logDir: '/data/a', topics: [{ name: 't', partitions: [{ partition: 0, size: 1000, offsetLag: 0, isFuture: false }] }] },
      { errorCode: ErrorCode.KAFKA_STORAGE_ERROR.code, logDir: '/data/b', topics: [] },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});
