/**
 * The controller's connections to brokers (Kafka's ControllerChannelManager): one queue per live
 * broker, sent in order over one connection, the head request retried after a reconnect until it
 * is answered or the broker is removed. The connection is opened by a function the broker gives,
 * as the replica fetcher's is, so coordination holds no client code. Bounded: a broker that stops answering cannot grow the
 * controller's memory; when its queue overflows the queue is dropped whole and the controller is
 * asked to resend that broker its full state (which supersedes everything dropped). On a secured
 * inter-broker listener each connection authenticates first; a refused login is retried like a
 * broker that is not there, and logged as an error, since it will not cure itself.
 */
import { ErrorCode, isAuthenticationError, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { apiName, type ApiKey } from '../../protocol/api-keys';
import type { RequestOf, ResponseOf } from '../../protocol/messages';

export type ControllerApiKey = typeof ApiKey.LeaderAndIsr | typeof ApiKey.UpdateMetadata | typeof ApiKey.StopReplica;

export interface ControllerChannel {
  addBroker(broker: { id: number; host: string; port: number }): void;
  /** Drops the broker's queue and connection; its pending requests are never answered. */
  removeBroker(id: number): void;
  /** Queues a request; `onResponse` runs when the broker answers it (never for a dropped request). */
  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, onResponse?: (response: ResponseOf<K>) => void): void;
  close(): void;
}

/** What the channel needs of a connection to a broker (the client's Connection; a fake in tests). */
export interface ControllerConnection {
  readonly closed: boolean;
  send<K extends ControllerApiKey>(apiKey: K, body: RequestOf<K>): Promise<ResponseOf<K>>;
  close(): Promise<void>;
}

/** Opens a connection to a broker's inter-broker endpoint. */
export type ControllerConnect = (broker: { id: number; host: string; port: number }) => Promise<ControllerConnection>;

export interface TcpControllerChannelOptions {
  logger: Logger;
  connect: ControllerConnect;
  /** Called when a broker's queue overflowed and was dropped: resend that broker its full state. */
  onQueueOverflow: (brokerId: number) => void;
  queuedRequestsMax?: number;
  retryBackoffMs?: number;
}

/** Requests waiting per broker; Kafka's queue is unbounded, ours drops and resyncs past this. */
export const controllerQueuedRequestsMax = 1_000;
const retryBackoffMsDefault = 200;

interface QueuedRequest {
  apiKey: ControllerApiKey;
  body: unknown;
  onResponse?: (response: never) => void;
}

interface BrokerQueue {
  id: number;
  host: string;
  port: number;
  queue: QueuedRequest[];
  connection?: ControllerConnection;
  sending: boolean;
  removed: boolean;
}

export class TcpControllerChannel implements ControllerChannel {
  private readonly brokers = new Map<number, BrokerQueue>();
  private readonly queuedRequestsMax: number;

  constructor(private readonly options: TcpControllerChannelOptions) {
    this.queuedRequestsMax = options.queuedRequestsMax ?? controllerQueuedRequestsMax;
  }

  addBroker(broker: { id: number; host: string; port: number }): void {
    const existing = this.brokers.get(broker.id);
    if (existing && existing.host === broker.host && existing.port === broker.port) return;
    if (existing) this.removeBroker(broker.id);
    this.brokers.set(broker.id, { id: broker.id, host: broker.host, port: broker.port, queue: [], sending: false, removed: false });
  }

  removeBroker(id: number): void {
    const entry = this.brokers.get(id);
    if (!entry) return;
    entry.removed = true;
    entry.queue.length = 0;
    void entry.connection?.close();
    this.brokers.delete(id);
  }

  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>, onResponse?: (response: ResponseOf<K>) => void): void {
    const entry = this.brokers.get(brokerId);
    if (!entry) {
      this.options.logger.warn(`not sending ${apiName(apiKey)} to broker ${brokerId}: it is not alive`);
      return;
    }
    if (entry.queue.length >= this.queuedRequestsMax) {
      this.options.logger.error(`the request queue to broker ${brokerId} is full (${this.queuedRequestsMax}): dropping it and resending the broker its full state`);
      entry.queue.length = 0;
      this.options.onQueueOverflow(brokerId);
    }
    entry.queue.push({ apiKey, body, onResponse: onResponse as ((response: never) => void) | undefined });
    void this.pump(entry);
  }

  private async pump(entry: BrokerQueue): Promise<void> {
    if (entry.sending) return;
    entry.sending = true;
    const { logger } = this.options;
    while (entry.queue.length > 0 && !entry.removed) {
      const next = entry.queue[0];
      let response: unknown;
      try {
        if (!entry.connection || entry.connection.closed) {
          entry.connection = await this.options.connect(entry);
          if (entry.removed) void entry.connection.close();
        }
        response = await entry.connection.send(next.apiKey, next.body as never);
      } catch (err) {
        if (entry.removed) break;
        if (isAuthenticationError(err)) {
          logger.error(`cannot send ${apiName(next.apiKey)} to broker ${entry.id}: ${err.message}; retrying`);
          await new Promise((resolve) => setTimeout(resolve, this.options.retryBackoffMs ?? retryBackoffMsDefault));
          continue;
        }
        if (err instanceof JosefError && err.code !== ErrorCode.NETWORK_EXCEPTION.code && err.code !== ErrorCode.REQUEST_TIMED_OUT.code) {
          logger.warn(`broker ${entry.id} refused ${apiName(next.apiKey)}: ${err.message}`);
          entry.queue.shift();
          continue;
        }
        logger.debug(`${apiName(next.apiKey)} to broker ${entry.id} at ${entry.host}:${entry.port} failed (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, this.options.retryBackoffMs ?? retryBackoffMsDefault));
        continue;
      }
      if (entry.removed) break;
      entry.queue.shift();
      next.onResponse?.(response as never);
    }
    entry.sending = false;
  }

  close(): void {
    for (const id of [...this.brokers.keys()]) this.removeBroker(id);
  }
}
