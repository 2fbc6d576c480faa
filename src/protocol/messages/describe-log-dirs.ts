/**
 * DescribeLogDirs (key 35, KIP-113): a broker's log dirs, each with the size on disk of the
 * partition logs in it; what `kafka-log-dirs.sh` shows, and how a reassignment's copy is measured
 * in bytes. Kafka's v0 fields; offsetLag and isFuture concern moves between a broker's own log
 * dirs, which Josef does not do (always 0 and false).
 */

export interface DescribeLogDirsTopicRequest {
  topic: string;
  partitions: number[];
}

export interface DescribeLogDirsRequest {
  /** The partitions to describe; null: every partition the broker hosts. */
  topics: DescribeLogDirsTopicRequest[] | null;
}

export interface DescribeLogDirsPartition {
  partition: number;
  /** Bytes of the log's segment files (.log). */
  size: number;
  offsetLag: number;
  isFuture: boolean;
}

export interface DescribeLogDirsResult {
  /** NONE, or KAFKA_STORAGE_ERROR for an offline log dir (listed with no topics). */
  errorCode: number;
  logDir: string;
  topics: { name: string; partitions: DescribeLogDirsPartition[] }[];
}

export interface DescribeLogDirsResponse {
  throttleTimeMs: number;
  results: DescribeLogDirsResult[];
}
