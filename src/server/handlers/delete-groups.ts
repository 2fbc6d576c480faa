/** DeleteGroups (key 42): the coordinator deletes each named group that has no members, with its committed offsets. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { requireArray } from './by-topic';

export function deleteGroupsHandler(coordinator: GroupCoordinator): Handler<typeof ApiKey.DeleteGroups> {
  return async (body: DeleteGroupsRequest): Promise<DeleteGroupsResponse> => {
    // Kafka answers each group once, however often the request names it.
    const groupIds = [...new Set(requireArray(body.groupsNames, 'DeleteGroups.groupsNames'))];
    return { results: await coordinator.deleteGroups(groupIds) };
  };
}
