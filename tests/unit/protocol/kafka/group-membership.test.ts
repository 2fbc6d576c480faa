/**
 * FindCoordinator 0-2, JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3 and LeaveGroup 0-3 on Kafka's
 * protocol: each version's request as kafka-python encodes it decodes into the request Josef's
 * handler takes, with what the version means (v0's rebalance timeout, KIP-394 from v4, LeaveGroup's
 * batch); Josef's answers encode byte for byte as kafka-python encodes Kafka's; and the requests
 * librdkafka, KafkaJS and kafka-python really sent decode.
 */
import { ErrorCode } from '../../../../src/common/errors';
import { ApiKey } from '../../../../src/protocol/api-keys';
import type { JoinGroupResponse, LeaveGroupResponse } from '../../../../src/protocol/messages';
import { RequestFailure } from '../../../../src/protocol/wire-protocol';
import { decodeRequest, encodeResponse, goldenFrames, hex, int16, int32, recordedRequest, str, versions } from '../../../helpers/kafka-golden';

describe('FindCoordinator on Kafka\'s protocol', () => {
  it.each(versions(0, 2))('v%i: the group id in, the coordinator\'s address out', (version) => {
    const frames = goldenFrames('FindCoordinator', version);
    const request = decodeRequest(frames.request);
    expect(request).toMatchObject({ apiKey: ApiKey.FindCoordinator, apiVersion: version, correlationId: 7, clientId: 'golden' });
    expect(request.body).toEqual({ key: 'g1', keyType: 0 });
    expect(encodeResponse(request, { errorCode: 0, errorMessage: null, nodeId: 2, host: '127.0.0.1', port: 9093 })).toBe(frames.response);
  });

  it('decodes what kafka-python (v0), librdkafka and KafkaJS (v2) sent', () => {
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.FindCoordinator, 0)).body).toEqual({ key: 'kp-group-0', keyType: 0 });
    expect(decodeRequest(recordedRequest('kcat', ApiKey.FindCoordinator, 2)).body).toEqual({ key: 'kc-group', keyType: 0 });
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.FindCoordinator, 2)).body).toMatchObject({ keyType: 0 });
  });

  it('answers a failed request with no node, as Kafka does', () => {
    const request = decodeRequest(goldenFrames('FindCoordinator', 0).request);
    expect(encodeResponse(request, new RequestFailure(ErrorCode.COORDINATOR_NOT_AVAILABLE.code)))
      .toBe(hex(int32(7), int16(15), int32(-1), str(''), int32(-1)));
  });
});

describe('JoinGroup on Kafka\'s protocol', () => {
  const protocols = [{ name: 'range', metadata: Buffer.from([0, 1, 2]) }, { name: 'roundrobin', metadata: Buffer.alloc(0) }];
  const answer: JoinGroupResponse = {
    errorCode: 0, generationId: 3, protocolName: 'range', leader: 'm-1', memberId: 'm-1',
    members: [{ memberId: 'm-1', metadata: Buffer.from([0, 1, 2]) }, { memberId: 'm-2', metadata: Buffer.from([5]) }],
  };

  it.each(versions(0, 5))('v%i: decodes with what the version means, and answers as Kafka encodes it', (version) => {
    const frames = goldenFrames('JoinGroup', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      groupId: 'g1', sessionTimeoutMs: 10_000,
      // Version 0 has no rebalance timeout: Kafka takes the session timeout for it.
      rebalanceTimeoutMs: version === 0 ? 10_000 : 30_000,
      memberId: 'm-1', groupInstanceId: null, protocolType: 'consumer', protocols,
      // KIP-394 only for the versions that know MEMBER_ID_REQUIRED.
      requireKnownMemberId: version >= 4,
    });
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('answers a failed join with "" for its protocol name (non-nullable before v7) and the MEMBER_ID_REQUIRED member id', () => {
    const request = decodeRequest(goldenFrames('JoinGroup', 4).request);
    const failed: JoinGroupResponse = { errorCode: ErrorCode.MEMBER_ID_REQUIRED.code, generationId: -1, protocolName: null, leader: '', memberId: 'c-new', members: [] };
    expect(encodeResponse(request, failed)).toBe(hex(int32(7), int32(0), int16(79), int32(-1), str(''), str(''), str('c-new'), int32(0)));
  });

  it('decodes librdkafka\'s and KafkaJS\'s first join and rejoin (v5), and kafka-python\'s (v0-v2)', () => {
    const first = decodeRequest(recordedRequest('kcat', ApiKey.JoinGroup, 5, 0)).body;
    const again = decodeRequest(recordedRequest('kcat', ApiKey.JoinGroup, 5, 1)).body;
    expect(first).toMatchObject({ groupId: 'kc-group', memberId: '', groupInstanceId: null, protocolType: 'consumer', requireKnownMemberId: true });
    expect(again).toMatchObject({ groupId: 'kc-group', groupInstanceId: null, requireKnownMemberId: true });
    expect((again as { memberId: string }).memberId).toMatch(/^kcat-/);
    expect(decodeRequest(recordedRequest('kafkajs', ApiKey.JoinGroup, 5)).body).toMatchObject({ groupId: 'kj-group', groupInstanceId: null, protocolType: 'consumer' });
    for (const version of [0, 1, 2]) {
      const body = decodeRequest(recordedRequest('kafka-python', ApiKey.JoinGroup, version)).body as { rebalanceTimeoutMs: number; sessionTimeoutMs: number };
      expect(body).toMatchObject({ groupId: `kp-group-${version}`, memberId: '', requireKnownMemberId: false });
      if (version === 0) expect(body.rebalanceTimeoutMs).toBe(body.sessionTimeoutMs);
    }
  });
});

describe('SyncGroup and Heartbeat on Kafka\'s protocol', () => {
  it.each(versions(0, 3))('SyncGroup v%i', (version) => {
    const frames = goldenFrames('SyncGroup', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({
      groupId: 'g1', generationId: 3, memberId: 'm-1', groupInstanceId: null,
      assignments: [{ memberId: 'm-1', assignment: Buffer.from([0, 1]) }, { memberId: 'm-2', assignment: Buffer.alloc(0) }],
    });
    expect(encodeResponse(request, { errorCode: 0, assignment: Buffer.from([0, 1]) })).toBe(frames.response);
  });

  it.each(versions(0, 3))('Heartbeat v%i', (version) => {
    const frames = goldenFrames('Heartbeat', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groupId: 'g1', generationId: 3, memberId: 'm-1', groupInstanceId: null });
    expect(encodeResponse(request, { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS.code })).toBe(frames.response);
  });

  it('decodes what librdkafka (v3) and kafka-python (v0, v1) sent', () => {
    expect(decodeRequest(recordedRequest('confluent', ApiKey.SyncGroup, 3)).body).toMatchObject({ groupId: 'cf-group', groupInstanceId: null });
    expect(decodeRequest(recordedRequest('confluent', ApiKey.Heartbeat, 3)).body).toMatchObject({ groupId: 'cf-group', groupInstanceId: null });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.SyncGroup, 1)).body).toMatchObject({ groupId: 'kp-group-2', generationId: 1 });
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.Heartbeat, 0)).body).toMatchObject({ generationId: 1 });
  });
});

describe('LeaveGroup on Kafka\'s protocol', () => {
  it.each(versions(0, 2))('v%i: one member in, and its error as the answer\'s (Kafka\'s folding)', (version) => {
    const frames = goldenFrames('LeaveGroup', version);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: null }] });
    const answer: LeaveGroupResponse = { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'm-1', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID.code }] };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('v3: several members in, each answered', () => {
    const frames = goldenFrames('LeaveGroup', 3);
    const request = decodeRequest(frames.request);
    expect(request.body).toEqual({ groupId: 'g1', members: [{ memberId: 'm-1', groupInstanceId: null }, { memberId: 'm-2', groupInstanceId: null }] });
    const answer: LeaveGroupResponse = {
      throttleTimeMs: 0, errorCode: 0,
      members: [{ memberId: 'm-1', groupInstanceId: null, errorCode: 0 }, { memberId: 'm-2', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID.code }],
    };
    expect(encodeResponse(request, answer)).toBe(frames.response);
  });

  it('answers versions 0-2 with the group\'s error before any member\'s', () => {
    const request = decodeRequest(goldenFrames('LeaveGroup', 1).request);
    const answer: LeaveGroupResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR.code, members: [] };
    expect(encodeResponse(request, answer)).toBe(hex(int32(7), int32(0), int16(16)));
  });

  it('decodes librdkafka\'s (v1), KafkaJS\'s (v3) and kafka-python\'s (v0) leave', () => {
    expect(decodeRequest(recordedRequest('kcat', ApiKey.LeaveGroup, 1)).body).toMatchObject({ groupId: 'kc-group', members: [{ groupInstanceId: null }] });
    const kafkajs = decodeRequest(recordedRequest('kafkajs', ApiKey.LeaveGroup, 3)).body as { members: unknown[] };
    expect(kafkajs).toMatchObject({ groupId: 'kj-group', members: [{ groupInstanceId: null }] });
    expect(kafkajs.members).toHaveLength(1);
    expect(decodeRequest(recordedRequest('kafka-python', ApiKey.LeaveGroup, 0)).body).toMatchObject({ members: [{ groupInstanceId: null }] });
  });
});
