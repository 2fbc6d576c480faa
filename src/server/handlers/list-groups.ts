/** ListGroups (key 16): the groups this broker coordinates. */
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { ListGroupsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { AuthorizeRequest } from './authorization';
import { CLUSTER_RESOURCE_NAME } from '../../security/acl';

/** Kafka's handleListGroupsRequest: Describe on the cluster lists every group, else only the groups the principal may Describe. */
export function listGroupsHandler(coordinator: GroupCoordinator, authorize: AuthorizeRequest): Handler<typeof ApiKey.ListGroups> {
  return (_body, ctx): ListGroupsResponse => {
    const { errorCode, groups: all } = coordinator.listGroups();
    const groups = authorize(ctx, 'Describe', 'Cluster', CLUSTER_RESOURCE_NAME) ? all : all.filter((g) => authorize(ctx, 'Describe', 'Group', g.groupId, false));
    return { errorCode, groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state })) };
  };
}
