/**
 * Settings every client (producer, consumer, admin) shares, with Kafka's names and defaults
 * (`bootstrap.servers`, `client.id`, `request.timeout.ms`, `metadata.max.age.ms`,
 * `retry.backoff.ms`), and the parsing of a bootstrap list into broker addresses.
 */
import type { Clock } from '../common/clock';
import { systemClock } from '../common/clock';
import { createLogger, type Logger } from '../common/logger';
import type { ResponseOf, RequestOf, SupportedApiKey } from '../protocol/messages';
import type { ClientSecurity } from './client-security';
import { Connection, CONNECT_TIMEOUT_MS_DEFAULT, REQUEST_TIMEOUT_MS_DEFAULT, type ConnectionOptions, type SendOptions } from './connection';

/** Kafka's `metadata.max.age.ms`: metadata older than this is refreshed even without a reason. */
export const METADATA_MAX_AGE_MS_DEFAULT = 300_000;
/** Kafka's `retry.backoff.ms`. */
export const RETRY_BACKOFF_MS_DEFAULT = 100;
/** The broker `josef broker start --id 1` listens on. */
export const BOOTSTRAP_SERVERS_DEFAULT = '127.0.0.1:9092';

/** What a client needs of a connection to one broker; Connection is the real one, tests fake it. */
export interface BrokerConnection {
  readonly closed: boolean;
  send<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>, options?: SendOptions): Promise<ResponseOf<K>>;
  close(): Promise<void>;
}

export type ConnectFn = (host: string, port: number, options: ConnectionOptions) => Promise<BrokerConnection>;

export const connectToBroker: ConnectFn = (host, port, options) => Connection.connect(host, port, options);

export interface ClientOptions {
  /** `host:port[,host:port...]` or a list of them: brokers to learn the cluster from. */
  bootstrapServers?: string | readonly string[];
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  metadataMaxAgeMs?: number;
  retryBackoffMs?: number;
  /** TLS and SASL for every broker connection (security.protocol and its settings); plaintext without. */
  security?: ClientSecurity;
  logger?: Logger;
  clock?: Clock;
  /** Opens broker connections; tests swap it for fakes. */
  connect?: ConnectFn;
}

/** ClientOptions with every default filled in. */
export interface ResolvedClientOptions {
  bootstrap: BrokerAddress[];
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  metadataMaxAgeMs: number;
  retryBackoffMs: number;
  security: ClientSecurity | undefined;
  logger: Logger;
  clock: Clock;
  connect: ConnectFn;
}

export interface BrokerAddress {
  host: string;
  port: number;
}

export function addressKey(address: BrokerAddress): string {
  return `${address.host}:${address.port}`;
}

/** Parses `host:port` (IPv6 as `[::1]:9092`); throws a message that names the bad entry. */
export function parseBrokerAddress(text: string): BrokerAddress {
  const trimmed = text.trim();
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(trimmed);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new Error(`invalid broker address "${trimmed}": expected HOST:PORT, e.g. 127.0.0.1:9092`);
  }
  return { host: match[1] ?? match[2], port };
}

export function parseBootstrapServers(servers: string | readonly string[]): BrokerAddress[] {
  const entries = (typeof servers === 'string' ? servers.split(',') : servers).map((s) => s.trim()).filter((s) => s !== '');
  if (entries.length === 0) throw new Error('no bootstrap servers given');
  return entries.map(parseBrokerAddress);
}

let clientSequence = 0;

export function resolveClientOptions(options: ClientOptions, kind: 'producer' | 'consumer' | 'admin'): ResolvedClientOptions {
  // Kafka names unnamed clients producer-1, consumer-2, ...
  const clientId = options.clientId ?? `${kind}-${++clientSequence}`;
  return {
    bootstrap: parseBootstrapServers(options.bootstrapServers ?? BOOTSTRAP_SERVERS_DEFAULT),
    clientId,
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT,
    connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT,
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? METADATA_MAX_AGE_MS_DEFAULT,
    retryBackoffMs: options.retryBackoffMs ?? RETRY_BACKOFF_MS_DEFAULT,
    security: options.security,
    logger: options.logger ?? createLogger(clientId),
    clock: options.clock ?? systemClock,
    connect: options.connect ?? connectToBroker,
  };
}

/** A promise that settles after `ms` (a backoff between retries, not a wait for state). */
export function backoff(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
