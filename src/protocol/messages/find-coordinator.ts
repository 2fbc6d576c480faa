/** FindCoordinator (key 10): which broker coordinates a group (the leader of its __consumer_offsets partition). */

/** Kafka's CoordinatorType: 0 = group (1 = transaction, which Josef does not have). */
export const COORDINATOR_TYPE_GROUP = 0;

export interface FindCoordinatorRequest {
  /** The group id. */
  key: string;
  keyType: number;
}

export interface FindCoordinatorResponse {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}
