/**
 * DescribeGroups 0-4 and ListGroups 0-2 on Kafka's protocol: kafka-python's requests decode into
 * Josef's, Josef's answers encode byte for byte as kafka-python encodes Kafka's, with the
 * authorized operations Kafka gives without an authorizer when asked (v3+) and its "not asked"
 * value otherwise, and a null group.instance.id per member (v4).
 */
import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import { AUTHORIZED_OPERATIONS_OMITTED, GROUP_OPERATIONS_ALL } from '../../../../src/protocol/kafka/messages/describe-groups';
import type { DescribeGroupsResponse } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { decodeRequest, encodeResponse, goldenFrames, hex, int16, int32, recordedRequest, str, versions } from '../../../helpers/kafka-golden';

const described: DescribeGroupsResponse = {
  groups: [
    {
      errorCode: 0, groupId: 'g1', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range',
      members: [{ memberId: 'm-1', clientId: 'c-1', clientHost: '/127.0.0.1', memberMetadata: Buffer.from([1]), memberAssignment: Buffer.from([2]) }],
    },
    { errorCode: ErrorCode.NOT_COORDINATOR.code, groupId: 'g2', groupState: '', protocolType: '', protocolData: '', members: [] },
  ],
};

describe('DescribeGroups on Kafka\'s protocol', () => {
  it.each(versions(0, 4))('v%i', (version) => {
    const frames = goldenFrames('DescribeGroups', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groups: ['g1', 'g2'], includeAuthorizedOperations: version >= 3 });
    expect(encodeResponse(request, described)).toBe(frames.response);
  });

  it('gives every group operation (READ, DELETE, DESCRIBE) only when asked, and only for a described group', () => {
    expect(GROUP_OPERATIONS_ALL).toBe(328);
    const notAsked = decodeRequest(goldenFrames('DescribeGroups', 3).request);
    (notAsked.body as { includeAuthorizedOperations: boolean }).includeAuthorizedOperations = false;
    const frame = Buffer.from(encodeResponse(notAsked, described), 'hex');
    // The first group's operations end its entry: right before the second group's error code and id.
    const secondGroup = frame.indexOf(Buffer.concat([int16(16), int16(2), Buffer.from('g2')]));
    expect(frame.readInt32BE(secondGroup - 4)).toBe(AUTHORIZED_OPERATIONS_OMITTED);
    expect(frame.readInt32BE(frame.length - 4)).toBe(AUTHORIZED_OPERATIONS_OMITTED);
  });

  it('answers a failed request with each group\'s error and empty state, as Kafka does', () => {
    const request = decodeRequest(goldenFrames('DescribeGroups', 0).request);
    const empty = (group: string): Buffer => Buffer.concat([int16(15), str(group), str(''), str(''), str(''), int32(0)]);
    expect(encodeResponse(request, new RequestFailure(ErrorCode.COORDINATOR_NOT_AVAILABLE.code))).toBe(hex(int32(7), int32(2), empty('g1'), empty('g2')));
  });

  it('decodes what librdkafka (v0), KafkaJS (v2) and kafka-python (v3) sent', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.DescribeGroups, 0)).body).toEqual({ groups: ['cf-group', 'kc-group'], includeAuthorizedOperations: false });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.DescribeGroups, 2)).body).toEqual({ groups: ['kj-group'], includeAuthorizedOperations: false });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.DescribeGroups, 3)).body).toEqual({ groups: ['kp-group-2'], includeAuthorizedOperations: false });
  });
});

describe('ListGroups on Kafka\'s protocol', () => {
  it.each(versions(0, 2))('v%i', (version) => {
    const frames = goldenFrames('ListGroups', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({});
    const listed = { errorCode: 0, groups: [{ groupId: 'g1', protocolType: 'consumer', groupState: 'Stable' }, { groupId: 'g2', protocolType: '', groupState: 'Empty' }] };
    expect(encodeResponse(request, listed)).toBe(frames.response);
  });

  it('decodes what librdkafka (v0), KafkaJS (v2) and kafka-python (v1) sent', () => {
    for (const [client, version] of [['confluent', 0], ['kafkajs', 2], ['kafka-python', 1]] as const) {
      expect(decodeRequest(recordedRequest(client, ApiKey.ListGroups, version)).body).toEqual({});
    }
  });
});
