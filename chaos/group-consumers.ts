/**
 * The chaos run's consumer group: members that subscribe to the topic, process each polled record
 * (noting its partition and offset in GroupProgress) and only then commit the offsets after what
 * they processed, with auto-commit off, as an at-least-once application does. Faults make
 * members lose their coordinator, rebalance and re-process; the checker then asks whether every
 * acknowledged value was processed and whether any commit skipped an unprocessed record.
 */
import { Consumer } from '../src/client/consumer';
import { type ConsumerRecord } from '../src/client/records';
import type { Logger } from '../src/common/logger';
import { waitFor } from '../src/common/wait';
import { GroupProgress } from './checker';
import { partitionKey } from '../src/common/topic';

export interface ChaosGroupOptions {
  bootstrapServers: string;
  topic: string;
  groupId: string;
  members: number;
  logger: Logger;
}

/** How long one poll waits for records. */
const pollTimeoutMs = 500;
/** After a poll or commit error (a fault), before the next poll. */
const errorBackoffMs = 200;
/** Kafka's minimum session timeout for groups (group.min.session.timeout.ms): members of a killed broker's group are noticed fast. */
const sessionTimeoutMs = 6_000;

export class ChaosGroup {
  readonly progress = new GroupProgress();
  commitFailures = 0;
  pollFailures = 0;
  private readonly consumers: Consumer[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly options: ChaosGroupOptions) {}

  start(): void {
    for (let i = 0; i < this.options.members; i++) {
      const consumer = new Consumer({
        bootstrapServers: this.options.bootstrapServers, clientId: `chaos-member-${i}`, groupId: this.options.groupId,
        enableAutoCommit: false, autoOffsetReset: 'earliest', sessionTimeoutMs, heartbeatIntervalMs: 1_000,
        requestTimeoutMs: 5_000, retryBackoffMs: 100, metadataMaxAgeMs: 5_000, logger: this.options.logger,
      });
      consumer.subscribe([this.options.topic]);
      this.consumers.push(consumer);
      this.loops.push(this.run(consumer));
    }
  }

  /** Poll, process, then commit what was processed: the at-least-once loop. */
  private async run(consumer: Consumer): Promise<void> {
    while (!this.stopped) {
      let records: ConsumerRecord[];
      try {
        records = await consumer.poll(pollTimeoutMs);
      } catch (err) {
        this.pollFailures++;
        this.options.logger.debug(`poll failed: ${(err as Error).message}`);
        await pause(errorBackoffMs);
        continue;
      }
      if (records.length === 0) continue;
      const next = new Map<number, number>();
      for (const r of records) {
        this.progress.processed(r.partition, r.offset);
        next.set(r.partition, Math.max(next.get(r.partition) ?? 0, r.offset + 1));
      }
      const offsets = [...next].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset }));
      try {
        await consumer.commit(offsets);
        for (const o of offsets) this.progress.committed(o.partition, o.offset);
      } catch (err) {
        // Not committed (a rebalance, a coordinator moving): these records may be processed again.
        this.commitFailures++;
        this.options.logger.debug(`commit failed: ${(err as Error).message}`);
        await pause(errorBackoffMs);
      }
    }
  }

  /** Waits until every partition's records below `endOffsets` were processed and committed, or `timeoutMs` passed; false then. */
  async waitCaughtUp(endOffsets: ReadonlyMap<number, number>, timeoutMs: number): Promise<boolean> {
    const consumer = this.consumers[0];
    if (!consumer) return false;
    const partitions = [...endOffsets.keys()].map((partition) => ({ topic: this.options.topic, partition }));
    try {
      await waitFor(async () => {
        for (const [partition, end] of endOffsets) if (this.progress.processedUpTo(partition) < end) return false;
        const committed = await consumer.committed(partitions).catch(() => undefined);
        return committed !== undefined && [...endOffsets].every(([partition, end]) => (committed.get(partitionKey(this.options.topic, partition)) ?? -1) >= end);
      }, { timeoutMs, intervalMs: 500, message: 'the consumer group to process and commit everything' });
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all(this.consumers.map((c) => c.close().catch(() => undefined)));
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
