/**
 * group.instance.id (KIP-345) is refused where Kafka refuses it when it cannot serve static members:
 * JoinGroup, SyncGroup, Heartbeat and OffsetCommit answer UNSUPPORTED_VERSION, in each API's own
 * error answer on Kafka's protocol; null, every client's default, goes through to the coordinator.
 */
import { allowEverything } from '../../../src/server/handlers/authorization';
import { ErrorCode } from '../../../src/common/errors';
import type { GroupCoordinator, JoinGroupParams } from '../../../src/group/group-coordinator';
import type { JoinGroupRequest } from '../../../src/protocol/messages';
import { RequestFailure } from '../../../src/protocol/wire-protocol';
import { heartbeatHandler } from '../../../src/server/handlers/heartbeat';
import { joinGroupHandler } from '../../../src/server/handlers/join-group';
import { offsetCommitHandler } from '../../../src/server/handlers/offset-commit';
import { syncGroupHandler } from '../../../src/server/handlers/sync-group';
import type { RequestContext } from '../../../src/server/request-context';
import { decodeRequest, encodeResponse, goldenFrames, hex, int16, int32, str } from '../../helpers/kafka-golden';

const ctx: RequestContext = { protocol: 'kafka', listenerName: 'PLAINTEXT', principal: 'User:ANONYMOUS', clientId: 'c', correlationId: 1, apiVersion: 5, remoteAddress: '127.0.0.1:5555' };

/** Records what reaches the coordinator. */
function recordingCoordinator(): { coordinator: GroupCoordinator; joins: JoinGroupParams[]; calls: string[] } {
  const joins: JoinGroupParams[] = [];
  const calls: string[] = [];
  const coordinator = {
    joinGroup: async (params: JoinGroupParams) => {
      joins.push(params);
      return { errorCode: 0, generationId: 1, protocolName: 'range', leader: 'm', memberId: 'm', members: [] };
    },
    syncGroup: async () => { calls.push('sync'); return { errorCode: 0, assignment: Buffer.alloc(0) }; },
    heartbeat: () => { calls.push('heartbeat'); return 0; },
    commitOffsets: async () => { calls.push('commit'); return [0]; },
  } as unknown as GroupCoordinator;
  return { coordinator, joins, calls };
}

const join = (groupInstanceId: string | null): JoinGroupRequest => ({
  groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, memberId: '', groupInstanceId,
  protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: true,
});

describe('static membership (KIP-345)', () => {
  it('refuses a named instance with UNSUPPORTED_VERSION before the coordinator sees it', async () => {
    const { coordinator, joins, calls } = recordingCoordinator();
    // Some handlers throw at once, others reject: either way the dispatcher answers the JosefError's code.
    const refused = (call: () => unknown): Promise<void> => expect((async () => call())()).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION.code });
    await refused(() => joinGroupHandler(coordinator)(join('instance-1'), ctx));
    await refused(() => syncGroupHandler(coordinator)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: 'instance-1', assignments: [] }, ctx));
    await refused(() => heartbeatHandler(coordinator)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: 'instance-1' }, ctx));
    await refused(() => offsetCommitHandler(coordinator, allowEverything)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: 'instance-1', topics: [] }, ctx));
    expect([joins, calls]).toEqual([[], []]);
  });

  it('serves null, and a join that asks for KIP-394 member ids says so to the coordinator', async () => {
    const { coordinator, joins, calls } = recordingCoordinator();
    await joinGroupHandler(coordinator)(join(null), ctx);
    await syncGroupHandler(coordinator)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, assignments: [] }, ctx);
    heartbeatHandler(coordinator)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }, ctx);
    await offsetCommitHandler(coordinator, allowEverything)({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, topics: [{ name: 't', partitions: [{ partition: 0, committedOffset: 1, committedMetadata: null }] }] }, ctx);
    expect(joins.map((j) => [j.requireKnownMemberId, j.clientHost])).toEqual([[true, '/127.0.0.1']]);
    expect(calls).toEqual(['sync', 'heartbeat', 'commit']);
  });

  it('answers JoinGroup v5\'s refusal as Kafka does: UNSUPPORTED_VERSION, no member id', () => {
    const request = decodeRequest(goldenFrames('JoinGroup', 5).request);
    expect(encodeResponse(request, new RequestFailure(ErrorCode.UNSUPPORTED_VERSION.code)))
      .toBe(hex(int32(7), int32(0), int16(35), int32(-1), str(''), str(''), str(''), int32(0)));
  });
});
