/** LeaveGroup (key 13): a member leaves at once instead of letting its session time out. */

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
}

export interface LeaveGroupResponse {
  /** Kafka's v1+ field (Josef does not throttle: always 0); it also keeps this answer apart from a request-level error body. */
  throttleTimeMs: number;
  errorCode: number;
}
