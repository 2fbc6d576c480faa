/** ControlledShutdown (key 7), broker -> controller: move my leaderships away before I stop. */
export interface ControlledShutdownRequest {
  brokerId: number;
  brokerEpoch: number;
}

export interface ControlledShutdownResponse {
  errorCode: number;
  remainingPartitions: { topic: string; partition: number }[];
}
