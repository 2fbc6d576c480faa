/** JoinGroup (key 11): answered by the group coordinator once the rebalance completes. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { RequestContext } from '../request-context';
import { requireArray } from './by-topic';
import { refuseStaticMember } from './static-membership';

/** Kafka's clientHost: "/" and the peer's address. */
export function clientHostOf(ctx: RequestContext): string {
  const host = ctx.remoteAddress.replace(/:\d+$/, '');
  return `/${host}`;
}

export function joinGroupHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.JoinGroup> {
  return async (body: JoinGroupRequest, ctx): Promise<JoinGroupResponse> => {
    refuseStaticMember(body.groupInstanceId, 'JoinGroup');
    const protocols = requireArray(body.protocols, 'JoinGroup.protocols').map((p) => ({ name: String(p.name), metadata: Buffer.from(p.metadata ?? []) }));
    return coordinator.joinGroup({
      groupId: body.groupId,
      memberId: body.memberId ?? '',
      clientId: ctx.clientId ?? '',
      clientHost: clientHostOf(ctx),
      rebalanceTimeoutMs: body.rebalanceTimeoutMs ?? body.sessionTimeoutMs,
      sessionTimeoutMs: body.sessionTimeoutMs,
      protocolType: body.protocolType,
      protocols,
      requireKnownMemberId: body.requireKnownMemberId === true,
    });
  };
}
