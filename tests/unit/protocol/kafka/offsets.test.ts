/**
 * OffsetCommit 2-7, OffsetFetch 1-5 and OffsetForLeaderEpoch 0-3 on Kafka's protocol: each
 * version's request as kafka-python encodes it decodes into the request Josef's handler takes,
 * Josef's answers encode byte for byte as kafka-python encodes Kafka's, OffsetFetch's group error
 * is where each version puts it, and the requests real clients sent decode.
 */
import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import type { OffsetFetchResponse, OffsetsForLeaderEpochResponse } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { decodeRequest, encodeResponse, goldenFrames, recordedRequest, versions } from '../../../helpers/kafka-golden';

describe('OffsetCommit on Kafka\'s protocol', () => {
  it.each(versions(2, 7))('v%i', (version) => {
    const frames = goldenFrames('OffsetCommit', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      groupId: 'g1', generationId: 3, memberId: 'm-1', groupInstanceId: null,
      // Read and not used: Josef has no offset expiry (offset-commit.ts).
      retentionTimeMs: -1,
      topics: [{ name: 't', partitions: [
        { partition: 0, committedOffset: 42, committedLeaderEpoch: version >= 6 ? 5 : -1, committedMetadata: 'meta' },
        { partition: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null },
      ] }],
    });
    const answer = { topics: [{ name: 't', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE.code }] }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('answers a refused commit with the error for every partition (group.instance.id: UNSUPPORTED_VERSION)', () => {
    const request = decodeRequest(goldenFrames('OffsetCommit', 7).request);
    const failed = encodeResponse(request, new RequestFailure(ErrorCode.UNSUPPORTED_VERSION.code));
    const each = encodeResponse(request, { topics: [{ name: 't', partitions: [{ partition: 0, errorCode: 35 }, { partition: 1, errorCode: 35 }] }] });
    expect(failed).toBe(each);
  });

  it('decodes librdkafka\'s (v7), KafkaJS\'s (v5) and kafka-python\'s (v2) commits', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.OffsetCommit, 7)).body).toMatchObject({ groupId: 'cf-group', groupInstanceId: null, topics: [{ name: 'cf' }] });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.OffsetCommit, 5)).body).toMatchObject({ groupId: 'kj-group', topics: [{ name: 'kj' }] });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.OffsetCommit, 2)).body).toMatchObject({ groupId: 'kp-group-0', retentionTimeMs: -1 });
  });
});

describe('OffsetFetch on Kafka\'s protocol', () => {
  const fetched: OffsetFetchResponse = {
    errorCode: 0,
    topics: [{ name: 't', partitions: [
      { partition: 0, committedOffset: 42, metadata: 'meta', errorCode: 0 },
      { partition: 1, committedOffset: -1, metadata: '', errorCode: 0 },
    ] }],
  };
  const notCoordinator: OffsetFetchResponse = { errorCode: ErrorCode.NOT_COORDINATOR.code, topics: [] };

  it.each(versions(1, 5))('v%i: named partitions, the offsets, and the group\'s error where the version puts it', (version) => {
    const frames = goldenFrames('OffsetFetch', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groupId: 'g1', topics: [{ name: 't', partitions: [0, 1] }] });
    expect(encodeResponse(request, fetched)).toBe(frames.response);
    // v1 has no top-level error: every partition asked for carries it, with offset -1 (Kafka's getErrorResponse).
    expect(encodeResponse(request, notCoordinator)).toBe(frames.groupError);
    expect(encodeResponse(request, new RequestFailure(ErrorCode.NOT_COORDINATOR.code))).toBe(frames.groupError);
  });

  it.each(versions(2, 5))('v%i: null topics ask for every partition the group committed', (version) => {
    expect(decodeRequest(goldenFrames('OffsetFetch', version).requestAll).body).toEqual({ groupId: 'g1', topics: null });
  });

  it('decodes librdkafka\'s (v5), KafkaJS\'s (v4) and kafka-python\'s (v1, v3) fetches', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.OffsetFetch, 5)).body).toEqual({ groupId: 'cf-group', topics: [{ name: 'cf', partitions: [0, 1] }] });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.OffsetFetch, 4)).body).toMatchObject({ groupId: 'kj-group' });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.OffsetFetch, 1)).body).toMatchObject({ groupId: 'kp-group-0' });
    // kafka-python's admin asks for everything the group has.
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.OffsetFetch, 3)).body).toEqual({ groupId: 'kp-group-2', topics: null });
  });
});

describe('OffsetForLeaderEpoch on Kafka\'s protocol', () => {
  it.each(versions(0, 3))('v%i', (version) => {
    const frames = goldenFrames('OffsetForLeaderEpoch', version);
    const request = decodeRequest(frames.request);
    // Before v2 nobody names a current epoch (-1: not checked); before v3 the asker is Kafka's debugging consumer (-2).
    const currentLeaderEpoch = version >= 2 ? 7 : -1;
    expect(request.body).toEqual({
      replicaId: version >= 3 ? 1 : -2,
      topics: [{ name: 't', partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch: 5 }, { partition: 1, currentLeaderEpoch, leaderEpoch: 5 }] }],
    });
    const answer: OffsetsForLeaderEpochResponse = { topics: [{ name: 't', partitions: [
      { partition: 0, errorCode: 0, leaderEpoch: 5, endOffset: 1234 },
      { partition: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code, leaderEpoch: -1, endOffset: -1 },
    ] }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });
});
