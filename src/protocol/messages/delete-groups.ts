/** DeleteGroups (key 42): each group's coordinator deletes the group, with its committed offsets, if it has no members. */

export interface DeleteGroupsRequest {
  groupsNames: string[];
}

export interface DeletableGroupResult {
  groupId: string;
  /** NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when there is no such group. */
  errorCode: number;
}

export interface DeleteGroupsResponse {
  results: DeletableGroupResult[];
}
