/**
 * A client's connections, at most one per broker address (the per-node part of Kafka's
 * NetworkClient). Connecting is single-flight: callers asking for the same broker at once share
 * one attempt. A closed connection is dropped and the next request opens a new one.
 */
import type { Logger } from '../common/logger';
import { addressKey, type BrokerAddress, type BrokerConnection, type ResolvedClientOptions } from './client-options';

export class ConnectionPool {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly connecting = new Map<string, Promise<BrokerConnection>>();
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: ResolvedClientOptions) {
    this.logger = options.logger.child('pool');
  }

  /** The open connection to `address`, if there is one (no connecting). */
  connected(address: BrokerAddress): BrokerConnection | undefined {
    const connection = this.connections.get(addressKey(address));
    return connection !== undefined && !connection.closed ? connection : undefined;
  }

  /** The open connection to `address`, connecting first if needed; rejects with NETWORK_EXCEPTION. */
  get(address: BrokerAddress): Promise<BrokerConnection> {
    const open = this.connected(address);
    if (open !== undefined) return Promise.resolve(open);
    if (this.closed) return Promise.reject(new Error(`client ${this.options.clientId} is closed`));
    const key = addressKey(address);
    let attempt = this.connecting.get(key);
    if (attempt === undefined) {
      attempt = this.open(address, key);
      this.connecting.set(key, attempt);
    }
    return attempt;
  }

  private async open(address: BrokerAddress, key: string): Promise<BrokerConnection> {
    const { clientId, requestTimeoutMs, connectTimeoutMs, security, logger } = this.options;
    try {
      const connection = await this.options.connect(address.host, address.port, {
        clientId,
        requestTimeoutMs,
        connectTimeoutMs,
        security,
        logger: logger.child('connection'),
      });
      if (this.closed) {
        await connection.close();
        throw new Error(`client ${clientId} closed while connecting to ${key}`);
      }
      this.connections.set(key, connection);
      return connection;
    } catch (err) {
      this.logger.debug(`cannot connect to ${key}: ${(err as Error).message}`);
      throw err;
    } finally {
      this.connecting.delete(key);
    }
  }

  /** Closes every connection; later get() calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.connecting.values()]);
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(open.map((c) => c.close()));
  }
}
