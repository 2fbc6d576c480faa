/** DescribeGroups (key 15): state, protocol and members of groups this broker coordinates. */

export interface DescribeGroupsRequest {
  groups: string[];
  /** Kafka's v3+ flag: answer each group's authorized operations (Josef has no authorizer: all of them). */
  includeAuthorizedOperations?: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** The member's subscription for the chosen protocol. */
  memberMetadata: Buffer;
  /** The member's assignment (empty until the group is Stable). */
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable or Dead. */
  groupState: string;
  protocolType: string;
  /** The chosen protocol (assignor name). */
  protocolData: string;
  members: DescribedGroupMember[];
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}
