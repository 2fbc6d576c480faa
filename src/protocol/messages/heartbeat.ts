/** Heartbeat (key 12): a member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin. */

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface HeartbeatResponse {
  errorCode: number;
}
