/**
 * Kafka's Sender, as an event-driven loop instead of a thread: each run asks the accumulator
 * which leaders have batches ready, drains them into one Produce request per leader (many
 * partitions per request), keeps at most `maxInFlightRequestsPerConnection` requests in flight
 * per broker, and settles each batch from its partition's answer: done, retried (back to the
 * front of its deque, after a metadata refresh when the error says the leader moved) or failed.
 * A run is scheduled by whatever may have made work possible: an append, a response, a metadata
 * update, a timer for the next linger or backoff to end.
 */
import type { Clock } from '../common/clock';
import { ErrorCode, errorInfo, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { ApiKey } from '../protocol/api-keys';
import { groupByTopic, type ProducePartitionData, type ProduceResponse } from '../protocol/messages';
import { brokerError } from './broker-error';
import type { BrokerConnection } from './client-options';
import type { BrokerNode } from './cluster';
import type { ConnectionPool } from './connection-pool';
import { invalidatesMetadata, type Metadata } from './metadata';
import type { ProducerBatch } from './producer-batch';
import type { RecordAccumulator } from './record-accumulator';
import { partitionKey } from '../common/topic';

export interface SenderConfig {
  /** 0: no answer; 1: the leader's append; -1: the whole ISR. */
  acks: 0 | 1 | -1;
  /** Kafka's request.timeout.ms, also sent as the Produce request's timeout for acks=all. */
  requestTimeoutMs: number;
  maxInFlightRequestsPerConnection: number;
  /** Kafka's max.request.size. */
  maxRequestSizeBytes: number;
  retries: number;
  retryBackoffMs: number;
  deliveryTimeoutMs: number;
}

export class Sender {
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<number, number>();
  private readonly connecting = new Set<number>();
  /** Brokers that refused a connection, and until when they are left alone. */
  private readonly nodeBackoffUntilMs = new Map<number, number>();
  private running = true;
  private inFlightTotal = 0;
  private readonly runOnceBound = (): void => this.runOnce();

  constructor(
    private readonly config: SenderConfig,
    private readonly accumulator: RecordAccumulator,
    private readonly metadata: Metadata,
    private readonly pool: ConnectionPool,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called after batches settle (their bytes went back to the buffer). */
    private readonly onBatchesDone: () => void,
  ) {
    metadata.onUpdate(() => this.wakeup());
  }

  /** Produce requests sent and not yet answered. */
  get inFlightRequests(): number {
    return this.inFlightTotal;
  }

  /** Schedules a run on the next turn of the event loop (once, however often it is called). */
  wakeup(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(this.runOnceBound);
  }

  /** No more runs; batches still in flight are failed rather than retried when they come back. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private runOnce(): void {
    this.scheduled = false;
    if (!this.running) return;
    const nowMs = this.clock.nowMs();
    this.metadata.maybeUpdate();
    const cluster = this.metadata.cluster;
    const check = this.accumulator.ready(cluster, nowMs);
    if (check.unknownLeaderTopics.size > 0) {
      this.metadata.addTopics(check.unknownLeaderTopics);
      this.metadata.requestUpdate();
    }
    let nextRunMs = check.nextReadyCheckDelayMs;
    const connections = new Map<number, BrokerConnection>();
    for (const nodeId of check.readyNodes) {
      const backoffLeftMs = (this.nodeBackoffUntilMs.get(nodeId) ?? 0) - nowMs;
      if (backoffLeftMs > 0) {
        nextRunMs = Math.min(nextRunMs, backoffLeftMs);
        continue;
      }
      if ((this.inFlight.get(nodeId) ?? 0) >= this.config.maxInFlightRequestsPerConnection) continue; // a response wakes us
      const node = cluster.node(nodeId);
      if (node === undefined) continue;
      const connection = this.pool.connected(node);
      if (connection === undefined) this.connect(node);
      else connections.set(nodeId, connection);
    }
    const drained = this.accumulator.drain(cluster, connections.keys(), this.config.maxRequestSizeBytes, nowMs);
    for (const batch of this.accumulator.expiredBatches(nowMs)) this.expire(batch, nowMs);
    for (const [nodeId, batches] of drained) this.sendProduceRequest(nodeId, connections.get(nodeId)!, batches);
    // Kafka's sender thread loops straight back into poll after a send, so a backlog fills every
    // in-flight slot. Without this, a full buffer (no appends to wake the sender) kept one
    // request per broker in flight: each answer sent exactly one more.
    if (drained.size > 0) this.wakeup();
    this.armTimer(Math.min(nextRunMs, check.nextExpiryDelayMs));
  }

  private armTimer(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!Number.isFinite(delayMs)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeup();
    }, Math.max(0, delayMs));
  }

  private connect(node: BrokerNode): void {
    if (this.connecting.has(node.nodeId)) return;
    this.connecting.add(node.nodeId);
    this.pool.get(node).then(
      () => {
        this.connecting.delete(node.nodeId);
        this.wakeup();
      },
      (err: Error) => {
        this.connecting.delete(node.nodeId);
        this.logger.warn(`cannot connect to broker ${node.nodeId} at ${node.host}:${node.port}: ${err.message}`);
        this.nodeBackoffUntilMs.set(node.nodeId, this.clock.nowMs() + this.config.retryBackoffMs);
        this.metadata.requestUpdate();
        this.wakeup();
      },
    );
  }

  private sendProduceRequest(nodeId: number, connection: BrokerConnection, batches: ProducerBatch[]): void {
    const topics = groupByTopic(batches, (b) => b.topic, (b): ProducePartitionData => ({ partition: b.partition, records: b.encode() }));
    const { acks, requestTimeoutMs } = this.config;
    this.inFlight.set(nodeId, (this.inFlight.get(nodeId) ?? 0) + 1);
    this.inFlightTotal++;
    connection
      .send(ApiKey.Produce, { acks, timeoutMs: requestTimeoutMs, topics }, { expectResponse: acks !== 0 })
      .then(
        (response) => this.onResponse(batches, acks === 0 ? undefined : response),
        (err: unknown) => this.onRequestFailed(batches, err),
      )
      .catch((err: unknown) => this.logger.error(`handling a Produce answer from broker ${nodeId}: ${(err as Error).stack}`))
      .finally(() => {
        this.inFlight.set(nodeId, this.inFlight.get(nodeId)! - 1);
        this.inFlightTotal--;
        this.onBatchesDone();
        this.wakeup();
      });
  }

  /** Settles each batch from its partition's answer; acks=0 gets none and completes with offset -1. */
  private onResponse(batches: ProducerBatch[], response: ProduceResponse | undefined): void {
    const nowMs = this.clock.nowMs();
    if (response === undefined) {
      for (const batch of batches) this.complete(batch, -1, -1);
      return;
    }
    const answers = new Map<string, Map<number, ProduceResponse['topics'][number]['partitions'][number]>>();
    for (const topic of response.topics) answers.set(topic.name, new Map(topic.partitions.map((p) => [p.partition, p])));
    for (const batch of batches) {
      const answer = answers.get(batch.topic)?.get(batch.partition);
      if (answer === undefined) {
        this.onError(batch, ErrorCode.UNKNOWN_SERVER_ERROR.code, 'the Produce response has no answer for it', nowMs);
      } else if (answer.errorCode === ErrorCode.NONE.code) {
        this.complete(batch, answer.baseOffset, answer.logAppendTimeMs);
      } else {
        this.onError(batch, answer.errorCode, answer.errorMessage ?? undefined, nowMs);
      }
    }
  }

  /** The request as a whole failed (connection lost, timed out, or refused): each batch decides alone. */
  private onRequestFailed(batches: ProducerBatch[], err: unknown): void {
    const nowMs = this.clock.nowMs();
    const code = err instanceof JosefError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR.code;
    const detail = err instanceof Error ? err.message : String(err);
    for (const batch of batches) this.onError(batch, code, detail, nowMs);
  }

  private onError(batch: ProducerBatch, code: number, detail: string | undefined, nowMs: number): void {
    const info = errorInfo(code);
    const tp = partitionKey(batch.topic, batch.partition);
    if (invalidatesMetadata(code)) this.metadata.requestUpdate();
    if (this.canRetry(batch, info.retriable, nowMs)) {
      const attemptsLeft = this.config.retries - batch.attempts - 1;
      const why = detail?.startsWith(`${info.name}: `) ? detail.slice(info.name.length + 2) : detail;
      this.logger.warn(`got error produce response on ${tp}, retrying (${attemptsLeft} attempts left): ${info.name}${why ? ` (${why})` : ''}`);
      this.accumulator.reenqueue(batch, nowMs);
      return;
    }
    this.fail(batch, brokerError(code, `producing ${batch.recordCount} record(s) to ${tp}`, detail));
  }

  private canRetry(batch: ProducerBatch, retriable: boolean, nowMs: number): boolean {
    return this.running && retriable && batch.attempts < this.config.retries && batch.ageMs(nowMs) < this.config.deliveryTimeoutMs;
  }

  private expire(batch: ProducerBatch, nowMs: number): void {
    const tp = partitionKey(batch.topic, batch.partition);
    // Kafka's message for a batch that waited past delivery.timeout.ms.
    const message = `Expiring ${batch.recordCount} record(s) for ${tp}: ${batch.ageMs(nowMs)} ms has passed since batch creation`;
    this.fail(batch, new JosefError(ErrorCode.REQUEST_TIMED_OUT, message));
    this.onBatchesDone();
  }

  private complete(batch: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    batch.result.complete(baseOffset, logAppendTimeMs);
    this.accumulator.deallocate(batch);
  }

  /** Fails a batch for good. Its records' futures may never be awaited, so the failure is logged too. */
  fail(batch: ProducerBatch, error: Error): void {
    this.logger.warn(`failed to produce: ${error.message}`);
    batch.result.fail(error);
    this.accumulator.deallocate(batch);
  }
}
