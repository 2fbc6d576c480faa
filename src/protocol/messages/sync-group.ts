/** SyncGroup (key 14): the leader hands in every member's assignment; each member gets its own back. */

export interface SyncGroupRequestAssignment {
  memberId: string;
  /** Opaque to the broker: the consumer's partitions (src/client/consumer-protocol.ts). */
  assignment: Buffer;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** Kafka's group.instance.id (SyncGroup v3+): null or absent, as only dynamic members are served. */
  groupInstanceId?: string | null;
  /** From the leader only; empty from the others. */
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupResponse {
  errorCode: number;
  assignment: Buffer;
}
