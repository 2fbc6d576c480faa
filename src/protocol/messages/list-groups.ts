/** ListGroups (key 16): the groups this broker coordinates. */

export type ListGroupsRequest = Record<string, never>;

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** Kafka's ListGroups v4 field. */
  groupState: string;
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: ListedGroup[];
}
