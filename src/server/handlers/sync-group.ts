/** SyncGroup (key 14): the leader's assignment in, each member's own assignment out. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { requireArray } from './by-topic';
import { refuseStaticMember } from './static-membership';

export function syncGroupHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.SyncGroup> {
  return (body: SyncGroupRequest): Promise<SyncGroupResponse> => {
    refuseStaticMember(body.groupInstanceId, 'SyncGroup');
    const assignments = requireArray(body.assignments ?? [], 'SyncGroup.assignments')
      .map((a) => ({ memberId: String(a.memberId), assignment: Buffer.from(a.assignment ?? []) }));
    return coordinator.syncGroup(body.groupId, body.generationId, body.memberId, assignments);
  };
}
