/** DescribeGroups (key 15): state, protocol and members of each named group. */
import { ErrorCode } from '../../common/errors';
import type { GroupCoordinator } from '../../group/group-coordinator';
import { ApiKey } from '../../protocol/api-keys';
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribedGroup } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { requireArray } from './by-topic';
import type { AuthorizeRequest } from './authorization';

/** Kafka's handleDescribeGroupRequest: Describe on each group; a group refused is answered GROUP_AUTHORIZATION_FAILED. */
export function describeGroupsHandler(coordinator: GroupCoordinator, authorize: AuthorizeRequest): Handler<typeof ApiKey.DescribeGroups> {
  return (body: DescribeGroupsRequest, ctx): DescribeGroupsResponse => ({
    groups: requireArray(body.groups, 'DescribeGroups.groups').map((groupId): DescribedGroup => {
      const { errorCode, group } = authorize(ctx, 'Describe', 'Group', groupId)
        ? coordinator.describeGroup(groupId)
        : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED.code, group: undefined };
      // Kafka: a group it cannot describe has an empty state; one it does not know is Dead.
      const described: DescribedGroup = { errorCode, groupId, groupState: errorCode === ErrorCode.NONE.code ? 'Dead' : '', protocolType: '', protocolData: '', members: [] };
      if (errorCode !== ErrorCode.NONE.code || !group) return described;
      const protocol = group.protocolName;
      return {
        ...described,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: protocol ?? '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
          memberMetadata: protocol !== null && m.protocols.some((p) => p.name === protocol) ? m.metadataFor(protocol) : Buffer.alloc(0),
          memberAssignment: m.assignment,
        })),
      };
    }),
  });
}
