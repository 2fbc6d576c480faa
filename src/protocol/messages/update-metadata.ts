/**
 * UpdateMetadata (key 6), controller -> every broker: the cluster view its metadata cache serves.
 * Each live broker comes with every endpoint it registered, so a broker can answer Metadata with
 * the addresses of the listener a request came in on (Kafka's UpdateMetadataBroker and UpdateMetadataEndpoint).
 */

export interface UpdateMetadataPartitionState {
  topic: string;
  partition: number;
  controllerEpoch: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  zkVersion: number;
  replicas: number[];
  offlineReplicas: number[];
}

export interface UpdateMetadataEndpoint {
  port: number;
  host: string;
  /** The listener name (upper case). */
  listener: string;
  /** Kafka's id of the listener's security protocol (SecurityProtocol in src/common/endpoint.ts). */
  securityProtocol: number;
}

export interface UpdateMetadataBroker {
  id: number;
  endpoints: UpdateMetadataEndpoint[];
  rack: string | null;
}

export interface UpdateMetadataRequest {
  controllerId: number;
  controllerEpoch: number;
  brokerEpoch: number;
  partitionStates: UpdateMetadataPartitionState[];
  liveBrokers: UpdateMetadataBroker[];
  /** Topics removed since the last update (deleted topics leave the cache). */
  deletedTopics: string[];
}

export interface UpdateMetadataResponse {
  errorCode: number;
}
