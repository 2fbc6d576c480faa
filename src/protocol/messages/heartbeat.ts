/** Heartbeat (key 12): a member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin. */

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** Kafka's group.instance.id (Heartbeat v3+): null or absent, as only dynamic members are served. */
  groupInstanceId?: string | null;
}

export interface HeartbeatResponse {
  /** Kafka's v1+ field (Josef does not throttle: always 0); it also keeps this answer apart from a request-level error body. */
  throttleTimeMs: number;
  errorCode: number;
}
