/** ListGroups (key 16): the groups this broker coordinates. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { ListGroupsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';

export function listGroupsHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.ListGroups> {
  return (): ListGroupsResponse => {
    const { errorCode, groups } = coordinator.listGroups();
    return { errorCode, groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state })) };
  };
}
