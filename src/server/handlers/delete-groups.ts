/** DeleteGroups (key 42): the coordinator deletes each named group that has no members, with its committed offsets. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { requireArray } from './by-topic';
import type { AuthorizeRequest } from './authorization';
import { ErrorCode } from '../../common/errors';

/** Kafka's handleDeleteGroupsRequest: Delete on each group; a group refused is answered GROUP_AUTHORIZATION_FAILED. */
export function deleteGroupsHandler(coordinator: GroupCoordinator, authorize: AuthorizeRequest): Handler<typeof ApiKey.DeleteGroups> {
  return async (body: DeleteGroupsRequest, ctx): Promise<DeleteGroupsResponse> => {
    // Kafka answers each group once, however often the request names it.
    const groupIds = [...new Set(requireArray(body.groupsNames, 'DeleteGroups.groupsNames'))];
    const refused = groupIds.filter((groupId) => !authorize(ctx, 'Delete', 'Group', groupId));
    const denied = refused.map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED.code }));
    return { results: [...denied, ...await coordinator.deleteGroups(groupIds.filter((g) => !refused.includes(g)))] };
  };
}
