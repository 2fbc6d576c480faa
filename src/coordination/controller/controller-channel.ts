/**
 * The controller's connections to brokers (Kafka's ControllerChannelManager): one queue per live
 * broker, sent in order over one Connection, retried after a reconnect until the broker is removed.
 * Bounded: a broker that stops reading cannot make the controller's memory grow without limit.
 */
import { Connection } from '../../client/connection';
import type { Logger } from '../../common/logger';
import { apiName, type ApiKey } from '../../protocol/api-keys';
import { ErrorCode, JosefError } from '../../common/errors';
import type { RequestOf } from '../../protocol/messages';

export type ControllerApiKey = typeof ApiKey.LeaderAndIsr | typeof ApiKey.UpdateMetadata | typeof ApiKey.StopReplica;

export interface ControllerChannel {
  addBroker(broker: { id: number; host: string; port: number }): void;
  removeBroker(id: number): void;
  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>): void;
  close(): void;
}

const queuedRequestsMax = 1_000;
const retryBackoffMs = 200;
const requestTimeoutMs = 30_000;

interface BrokerQueue {
  host: string;
  port: number;
  queue: { apiKey: ControllerApiKey; body: unknown }[];
  connection?: Connection;
  sending: boolean;
  removed: boolean;
}

export class TcpControllerChannel implements ControllerChannel {
  private readonly brokers = new Map<number, BrokerQueue>();

  constructor(private readonly controllerId: number, private readonly logger: Logger) {}

  addBroker(broker: { id: number; host: string; port: number }): void {
    const existing = this.brokers.get(broker.id);
    if (existing && existing.host === broker.host && existing.port === broker.port) return;
    if (existing) this.removeBroker(broker.id);
    this.brokers.set(broker.id, { host: broker.host, port: broker.port, queue: [], sending: false, removed: false });
  }

  removeBroker(id: number): void {
    const entry = this.brokers.get(id);
    if (!entry) return;
    entry.removed = true;
    entry.queue.length = 0;
    void entry.connection?.close();
    this.brokers.delete(id);
  }

  send<K extends ControllerApiKey>(brokerId: number, apiKey: K, body: RequestOf<K>): void {
    const entry = this.brokers.get(brokerId);
    if (!entry) {
      this.logger.warn(`not sending ${apiName(apiKey)} to broker ${brokerId}: it is not alive`);
      return;
    }
    if (entry.queue.length >= queuedRequestsMax) {
      this.logger.error(`request queue to broker ${brokerId} is full (${queuedRequestsMax}); dropping the oldest request`);
      entry.queue.shift();
    }
    entry.queue.push({ apiKey, body });
    void this.pump(brokerId, entry);
  }

  private async pump(brokerId: number, entry: BrokerQueue): Promise<void> {
    if (entry.sending) return;
    entry.sending = true;
    while (entry.queue.length > 0 && !entry.removed) {
      const next = entry.queue[0];
      try {
        if (!entry.connection || entry.connection.closed) {
          entry.connection = await Connection.connect(entry.host, entry.port, { clientId: `controller-${this.controllerId}`, requestTimeoutMs });
        }
        await entry.connection.send(next.apiKey, next.body as never);
        entry.queue.shift();
      } catch (err) {
        if (err instanceof JosefError && err.code !== ErrorCode.NETWORK_EXCEPTION.code && err.code !== ErrorCode.REQUEST_TIMED_OUT.code) {
          this.logger.warn(`broker ${brokerId} refused ${apiName(next.apiKey)}: ${err.message}`);
          entry.queue.shift();
          continue;
        }
        this.logger.debug(`request ${apiName(next.apiKey)} to broker ${brokerId} failed (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, retryBackoffMs));
      }
    }
    entry.sending = false;
  }

  close(): void {
    for (const id of [...this.brokers.keys()]) this.removeBroker(id);
  }
}
