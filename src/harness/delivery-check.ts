/**
 * Did every acknowledged write survive? A producer loop that writes numbered values and keeps
 * the ones the cluster acknowledged, readers that read a topic back to its end (at once, or live
 * and then to its end), and the pure verdict comparing the two (what Jepsen-style checkers do for
 * Kafka): lost = acknowledged but never read; duplicates = read more than once (a retried send, as
 * Kafka without idempotence).
 */
import type { Logger } from '../common/logger';
import { Consumer } from '../client/consumer';
import { Producer, type ProducerOptions } from '../client/producer';
import type { ConsumerRecord, RecordMetadata, TopicPartition } from '../client/records';
import { partitionKey } from '../common/topic';

export interface DeliveryVerdict {
  acknowledged: number;
  consumed: number;
  /** Acknowledged values never read back, in order. */
  lost: string[];
  /** Values read more than once, with how many extra copies in all. */
  duplicates: number;
  /** Values read that were never acknowledged (sends that failed or were cut short but landed). */
  unacknowledgedButWritten: number;
}

export function deliveryVerdict(acknowledged: Iterable<string>, consumed: Iterable<string>): DeliveryVerdict {
  const acked = new Set(acknowledged);
  const seen = new Map<string, number>();
  let consumedCount = 0;
  for (const value of consumed) {
    consumedCount++;
    seen.set(value, (seen.get(value) ?? 0) + 1);
  }
  let duplicates = 0;
  let unacknowledgedButWritten = 0;
  for (const [value, count] of seen) {
    duplicates += count - 1;
    if (!acked.has(value)) unacknowledgedButWritten++;
  }
  return {
    acknowledged: acked.size,
    consumed: consumedCount,
    lost: [...acked].filter((v) => !seen.has(v)),
    duplicates,
    unacknowledgedButWritten,
  };
}

export interface AckedWriterOptions {
  bootstrapServers: string;
  topic: string;
  /** Values are `${prefix}-${n}`. */
  prefix?: string;
  /** Sends awaiting their acknowledgement at most (backpressure). */
  inFlightMax?: number;
  producer?: Omit<ProducerOptions, 'bootstrapServers'>;
  /** Sends per second at most, so a person can follow the counts (default: as fast as acknowledgements allow). */
  ratePerSec?: number;
  logger?: Logger;
  /** Called with each acknowledged value and where it was written, as it is acknowledged (e.g. to time unavailability). */
  onAcknowledged?: (value: string, metadata: RecordMetadata) => void;
}

/** A paced writer further behind its schedule than this starts the schedule again. */
const paceBacklogMsMax = 1_000;

/** Writes numbered values until stopped, counting what was sent, acknowledged and failed. */
export class AckedWriter {
  readonly acknowledged: string[] = [];
  readonly failures: string[] = [];
  sent = 0;
  private readonly producer: Producer;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ackListeners = new Set<() => void>();
  /** Where the rate's schedule counts from. */
  private pace = { fromMs: 0, fromCount: 0 };

  constructor(private readonly options: AckedWriterOptions) {
    this.producer = new Producer({ acks: 'all', lingerMs: 1, ...options.producer, bootstrapServers: options.bootstrapServers, logger: options.logger });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once `count` more values than now have been acknowledged; rejects after `timeoutMs`. */
  acknowledgedMore(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged.length + count;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ackListeners.delete(check);
        const lastFailure = this.failures[this.failures.length - 1];
        reject(new Error(`${this.acknowledged.length} of ${target} values acknowledged after ${timeoutMs} ms (${this.failures.length} failed${lastFailure ? `, last: ${lastFailure}` : ''})`));
      }, timeoutMs);
      const check = (): void => {
        if (this.acknowledged.length < target) return;
        this.ackListeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      this.ackListeners.add(check);
      check();
    });
  }

  private async run(): Promise<void> {
    const inFlightMax = this.options.inFlightMax ?? 100;
    const prefix = this.options.prefix ?? this.options.topic;
    this.pace = { fromMs: Date.now(), fromCount: this.sent };
    while (!this.stopping) {
      if (this.inFlight.size >= inFlightMax) {
        await Promise.race(this.inFlight);
        continue;
      }
      const pacedMs = this.paceMs();
      if (pacedMs > 0) {
        // Pacing a rate, not waiting for state.
        await new Promise((resolve) => setTimeout(resolve, pacedMs));
        continue;
      }
      const value = `${prefix}-${this.sent++}`;
      const sending: Promise<void> = this.producer.send({ topic: this.options.topic, value }).then(
        (metadata) => {
          this.acknowledged.push(value);
          this.options.onAcknowledged?.(value, metadata);
          for (const listener of [...this.ackListeners]) listener();
        },
        (err: Error) => {
          this.failures.push(`${value}: ${err.message}`);
        },
      ).finally(() => this.inFlight.delete(sending));
      this.inFlight.add(sending);
      // Let the sender run between sends.
      if (this.sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * How long to hold the next send back to keep to ratePerSec; 0 to send now. After a stall (a
   * failover) the schedule starts again from now rather than sending the backlog in one burst.
   */
  private paceMs(): number {
    const rate = this.options.ratePerSec;
    if (rate === undefined || rate <= 0) return 0;
    const nowMs = Date.now();
    let dueAtMs = this.pace.fromMs + ((this.sent - this.pace.fromCount) * 1000) / rate;
    if (dueAtMs < nowMs - paceBacklogMsMax) {
      this.pace = { fromMs: nowMs, fromCount: this.sent };
      dueAtMs = nowMs;
    }
    return Math.max(0, Math.ceil(dueAtMs - nowMs));
  }

  /** Stops sending, waits for every send's outcome and closes the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.producer.close();
  }
}

/** Reads every partition of `topic` from its start to its end offset (the high watermark) as strings. */
export async function readAllValues(bootstrapServers: string, topic: string, timeoutMs = 60_000, logger?: Logger): Promise<string[]> {
  return (await readAllRecords(bootstrapServers, topic, timeoutMs, logger)).map((r) => r.value);
}

export interface ReadRecord {
  partition: number;
  offset: number;
  value: string;
}

/** Every record of every partition of `topic`, from the start to the end offset each had when reading began. */
export async function readAllRecords(bootstrapServers: string, topic: string, timeoutMs = 60_000, logger?: Logger): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  await readToEnd(bootstrapServers, topic, (r) => records.push({ partition: r.partition, offset: r.offset, value: r.value?.toString() ?? '' }), timeoutMs, logger);
  return records;
}

/**
 * Hands `onRecord` every record of every partition of `topic`, from the start to the end offset
 * each had when reading began, as the consumer returns them (keys, values and headers as bytes).
 */
export async function readToEnd(bootstrapServers: string, topic: string, onRecord: (record: ConsumerRecord) => void, timeoutMs = 60_000, logger?: Logger): Promise<void> {
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', logger });
  try {
    const partitions: TopicPartition[] = await consumer.partitionsFor(topic, timeoutMs);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    const ends = await consumer.endOffsets(partitions, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const done = async (): Promise<boolean> => {
      for (const tp of partitions) {
        if ((await consumer.position(tp, timeoutMs)) < (ends.get(partitionKey(tp.topic, tp.partition)) ?? 0)) return false;
      }
      return true;
    };
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`reading ${topic} back did not reach its end offsets within ${timeoutMs} ms`);
      for (const record of await consumer.poll(500)) {
        if (record.offset < (ends.get(partitionKey(record.topic, record.partition)) ?? 0)) onRecord(record);
      }
    }
  } finally {
    await consumer.close();
  }
}

/**
 * Reads every partition of a topic from its beginning while a story runs (what a consumer sees
 * live), then, on finish(), on to the end offsets (high watermarks) of that moment, as readAllValues does.
 * With a group id it is the one member of that (new) consumer group, so it is assigned every
 * partition and follows the group through a coordinator's failover; else it assigns them itself.
 */
export class ValueReader {
  readonly values: string[] = [];
  private readonly consumer: Consumer;
  private partitions: TopicPartition[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(bootstrapServers: string, private readonly topic: string, logger?: Logger, private readonly groupId?: string) {
    this.consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest', logger, groupId });
  }

  /** Subscribes (with a group id) or assigns every partition of the topic from its first offset, and polls until finish(). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.partitions = await this.consumer.partitionsFor(this.topic, timeoutMs);
    if (this.groupId === undefined) {
      this.consumer.assign(this.partitions);
      this.consumer.seekToBeginning(this.partitions);
    } else {
      this.consumer.subscribe([this.topic]);
    }
    this.loop = (async () => {
      while (!this.stopping) this.take(await this.consumer.poll(250));
    })();
  }

  /** Stops the live loop, reads on to the current end offsets, closes the consumer and returns every value read. */
  async finish(timeoutMs = 60_000): Promise<string[]> {
    this.stopping = true;
    try {
      await this.loop;
      const ends = await this.consumer.endOffsets(this.partitions, timeoutMs);
      const deadline = Date.now() + timeoutMs;
      const behind = async (): Promise<boolean> => {
        // A group member that is rebalancing has no assignment yet: polling lets it rejoin.
        const assigned = this.consumer.assignment();
        for (const tp of this.partitions) {
          if (!assigned.some((a) => a.topic === tp.topic && a.partition === tp.partition)) return true;
          if ((await this.consumer.position(tp, timeoutMs)) < (ends.get(partitionKey(tp.topic, tp.partition)) ?? 0)) return true;
        }
        return false;
      };
      while (await behind()) {
        if (Date.now() > deadline) throw new Error(`reading ${this.topic} did not reach its end offsets within ${timeoutMs} ms`);
        this.take(await this.consumer.poll(500));
      }
      return this.values;
    } finally {
      await this.consumer.close();
    }
  }

  private take(records: ReadonlyArray<{ value: Buffer | null }>): void {
    for (const record of records) this.values.push(record.value?.toString() ?? '');
  }
}
