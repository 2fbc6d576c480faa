/**
 * The broker's TCP listener (Kafka's SocketServer and Acceptor): accepts connections up to
 * `max.connections` and gives each a ClientChannel that frames, dispatches and answers its
 * requests. A bad client only ever loses its own connection. A TLS listener (SSL, SASL_SSL)
 * hands a connection over once its TLS handshake has succeeded; one whose handshake fails never
 * reaches a channel.
 */
import net from 'net';
import tls from 'tls';
import { assert } from '../common/assert';
import { PLAINTEXT_LISTENER_NAME } from '../common/endpoint';
import type { Logger } from '../common/logger';
import { REQUEST_BYTES_MAX_DEFAULT } from '../protocol/frame';
import { KafkaProtocol } from '../protocol/kafka/kafka-protocol';
import type { WireProtocol } from '../protocol/wire-protocol';
import type { SaslAuthenticatorOptions } from '../security/sasl-authenticator';
import { certificatePrincipal } from '../security/tls-options';
import { ClientChannel } from './client-channel';
import type { RequestObserver } from '../metrics/request-metrics';
import type { Dispatcher } from './dispatcher';

/**
 * Kafka's `max.connections` default is Int.MaxValue; Josef keeps a finite bound that a laptop's
 * file-descriptor limit will hit first anyway.
 */
export const MAX_CONNECTIONS_DEFAULT = 10_000;
/** Framed requests waiting per connection before its socket is paused. */
export const QUEUED_REQUESTS_MAX_DEFAULT = 32;
/** How long close() lets requests in flight finish. */
export const DRAIN_TIMEOUT_MS_DEFAULT = 10_000;
/** How long a closing connection waits for the peer to close its side. */
export const CLOSE_LINGER_MS_DEFAULT = 2_000;
/** Kafka's connection.failed.authentication.delay.ms default. */
export const FAILED_AUTHENTICATION_DELAY_MS_DEFAULT = 100;

export interface SocketServerOptions {
  host: string;
  /** 0 picks a free port; start() resolves the one bound. */
  port: number;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Kafka's listener name (default PLAINTEXT): what a request's context says it came in on. */
  listenerName?: string;
  /** A SASL listener's mechanisms (SASL_PLAINTEXT, SASL_SSL): clients must authenticate first. */
  sasl?: SaslAuthenticatorOptions;
  /** A TLS listener's key, certificates and client checks (SSL, SASL_SSL). */
  tls?: tls.TlsOptions;
  /** Kafka's connection.failed.authentication.delay.ms. */
  failedAuthenticationDelayMs?: number;
  /** Kafka's `socket.request.max.bytes` (default 100 MiB). */
  maxRequestBytes?: number;
  /** Kafka's `max.connections`. */
  maxConnections?: number;
  queuedRequestsMax?: number;
  drainTimeoutMs?: number;
  closeLingerMs?: number;
  /** Told of every request answered on any connection (the broker's request metrics). */
  requestObserver?: RequestObserver;
  /** Hears the listener's errors after it started (EMFILE on accept, when Node reports it). */
  onListenerError?: (err: NodeJS.ErrnoException) => void;
}

export class SocketServer {
  private readonly server: net.Server;
  private readonly channels = new Set<ClientChannel>();
  private readonly listenerClosed: Promise<void>;
  /** Kafka's binary protocol, serving the APIs the dispatcher has handlers for. */
  private readonly kafkaProtocol: WireProtocol;
  private accepting = false;
  private closing = false;
  private closeDone: Promise<void> | undefined;

  constructor(private readonly options: SocketServerOptions) {
    this.kafkaProtocol = new KafkaProtocol((apiKey) => options.dispatcher.offers(apiKey));
    this.server = options.tls ? tls.createServer(options.tls, (socket) => this.accept(socket)) : net.createServer((socket) => this.accept(socket));
    // Kafka logs a failed handshake as a failed authentication: a plaintext client, an untrusted or expired certificate.
    this.server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      options.logger.warn(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${err.message}`);
    });
    this.server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS_DEFAULT;
    this.server.on('drop', (info?: { remoteAddress?: string; remotePort?: number }) => {
      options.logger.warn(`refused a connection from ${info?.remoteAddress}:${info?.remotePort}: max.connections (${this.server.maxConnections}) reached`);
    });
    this.listenerClosed = new Promise((resolve) => this.server.once('close', resolve));
  }

  /** Listens on host:port; resolves the port actually bound. */
  start(): Promise<number> {
    assert(!this.accepting && !this.closing, 'SocketServer.start called twice');
    const { host, port, logger } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => {
          logger.error(`listener on ${host}:${port}: ${err.message}`);
          this.options.onListenerError?.(err);
        });
        this.accepting = true;
        const bound = (this.server.address() as net.AddressInfo).port;
        logger.info(`listening on ${host}:${bound}`);
        resolve(bound);
      });
    });
  }

  /** The port listened on (after start()). */
  get port(): number {
    const address = this.server.address();
    assert(address !== null && typeof address === 'object', 'SocketServer.port read before start()');
    return address.port;
  }

  get connectionCount(): number {
    return this.channels.size;
  }

  /** Closes the listener; connections already made go on being served. */
  stopAccepting(): void {
    if (!this.accepting) return;
    this.accepting = false;
    this.server.close();
  }

  /**
   * Stops accepting, lets each connection's request in flight finish and be answered (waiting at
   * most `drainTimeoutMs`), drops requests not yet started, then closes every connection.
   */
  close(): Promise<void> {
    this.closeDone ??= this.closeConnections();
    return this.closeDone;
  }

  private async closeConnections(): Promise<void> {
    this.closing = true;
    const wasListening = this.server.listening;
    this.stopAccepting();
    const channels = [...this.channels];
    for (const channel of channels) channel.stopReading();
    const drainTimeoutMs = this.options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS_DEFAULT;
    const drained = await withDeadline(Promise.all(channels.map((c) => c.whenIdle())), drainTimeoutMs);
    if (!drained) this.options.logger.warn(`requests still in flight after ${drainTimeoutMs} ms; closing their connections anyway`);
    await Promise.all(channels.map((c) => c.shutdown()));
    if (wasListening) await this.listenerClosed;
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const { options } = this;
    let peerPrincipal: string | undefined;
    if (socket instanceof tls.TLSSocket) {
      const certificate = socket.getPeerCertificate();
      const presented = certificate !== null && Object.keys(certificate).length > 0;
      if (presented && !socket.authorized) {
        // ssl.client.auth=requested: no certificate is fine, one the truststore does not vouch for is not.
        options.logger.warn(`refused a connection from ${socket.remoteAddress}:${socket.remotePort}: its certificate is not trusted (${String(socket.authorizationError)})`);
        socket.destroy();
        return;
      }
      if (presented) peerPrincipal = certificatePrincipal(certificate);
    }
    const channel = new ClientChannel(socket, {
      dispatcher: options.dispatcher,
      kafkaProtocol: this.kafkaProtocol,
      listenerName: options.listenerName ?? PLAINTEXT_LISTENER_NAME,
      sasl: options.sasl,
      peerPrincipal,
      requestBytesMax: options.maxRequestBytes ?? REQUEST_BYTES_MAX_DEFAULT,
      queuedRequestsMax: options.queuedRequestsMax ?? QUEUED_REQUESTS_MAX_DEFAULT,
      closeLingerMs: options.closeLingerMs ?? CLOSE_LINGER_MS_DEFAULT,
      failedAuthenticationDelayMs: options.failedAuthenticationDelayMs ?? FAILED_AUTHENTICATION_DELAY_MS_DEFAULT,
      logger: options.logger,
      requestObserver: options.requestObserver,
    });
    this.channels.add(channel);
    options.logger.debug(`connection from ${channel.remoteAddress} (${this.channels.size} open)`);
    void channel.closed.then(() => {
      this.channels.delete(channel);
      options.logger.debug(`connection from ${channel.remoteAddress} closed (${this.channels.size} open)`);
    });
  }
}

/** True if `promise` settled within `timeoutMs`. */
async function withDeadline(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
