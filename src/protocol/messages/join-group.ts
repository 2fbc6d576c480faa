/**
 * JoinGroup (key 11): a member asks to be part of the group's next generation. The answer comes
 * once the rebalance completes; the leader's answer lists every member's metadata so it can assign.
 */

export interface JoinGroupRequestProtocol {
  /** An assignor name for consumers ("range", "roundrobin"). */
  name: string;
  /** Opaque to the broker: the consumer's subscription (src/client/consumer-protocol.ts). */
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** "" on a first join: the coordinator gives the member its id. */
  memberId: string;
  /**
   * Kafka's group.instance.id (KIP-345 static membership, JoinGroup v5+); null or absent for a
   * dynamic member, the only kind Josef serves (src/server/handlers/static-membership.ts).
   */
  groupInstanceId?: string | null;
  /**
   * KIP-394: a first join with an empty member id gets a member id and MEMBER_ID_REQUIRED, and
   * joins again with that id. Kafka asks it of JoinGroup v4+ only; absent means false.
   */
  requireKnownMemberId?: boolean;
  protocolType: string;
  protocols: JoinGroupRequestProtocol[];
}

export interface JoinGroupResponseMember {
  memberId: string;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Every member, for the leader only; empty for the others. */
  members: JoinGroupResponseMember[];
}
