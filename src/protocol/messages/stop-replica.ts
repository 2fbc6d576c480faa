/** StopReplica (key 5), controller -> broker: stop serving (and optionally delete) partitions. */
export interface StopReplicaRequest {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
  deletePartitions: boolean;
  partitions: { topic: string; partition: number }[];
}

export interface StopReplicaResponse {
  errorCode: number;
  partitions: { topic: string; partition: number; errorCode: number }[];
}
