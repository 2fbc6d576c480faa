/** Produce (key 0): record batches for partitions this broker leads. */
import type { ByTopic } from './common';

export interface ProducePartitionData {
  partition: number;
  /** One or more whole v2 record batches, exactly the bytes the log will store. */
  records: Buffer;
}

export interface ProduceRequest {
  /** 0: no response at all; 1: after the leader's append; -1 (all): once the ISR has it. */
  acks: 0 | 1 | -1;
  timeoutMs: number;
  topics: ByTopic<ProducePartitionData>[];
}

export interface ProducePartitionResponse {
  partition: number;
  errorCode: number;
  errorMessage?: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface ProduceResponse {
  topics: ByTopic<ProducePartitionResponse>[];
  throttleTimeMs: number;
}
