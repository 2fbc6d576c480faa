/**
 * What `npm run bench -- compare` asks of every system it measures: start a server (or cluster),
 * run the same three workloads against it, report the server's peak resident memory, stop. Each
 * system is one module in this folder; none of them knows of the others.
 */
import type { LatencySummary, Progress } from '../harness';

/** One timed pass of moving records: how many, how many value bytes, how long. */
export interface PeerRun {
  records: number;
  bytes: number;
  elapsedMs: number;
}

/** The fixed-rate end-to-end run: `records` records at `rate` per second, the first `warmupRecords` not counted. */
export interface E2ePlan {
  rate: number;
  records: number;
  warmupRecords: number;
  recordSize: number;
}

/** What every measured system offers; methods are called in the order they are declared. */
export interface Peer {
  /** Its key in the JSON line (`josef`, `redis`, ...). */
  readonly name: string;
  /** What the table calls it, settings included. */
  readonly title: string;
  /** Why it cannot run here (its server is not installed), or undefined when it can. */
  missing(): string | undefined;
  start(progress: Progress): Promise<void>;
  /** One producer writes `records` values of `recordSize` bytes as fast as the server takes them. */
  produce(records: number, recordSize: number): Promise<PeerRun>;
  /** One consumer reads everything produce wrote, from the beginning. */
  consume(records: number): Promise<PeerRun>;
  /** Send-to-receive latency at a fixed rate, on a fresh topic or stream. */
  e2e(plan: E2ePlan): Promise<LatencySummary>;
  /** The largest peak resident set of its server processes so far, in MB (2^20 bytes). */
  peakRssMB(): number;
  /** Stops the servers and removes their files; safe after a failed start. */
  stop(): Promise<void>;
}
