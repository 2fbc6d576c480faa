/**
 * Kafka's RecordAccumulator: a deque of batches per partition that sends append to and the
 * sender drains. It decides which leaders have something to send (`ready`), takes one batch per
 * partition for each such leader (`drain`), puts retried batches back at the front, expires
 * batches past `deliveryTimeoutMs`, and counts the bytes it holds against `bufferMemory`.
 * Pure bookkeeping: time comes in as `nowMs`, I/O stays in the Sender.
 */
import { assert } from '../common/assert';
import { NO_LEADER } from '../protocol/api-keys';
import type { RecordInput } from '../protocol/record-batch';
import type { Cluster } from './cluster';
import { RecordBatchBuilder } from '../protocol/record-batch-builder';
import { BufferPool } from './buffer-pool';
import { ProducerBatch } from './producer-batch';

export interface AccumulatorConfig {
  /** Kafka's batch.size. */
  batchSizeBytes: number;
  /** Kafka's linger.ms. */
  lingerMs: number;
  /** Kafka's buffer.memory: bytes of batch buffers held, drained or not, until their batch completes. */
  bufferMemoryBytes: number;
  /** Kafka's retry.backoff.ms: how long a retried batch waits before it is sent again. */
  retryBackoffMs: number;
  /** Kafka's delivery.timeout.ms: a batch older than this fails instead of waiting longer. */
  deliveryTimeoutMs: number;
}

/** Where an appended record went. */
export interface AppendResult {
  batch: ProducerBatch;
  /** The record's offset within the batch. */
  relativeOffset: number;
  /** The record started a new batch (the sender may have something new to send). */
  newBatch: boolean;
}

export interface ReadyCheck {
  /** Leaders with a batch to send now. */
  readyNodes: Set<number>;
  /** When the next batch becomes sendable (linger or backoff ending), Infinity if none waits. */
  nextReadyCheckDelayMs: number;
  /** Topics with batches whose partition has no known leader: metadata must be refreshed. */
  unknownLeaderTopics: Set<string>;
  /** When the oldest queued batch passes deliveryTimeoutMs, Infinity if none is queued. */
  nextExpiryDelayMs: number;
}

export class RecordAccumulator {
  /** topic -> deque of batches by partition id. */
  private readonly batches = new Map<string, ProducerBatch[][]>();
  /** Batches appended to and not yet completed or failed: what flush() and close() wait for. */
  readonly incomplete = new Set<ProducerBatch>();
  private readonly pool: BufferPool;
  /** Where the last drain for each node stopped, so that every partition gets its turn. */
  private readonly drainIndex = new Map<number, number>();
  private flushesInProgress = 0;
  /** Set by the producer while sends wait for room: every batch is then sendable (Kafka's "exhausted"). */
  memoryWaiters = false;
  closed = false;

  constructor(private readonly config: AccumulatorConfig) {
    this.pool = new BufferPool(config.bufferMemoryBytes, config.batchSizeBytes);
  }

  /** Bytes of buffer memory held by batches not yet completed. */
  get bufferedByteCount(): number {
    return this.pool.usedBytes;
  }

  hasRoomFor(bytes: number): boolean {
    return this.pool.hasRoomFor(bytes);
  }

  /**
   * Appends to the partition's open batch if it has room; undefined otherwise (sticky
   * partitioning then moves to another partition before starting a batch, Kafka 2.4's
   * abortOnNewBatch).
   */
  appendToOpenBatch(topic: string, partition: number, record: RecordInput, timestamp: number): AppendResult | undefined {
    const deque = this.deque(topic, partition);
    const last = deque.length > 0 ? deque[deque.length - 1] : undefined;
    if (last === undefined || last.closed) return undefined;
    const relativeOffset = last.tryAppend(record, timestamp);
    return relativeOffset < 0 ? undefined : { batch: last, relativeOffset, newBatch: false };
  }

  /**
   * Appends to the partition's open batch, or to a new one (batch.size bytes, or the record's
   * size if larger) when that is full or there is none. Undefined when buffer.memory has no room
   * for a new batch: the send must wait.
   */
  append(topic: string, partition: number, record: RecordInput, timestamp: number, nowMs: number): AppendResult | undefined {
    const appended = this.appendToOpenBatch(topic, partition, record, timestamp);
    if (appended !== undefined) return appended;
    const bytes = Math.max(this.config.batchSizeBytes, RecordBatchBuilder.sizeOfSingle(record));
    if (!this.pool.hasRoomFor(bytes)) return undefined;
    const batch = new ProducerBatch(topic, partition, nowMs, this.pool.allocate(bytes));
    const relativeOffset = batch.tryAppend(record, timestamp);
    assert(relativeOffset === 0, 'the first record always fits a new batch');
    this.deque(topic, partition).push(batch);
    this.incomplete.add(batch);
    return { batch, relativeOffset, newBatch: true };
  }

  /**
   * Kafka's ready(): the head batch of a partition is sendable when it is full, has lingered
   * long enough, or when a flush, close or wait for memory is on; not while it backs off after a
   * failed attempt.
   */
  ready(cluster: Cluster, nowMs: number): ReadyCheck {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    let nextExpiryDelayMs = Infinity;
    const urgent = this.flushesInProgress > 0 || this.closed || this.memoryWaiters;
    for (const [topic, deques] of this.batches) {
      for (let partition = 0; partition < deques.length; partition++) {
        const deque = deques[partition];
        if (deque === undefined || deque.length === 0) continue;
        const batch = deque[0];
        nextExpiryDelayMs = Math.min(nextExpiryDelayMs, Math.max(0, this.config.deliveryTimeoutMs - batch.ageMs(nowMs)));
        const leader = cluster.leaderId(topic, partition);
        if (leader === NO_LEADER) {
          unknownLeaderTopics.add(topic);
          continue;
        }
        if (readyNodes.has(leader)) continue;
        const waitedMs = nowMs - batch.lastAttemptMs;
        const backingOff = batch.attempts > 0 && waitedMs < this.config.retryBackoffMs;
        const timeToWaitMs = backingOff ? this.config.retryBackoffMs : this.config.lingerMs;
        const sendable = deque.length > 1 || batch.isFull || waitedMs >= timeToWaitMs || urgent;
        if (sendable && !backingOff) readyNodes.add(leader);
        else nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, Math.max(0, timeToWaitMs - waitedMs));
      }
    }
    return { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics, nextExpiryDelayMs };
  }

  /**
   * Kafka's drain(): for each ready node, the head batch of each partition it leads (not one
   * backing off), starting where the last drain stopped, while the request stays within
   * `maxRequestBytes` (its first batch is taken whatever its size).
   */
  drain(cluster: Cluster, nodes: Iterable<number>, maxRequestBytes: number, nowMs: number): Map<number, ProducerBatch[]> {
    const drained = new Map<number, ProducerBatch[]>();
    for (const node of nodes) {
      const partitions = cluster.partitionsLedBy(node);
      if (partitions.length === 0) continue;
      const start = (this.drainIndex.get(node) ?? 0) % partitions.length;
      const ready: ProducerBatch[] = [];
      let size = 0;
      let i = start;
      do {
        const { topic, partition } = partitions[i];
        i = (i + 1) % partitions.length;
        const deque = this.batches.get(topic)?.[partition];
        if (deque === undefined || deque.length === 0) continue;
        const batch = deque[0];
        if (batch.attempts > 0 && nowMs - batch.lastAttemptMs < this.config.retryBackoffMs) continue;
        if (ready.length > 0 && size + batch.sizeBytes > maxRequestBytes) break;
        deque.shift();
        batch.closed = true;
        batch.inFlight = true;
        size += batch.sizeBytes;
        ready.push(batch);
      } while (i !== start);
      this.drainIndex.set(node, i);
      if (ready.length > 0) drained.set(node, ready);
    }
    return drained;
  }

  /** A retried batch goes back to the front of its deque and waits out the backoff. */
  reenqueue(batch: ProducerBatch, nowMs: number): void {
    batch.attempts++;
    batch.lastAttemptMs = nowMs;
    batch.inFlight = false;
    this.deque(batch.topic, batch.partition).unshift(batch);
  }

  /** Forgets a batch whose outcome is settled and returns its bytes to the buffer. */
  deallocate(batch: ProducerBatch): void {
    if (!this.incomplete.delete(batch)) return;
    this.pool.deallocate(batch.buffer);
    batch.inFlight = false;
  }

  /** Removes and returns queued batches older than deliveryTimeoutMs (heads first, as they are oldest). */
  expiredBatches(nowMs: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const deques of this.batches.values()) {
      for (const deque of deques) {
        while (deque !== undefined && deque.length > 0 && deque[0].ageMs(nowMs) >= this.config.deliveryTimeoutMs) {
          expired.push(deque.shift()!);
        }
      }
    }
    return expired;
  }

  /** Removes and returns every queued (not in-flight) batch: what a forced close fails. */
  drainAll(): ProducerBatch[] {
    const all: ProducerBatch[] = [];
    for (const deques of this.batches.values()) {
      for (const deque of deques) if (deque !== undefined) all.push(...deque.splice(0));
    }
    return all;
  }

  beginFlush(): void {
    this.flushesInProgress++;
  }

  endFlush(): void {
    this.flushesInProgress--;
  }

  private deque(topic: string, partition: number): ProducerBatch[] {
    let deques = this.batches.get(topic);
    if (deques === undefined) this.batches.set(topic, (deques = []));
    let deque = deques[partition];
    if (deque === undefined) deque = deques[partition] = [];
    return deque;
  }
}
