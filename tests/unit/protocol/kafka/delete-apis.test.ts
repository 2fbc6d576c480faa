/**
 * DeleteRecords 0-1 and DeleteGroups 0-1 on Kafka's protocol: kafka-python's requests
 * (DeleteRecords declared with its types, which kafka-python lacks) decode into Josef's shapes,
 * Josef's answers encode byte for byte as kafka-python encodes Kafka's, and a request that fails as
 * a whole is answered for every partition (with no low watermark) or every group it names.
 */
import { ErrorCode } from '../../../../src/common/errors';
import type { DeleteGroupsResponse, DeleteRecordsResponse } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { decodeRequest, encodeResponse, goldenFrames, hex, int16, int32, int64, str, versions } from '../../../helpers/kafka-golden';

describe('DeleteRecords on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('DeleteRecords', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ topics: [{ name: 't', partitions: [{ partition: 0, offset: 12 }, { partition: 1, offset: -1 }] }], timeoutMs: 30_000 });
    const answer: DeleteRecordsResponse = { topics: [{ name: 't', partitions: [
      { partition: 0, lowWatermark: 12, errorCode: 0, errorMessage: null },
      { partition: 1, lowWatermark: -1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER.code, errorMessage: 'broker 1 does not lead t-1 (leader: broker 2)' },
    ] }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('a failed request answers every partition with the error and no low watermark', () => {
    const request = decodeRequest(goldenFrames('DeleteRecords', 1).request);
    const partition = (id: number): Buffer[] => [int32(id), int64(-1), int16(ErrorCode.UNKNOWN_SERVER_ERROR.code)];
    expect(encodeResponse(request, new RequestFailure(ErrorCode.UNKNOWN_SERVER_ERROR.code)))
      .toBe(hex(int32(7), int32(0), int32(1), str('t'), int32(2), ...partition(0), ...partition(1)));
  });
});

describe('DeleteGroups on Kafka\'s protocol', () => {
  it.each(versions(0, 1))('v%i', (version) => {
    const frames = goldenFrames('DeleteGroups', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groupsNames: ['g1', 'g2', 'g3'] });
    const answer: DeleteGroupsResponse = { results: [
      { groupId: 'g1', errorCode: 0 },
      { groupId: 'g2', errorCode: ErrorCode.NON_EMPTY_GROUP.code },
      { groupId: 'g3', errorCode: ErrorCode.GROUP_ID_NOT_FOUND.code },
    ] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('a failed request answers every group with the error', () => {
    const request = decodeRequest(goldenFrames('DeleteGroups', 0).request);
    const group = (id: string): Buffer[] => [str(id), int16(ErrorCode.NOT_COORDINATOR.code)];
    expect(encodeResponse(request, new RequestFailure(ErrorCode.NOT_COORDINATOR.code)))
      .toBe(hex(int32(7), int32(0), int32(3), ...group('g1'), ...group('g2'), ...group('g3')));
  });
});
