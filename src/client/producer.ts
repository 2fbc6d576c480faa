/**
 * The producer (Kafka's KafkaProducer): `send` picks the partition, appends the record to that
 * partition's batch in the RecordAccumulator and returns a promise of where it landed; the
 * Sender ships batches to leaders. The bytes held are bounded by `bufferMemory`: a send that
 * finds no room (or no metadata for its topic yet) waits in a FIFO queue, itself bounded, for at
 * most `maxBlockMs` — Kafka's blocking send, without blocking the event loop.
 */
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { RecordInput } from '../protocol/record-batch';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options';
import type { Cluster, TopicInfo } from './cluster';
import { ConnectionPool } from './connection-pool';
import { isFatalTopicError, Metadata } from './metadata';
import { partitionForKey, StickyPartitionCache, type RandomInt } from './partitioner';
import { FutureRecordMetadata } from './producer-batch';
import { RecordAccumulator, type AppendResult } from './record-accumulator';
import { toRecordInput, type ProducerRecord, type RecordMetadata } from './records';
import { Sender } from './sender';

export type Acks = 0 | 1 | -1 | 'all';

export interface ProducerOptions extends ClientOptions {
  /** Kafka 2.x's default, 1 (Kafka 3.0 moved to all with idempotence, which Josef does not have). */
  acks?: Acks;
  /** Kafka's batch.size (16384 bytes). */
  batchSize?: number;
  /**
   * Kafka's linger.ms. 0 as in Kafka 2.x (Kafka 4.0 made it 5): batches still fill while the
   * sender is busy, and a lone record is not held back.
   */
  lingerMs?: number;
  /** Kafka's buffer.memory (32 MiB). */
  bufferMemory?: number;
  /** Kafka's max.request.size (1 MiB): also the largest record accepted. */
  maxRequestSize?: number;
  /** Kafka's max.in.flight.requests.per.connection (5). Above 1, a retry can reorder a partition's records, as in Kafka without idempotence. */
  maxInFlightRequestsPerConnection?: number;
  /** Kafka's retries (Integer.MAX_VALUE since 2.1): delivery.timeout.ms is the real bound. */
  retries?: number;
  /** Kafka's delivery.timeout.ms (120000). */
  deliveryTimeoutMs?: number;
  /** Kafka's max.block.ms (60000): how long a send may wait for metadata or buffer room. */
  maxBlockMs?: number;
  /** Random source of the sticky partitioner (tests pass a seeded one). */
  randomInt?: RandomInt;
}

export const BATCH_SIZE_DEFAULT = 16_384;
export const LINGER_MS_DEFAULT = 0;
export const BUFFER_MEMORY_DEFAULT = 32 * 1024 * 1024;
export const MAX_REQUEST_SIZE_DEFAULT = 1024 * 1024;
export const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT = 5;
export const DELIVERY_TIMEOUT_MS_DEFAULT = 120_000;
export const MAX_BLOCK_MS_DEFAULT = 60_000;

/** Bytes of a record beyond its key, value and headers, at most (varint lengths, deltas, attributes). */
const recordOverheadBytesMax = 26;

/** A send waiting for metadata or buffer room. */
interface BlockedSend {
  topic: string;
  partition: number | undefined;
  input: RecordInput;
  timestamp: number;
  bytes: number;
  future: FutureRecordMetadata;
  deadlineMs: number;
}

export class Producer {
  private readonly options: ResolvedClientOptions;
  private readonly logger: Logger;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly sticky: StickyPartitionCache;
  private readonly bufferMemoryBytes: number;
  private readonly batchSizeBytes: number;
  private readonly maxRequestSizeBytes: number;
  private readonly maxBlockMs: number;
  private readonly blocked: BlockedSend[] = [];
  private blockedHead = 0;
  private blockedBytes = 0;
  private blockedTimer: NodeJS.Timeout | undefined;
  private blockedTimerDeadlineMs = Infinity;
  private roomWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;
  /** The last topic looked up, in which snapshot, and what was found: most sends go to one topic. */
  private lastTopicName: string | undefined;
  private lastTopicCluster: Cluster | undefined;
  private lastTopic: TopicInfo | undefined;

  constructor(options: ProducerOptions = {}) {
    this.options = resolveClientOptions(options, 'producer');
    this.logger = this.options.logger;
    this.bufferMemoryBytes = options.bufferMemory ?? BUFFER_MEMORY_DEFAULT;
    this.batchSizeBytes = options.batchSize ?? BATCH_SIZE_DEFAULT;
    this.maxRequestSizeBytes = options.maxRequestSize ?? MAX_REQUEST_SIZE_DEFAULT;
    this.maxBlockMs = options.maxBlockMs ?? MAX_BLOCK_MS_DEFAULT;
    const retryBackoffMs = this.options.retryBackoffMs;
    const deliveryTimeoutMs = options.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS_DEFAULT;
    this.pool = new ConnectionPool(this.options);
    this.metadata = new Metadata(this.options, this.pool, true);
    this.accumulator = new RecordAccumulator({
      batchSizeBytes: this.batchSizeBytes,
      lingerMs: options.lingerMs ?? LINGER_MS_DEFAULT,
      bufferMemoryBytes: this.bufferMemoryBytes,
      retryBackoffMs,
      deliveryTimeoutMs,
    });
    this.sender = new Sender(
      {
        acks: options.acks === 'all' ? -1 : options.acks ?? 1,
        requestTimeoutMs: this.options.requestTimeoutMs,
        maxInFlightRequestsPerConnection: options.maxInFlightRequestsPerConnection ?? MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_DEFAULT,
        maxRequestSizeBytes: this.maxRequestSizeBytes,
        retries: options.retries ?? Number.MAX_SAFE_INTEGER,
        retryBackoffMs,
        deliveryTimeoutMs,
      },
      this.accumulator,
      this.metadata,
      this.pool,
      this.options.clock,
      this.logger.child('sender'),
      () => this.onRoomFreed(),
    );
    this.sticky = new StickyPartitionCache(options.randomInt);
    this.metadata.onUpdate(() => this.processBlocked());
  }

  /**
   * Sends one record; the promise resolves with its topic, partition and offset once the leader
   * (acks=1) or the ISR (acks=all) has it. Failures reject it and are also logged, since a
   * fire-and-forget caller never looks. Throws only when the producer is closed.
   */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closing !== undefined) throw new Error(`cannot send to ${record.topic}: producer ${this.options.clientId} is closed`);
    const future = new FutureRecordMetadata();
    const nowMs = this.options.clock.nowMs();
    const timestamp = record.timestamp ?? nowMs;
    const input = toRecordInput(record);
    if (this.blocked.length === this.blockedHead && this.tryAppend(record.topic, record.partition, input, timestamp, future, nowMs)) return future;
    this.block({ topic: record.topic, partition: record.partition, input, timestamp, bytes: approximateBytes(input), future, deadlineMs: nowMs + this.maxBlockMs });
    return future;
  }

  /**
   * Resolves when a send would not have to wait: no send is queued for room or metadata and the
   * buffer has room for a batch. A loop that sends many records awaits this now and then.
   */
  waitForRoom(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Kafka's flush(): makes every batch sendable now and resolves once every record sent before
   * the call has its outcome (failures reject their own promises, not this one).
   */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    try {
      this.sender.wakeup();
      await this.waitForBlockedSends();
      await Promise.all([...this.accumulator.incomplete].map((b) => b.result.settled()));
    } finally {
      this.accumulator.endFlush();
    }
  }

  /**
   * Sends what is buffered and closes. After `timeoutMs` (default: no limit, as Kafka's close())
   * whatever is still unsent fails, and the connections close.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing === undefined) this.closing = this.shutdown(options.timeoutMs ?? Infinity);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.accumulator.closed = true;
    this.sender.wakeup();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = Number.isFinite(timeoutMs)
      ? new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
      : new Promise<never>(() => undefined);
    const outcome = await Promise.race([this.flush().then(() => 'flushed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.abortUnsent(new Error(`producer ${this.options.clientId} was closed before the record was sent (close timeout ${timeoutMs} ms)`));
    this.sender.stop();
    this.metadata.close();
    clearTimeout(this.blockedTimer);
    await this.pool.close();
  }

  private abortUnsent(error: Error): void {
    for (let i = this.blockedHead; i < this.blocked.length; i++) this.blocked[i].future.fail(error);
    this.blocked.length = 0;
    this.blockedHead = 0;
    this.blockedBytes = 0;
    for (const batch of this.accumulator.drainAll()) this.sender.fail(batch, error);
  }

  /**
   * Appends now if the topic's metadata is known and the buffer has room; returns false when the
   * send must wait. Records that can never be sent fail their future (and count as handled).
   */
  private tryAppend(topicName: string, explicitPartition: number | undefined, input: RecordInput, timestamp: number, future: FutureRecordMetadata, nowMs: number): boolean {
    const topic = this.usableTopic(topicName);
    if (topic === undefined) return this.awaitMetadata(topicName, future);
    const bytes = approximateBytes(input);
    if (bytes > this.maxRequestSizeBytes || bytes > this.bufferMemoryBytes) {
      future.fail(new JosefError(ErrorCode.MESSAGE_TOO_LARGE, `a record of about ${bytes} bytes for ${topicName} is over max.request.size ${this.maxRequestSizeBytes} or buffer.memory ${this.bufferMemoryBytes}`));
      return true;
    }
    let appended: AppendResult | undefined;
    if (explicitPartition !== undefined) {
      if (!Number.isInteger(explicitPartition) || explicitPartition < 0 || explicitPartition >= topic.partitionCount) {
        future.fail(new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `invalid partition ${explicitPartition} for ${topicName}: it has partitions 0..${topic.partitionCount - 1}`));
        return true;
      }
      appended = this.accumulator.append(topicName, explicitPartition, input, timestamp, nowMs);
    } else if (input.key) {
      appended = this.accumulator.append(topicName, partitionForKey(input.key, topic.partitionCount), input, timestamp, nowMs);
    } else {
      appended = this.appendSticky(topic, input, timestamp, nowMs);
    }
    if (appended === undefined) return false; // no buffer memory for a new batch
    future.bind(appended.batch.result, appended.relativeOffset, timestamp);
    if (appended.newBatch || appended.batch.isFull) this.sender.wakeup();
    return true;
  }

  /**
   * Kafka 2.4's sticky partitioning: stay on the topic's current partition while its open batch
   * has room; when a new batch would be needed, move to another partition first (KIP-480).
   * Kafka also moves it when a keyed record starts a batch; Josef moves it only for unkeyed ones.
   */
  private appendSticky(topic: TopicInfo, input: RecordInput, timestamp: number, nowMs: number): AppendResult | undefined {
    const current = this.sticky.partition(topic.name, topic);
    const appended = this.accumulator.appendToOpenBatch(topic.name, current, input, timestamp);
    if (appended !== undefined) return appended;
    const next = this.sticky.nextPartition(topic.name, topic, current);
    return this.accumulator.append(topic.name, next, input, timestamp, nowMs);
  }

  /** The topic's metadata if records can be routed to it; remembers the last answer while the snapshot stays. */
  private usableTopic(name: string): TopicInfo | undefined {
    const cluster = this.metadata.cluster;
    if (name !== this.lastTopicName || cluster !== this.lastTopicCluster) {
      this.lastTopicName = name;
      this.lastTopicCluster = cluster;
      this.lastTopic = cluster.usableTopic(name);
    }
    return this.lastTopic;
  }

  /** Asks for the topic's metadata; fails the send at once if the broker says the topic can never exist. */
  private awaitMetadata(topicName: string, future: FutureRecordMetadata): boolean {
    const code = this.metadata.cluster.topic(topicName)?.errorCode;
    if (code !== undefined && isFatalTopicError(code)) {
      future.fail(JosefError.fromCode(code, `cannot send to topic ${topicName}`));
      return true;
    }
    this.metadata.addTopics([topicName]);
    this.metadata.requestUpdate();
    return false;
  }

  private block(send: BlockedSend): void {
    // The queue is bounded too: as many bytes as the buffer itself, then sends fail fast.
    if (this.blockedBytes + send.bytes > this.bufferMemoryBytes) {
      send.future.fail(
        new JosefError(
          ErrorCode.REQUEST_TIMED_OUT,
          `buffer exhausted: ${this.accumulator.bufferedByteCount} bytes buffered and ${this.blockedBytes} bytes of sends waiting (buffer.memory ${this.bufferMemoryBytes}); await sends or producer.waitForRoom() to keep up with the brokers`,
        ),
      );
      return;
    }
    this.blocked.push(send);
    this.blockedBytes += send.bytes;
    this.accumulator.memoryWaiters = true;
    this.sender.wakeup();
    this.armBlockedTimer();
  }

  /** Moves queued sends into batches, in order, as far as metadata and room allow; fails those past maxBlockMs. */
  private processBlocked(): void {
    const nowMs = this.options.clock.nowMs();
    while (this.blockedHead < this.blocked.length) {
      const send = this.blocked[this.blockedHead];
      if (!this.tryAppend(send.topic, send.partition, send.input, send.timestamp, send.future, nowMs)) {
        if (nowMs < send.deadlineMs) break;
        send.future.fail(new JosefError(ErrorCode.REQUEST_TIMED_OUT, this.blockedTooLong(send)));
      }
      this.blocked[this.blockedHead++] = undefined as unknown as BlockedSend;
      this.blockedBytes -= send.bytes;
    }
    if (this.blockedHead === this.blocked.length) {
      this.blocked.length = 0;
      this.blockedHead = 0;
      this.accumulator.memoryWaiters = false;
    } else if (this.blockedHead > 1024 && this.blockedHead * 2 > this.blocked.length) {
      this.blocked.splice(0, this.blockedHead);
      this.blockedHead = 0;
    }
    this.armBlockedTimer();
    this.wakeRoomWaiters();
  }

  /** Kafka's messages for a send that waited max.block.ms. */
  private blockedTooLong(send: BlockedSend): string {
    if (this.metadata.cluster.usableTopic(send.topic) === undefined) return `Topic ${send.topic} not present in metadata after ${this.maxBlockMs} ms.`;
    return `Failed to allocate memory within the configured max blocking time ${this.maxBlockMs} ms.`;
  }

  /** Keeps one timer, for the deadline of the send at the head of the queue (the earliest). */
  private armBlockedTimer(): void {
    const headDeadlineMs = this.blockedHead < this.blocked.length ? this.blocked[this.blockedHead].deadlineMs : Infinity;
    if (headDeadlineMs === this.blockedTimerDeadlineMs) return;
    clearTimeout(this.blockedTimer);
    this.blockedTimer = undefined;
    this.blockedTimerDeadlineMs = headDeadlineMs;
    if (headDeadlineMs === Infinity) return;
    this.blockedTimer = setTimeout(() => {
      this.blockedTimer = undefined;
      this.blockedTimerDeadlineMs = Infinity;
      this.processBlocked();
    }, Math.max(0, headDeadlineMs - this.options.clock.nowMs()));
  }

  private onRoomFreed(): void {
    if (this.blockedHead < this.blocked.length) this.processBlocked();
    else this.wakeRoomWaiters();
  }

  private hasRoom(): boolean {
    return this.blockedHead === this.blocked.length && this.accumulator.hasRoomFor(this.batchSizeBytes);
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0 || !this.hasRoom()) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once no send waits in the queue (each has a batch, or failed). */
  private async waitForBlockedSends(): Promise<void> {
    while (this.blockedHead < this.blocked.length) {
      await this.blocked[this.blocked.length - 1].future.then(
        () => undefined,
        () => undefined,
      );
    }
  }
}

/** A record's size in a batch, at most: what the buffer reserves for it before it is appended. */
function approximateBytes(input: RecordInput): number {
  let bytes = recordOverheadBytesMax + (input.key?.length ?? 0) + (input.value?.length ?? 0);
  if (input.headers !== undefined) for (const h of input.headers) bytes += 10 + h.key.length * 3 + (h.value?.length ?? 0);
  return bytes;
}
