/** LeaveGroup (key 13): a member leaves at once instead of letting its session time out. */

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
}

export interface LeaveGroupResponse {
  errorCode: number;
}
