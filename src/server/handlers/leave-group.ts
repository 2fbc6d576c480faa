/** LeaveGroup (key 13): the member goes at once and the group rebalances without it. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';

export function leaveGroupHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.LeaveGroup> {
  return (body: LeaveGroupRequest): LeaveGroupResponse => ({ throttleTimeMs: 0, errorCode: coordinator.leaveGroup(body.groupId, body.memberId) });
}
