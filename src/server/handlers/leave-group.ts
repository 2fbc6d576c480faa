/** LeaveGroup (key 13): the members go at once, each answered on its own, and the group rebalances without them. */
import { ErrorCode, JosefError } from '../../common/errors';
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { requireArray } from './by-topic';

export function leaveGroupHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.LeaveGroup> {
  return (body: LeaveGroupRequest): LeaveGroupResponse => {
    const members = requireArray(body.members, 'LeaveGroup.members').map((m) => {
      if (typeof m?.memberId !== 'string') throw new JosefError(ErrorCode.INVALID_REQUEST, 'LeaveGroup: a member without a member id');
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null };
    });
    return { throttleTimeMs: 0, ...coordinator.leaveGroup(body.groupId, members) };
  };
}
