/**
 * LeaveGroup (key 13): members go at once instead of letting their sessions time out. Kafka's
 * version 3 (KIP-345) names several members in one request and answers each; earlier versions
 * name one, and the Kafka codec turns that into a batch of one.
 */

export interface LeavingMember {
  memberId: string;
  /** Kafka's group.instance.id: null for a dynamic member. */
  groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  members: LeavingMember[];
}

export interface LeaveGroupMemberResponse extends LeavingMember {
  errorCode: number;
}

export interface LeaveGroupResponse {
  /** Kafka's v1+ field (Josef does not throttle: always 0); it also keeps this answer apart from a request-level error body. */
  throttleTimeMs: number;
  /** An error of the whole group (NOT_COORDINATOR, ...); each member's own is in `members`. */
  errorCode: number;
  members: LeaveGroupMemberResponse[];
}
