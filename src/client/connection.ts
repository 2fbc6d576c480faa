/**
 * A client's TCP connection to one broker (Kafka's NetworkClient for a single node): requests
 * are pipelined under increasing correlation ids and each response settles the request with its
 * id. Whatever ends the connection rejects every request still waiting, with NETWORK_EXCEPTION.
 * A secured connection is handed out only once its TLS handshake and SASL exchange have succeeded.
 */
import { EventEmitter } from 'events';
import net from 'net';
import tls from 'tls';
import { assert } from '../common/assert';
import { ErrorCode, JosefError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { apiName } from '../protocol/api-keys';
import { decodeResponse, encodeRequestChunks, REQUEST_BYTES_MAX_DEFAULT, type FrameChunks, type MessageBody } from '../protocol/frame';
import { FrameReader } from '../protocol/frame-reader';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../protocol/messages';
import { authenticate, tlsConnectOptions, type ClientSecurity } from './client-security';

/** Kafka's `request.timeout.ms` default. */
export const REQUEST_TIMEOUT_MS_DEFAULT = 30_000;
/** Kafka's `socket.connection.setup.timeout.ms` default. */
export const CONNECT_TIMEOUT_MS_DEFAULT = 10_000;
/** Bytes written but not yet taken by the kernel beyond which send() refuses more. */
export const SEND_BUFFER_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/**
 * Opens a socket that is connecting (or connected) to host:port, reading through `onread` (a
 * test's socket may ignore it: its 'data' events are read instead); tests swap it.
 */
export type SocketFactory = (host: string, port: number, onread: net.OnReadOpts) => net.Socket;

export interface ConnectionOptions {
  clientId: string | null;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** The largest response frame accepted (default 100 MiB); a larger one closes the connection. */
  maxFrameBytes?: number;
  sendBufferBytesMax?: number;
  socketFactory?: SocketFactory;
  /** TLS and SASL, as the listener connected to asks; plaintext without. */
  security?: ClientSecurity;
  logger?: Logger;
}

export interface SendOptions {
  /** Overrides requestTimeoutMs; a long-polling Fetch needs more than its maxWaitMs. */
  timeoutMs?: number;
  /** false for requests the broker does not answer (Produce with acks=0): resolves once written. */
  expectResponse?: boolean;
}

interface PendingRequest {
  apiKey: number;
  resolve: (body: MessageBody) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const defaultSocketFactory: SocketFactory = (host, port, onread) => net.connect({ host, port, onread });

/** Correlation ids count up from 0 and wrap before leaving int32. */
const correlationIdMax = 0x7fffffff;

export class Connection extends EventEmitter {
  private readonly pending = new Map<number, PendingRequest>();
  private nextCorrelationId = 0;
  private closeCause: JosefError | undefined;
  private readonly closedPromise: Promise<void>;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly socket: net.Socket,
    private readonly reader: FrameReader,
    private readonly options: ConnectionOptions,
    private readonly logger: Logger,
  ) {
    super();
    reader.onFrame = (frame) => {
      if (!this.closed) this.onResponse(frame);
    };
    this.closedPromise = new Promise((resolve) => socket.once('close', resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(this.closedError(err.message)));
    socket.on('close', () => this.onClose());
  }

  /**
   * Connects within `connectTimeoutMs` (the TLS handshake included; a certificate that is not
   * trusted fails it) and, on a SASL listener, authenticates. Fails with NETWORK_EXCEPTION, or
   * the SASL error the broker answered (not retriable).
   */
  static async connect(host: string, port: number, options: ConnectionOptions): Promise<Connection> {
    const connection = await Connection.open(host, port, options);
    const sasl = options.security?.sasl;
    if (sasl === undefined) return connection;
    try {
      await authenticate(connection, sasl);
    } catch (err) {
      await connection.close();
      throw err;
    }
    return connection;
  }

  private static open(host: string, port: number, options: ConnectionOptions): Promise<Connection> {
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
    const reader = new FrameReader(options.maxFrameBytes ?? REQUEST_BYTES_MAX_DEFAULT);
    let connection: Connection | undefined;
    // Nothing is asked before the connection exists, so a bad stream before then just ends it.
    const onBadResponse = (err: unknown): void => (connection ? connection.failOnBadResponse(err) : void socket.destroy());
    const tlsSettings = options.security?.tls;
    const socket = options.socketFactory === undefined && tlsSettings !== undefined
      // Node's TLS socket reads into buffers of its own: its 'data' events go to the reader.
      ? tls.connect(tlsConnectOptions(host, port, tlsSettings))
      : (options.socketFactory ?? defaultSocketFactory)(host, port, reader.onread(onBadResponse));
    const logger = options.logger ?? createLogger('connection');
    return new Promise((resolve, reject) => {
      const settle = (err: Error | undefined): void => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('secureConnect', onConnect);
        socket.off('error', onError);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          logger.debug(`connected to ${host}:${port}`);
          connection = new Connection(host, port, socket, reader, options, logger);
          resolve(connection);
        }
      };
      const onConnect = (): void => settle(undefined);
      const onError = (err: Error): void =>
        settle(new JosefError(ErrorCode.NETWORK_EXCEPTION, `cannot connect to ${host}:${port}: ${err.message}`));
      const timer = setTimeout(
        () => settle(new JosefError(ErrorCode.NETWORK_EXCEPTION, `connecting to ${host}:${port} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('error', onError);
      if (socket instanceof tls.TLSSocket) socket.once('secureConnect', onConnect);
      else if (socket.pending) socket.once('connect', onConnect);
      else settle(undefined);
    });
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.closeCause !== undefined;
  }

  /** Requests sent and not yet answered. */
  get inFlightRequests(): number {
    return this.pending.size;
  }

  /**
   * Sends one request and resolves its response. Rejects with REQUEST_TIMED_OUT after the
   * timeout (and then closes the connection, as Kafka's NetworkClient does: the stream of
   * answers can no longer be trusted to line up), NETWORK_EXCEPTION when the connection ends
   * or its send buffer is full, and with the broker's code when it answers the request as a
   * whole with `{errorCode}` only (unknown API, a handler that failed).
   */
  send<K extends SupportedApiKey>(apiKey: K, body: RequestOf<K>, sendOptions: SendOptions = {}): Promise<ResponseOf<K>> {
    if (this.closeCause) return Promise.reject(this.closeCause);
    let frame: FrameChunks;
    let correlationId: number;
    try {
      correlationId = this.takeCorrelationId();
      frame = encodeRequestChunks({ apiKey, apiVersion: 0, correlationId, clientId: this.options.clientId }, body);
    } catch (err) {
      return Promise.reject(err); // a body msgpack cannot encode: the caller's bug, reported its way
    }
    const sendBufferBytesMax = this.options.sendBufferBytesMax ?? SEND_BUFFER_BYTES_MAX_DEFAULT;
    const buffered = this.socket.writableLength;
    if (buffered > 0 && buffered + frame.bytes > sendBufferBytesMax) {
      return Promise.reject(
        new JosefError(ErrorCode.NETWORK_EXCEPTION, `send buffer to ${this.address} full: ${buffered} bytes not yet sent (max ${sendBufferBytesMax})`),
      );
    }
    if (sendOptions.expectResponse === false) {
      // Nothing will say when the socket is done with the caller's buffers, which the caller may
      // reuse at once (the producer's batch buffers): this frame is written from a copy.
      this.socket.write(Buffer.concat(frame.chunks, frame.bytes));
      return Promise.resolve(undefined as unknown as ResponseOf<K>);
    }
    const timeoutMs = sendOptions.timeoutMs ?? this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT;
    const response = new Promise<MessageBody>((resolve, reject) => {
      const timer = setTimeout(() => this.timeOut(correlationId, timeoutMs), timeoutMs);
      this.pending.set(correlationId, { apiKey, resolve, reject, timer });
    });
    this.write(frame);
    return response as Promise<unknown> as Promise<ResponseOf<K>>;
  }

  /**
   * One gathered write (writev) of a frame's chunks. Record batches are written from the
   * caller's buffers, not copied: the producer reuses a batch's buffer only once the request is
   * answered (or has failed, which destroys the socket and drops what it had not sent).
   */
  private write(frame: FrameChunks): void {
    this.socket.cork();
    for (const chunk of frame.chunks) this.socket.write(chunk);
    this.socket.uncork();
  }

  /**
   * Hands back the memory of a response this connection decoded, given as any Buffer decoded from
   * it (a Fetch response's records), once nothing refers to that response any more: the next large
   * response is then read into the same memory instead of a fresh allocation. Only large responses
   * (64 KiB or more) are reusable; for others this does nothing.
   */
  recycle(decoded: Buffer): void {
    this.reader.recycle(decoded);
  }

  /** Closes the socket; requests still waiting are rejected. Resolves once it has closed. */
  close(): Promise<void> {
    this.fail(this.closedError());
    return this.closedPromise;
  }

  override on(event: 'close', listener: (cause: JosefError) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override once(event: 'close', listener: (cause: JosefError) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id === correlationIdMax ? 0 : id + 1;
    assert(!this.pending.has(id), () => `correlation id ${id} to ${this.address} is still in flight`);
    return id;
  }

  /** Bytes from a socket that ignored `onread` (a test's). */
  private onData(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.failOnBadResponse(err);
    }
  }

  /** An oversize or undecodable response leaves the stream unreadable: drop the connection. */
  private failOnBadResponse(err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.fail(this.closedError(`bad response: ${detail}`));
  }

  private onResponse(frame: Buffer): void {
    const { correlationId, body } = decodeResponse(frame);
    const request = this.pending.get(correlationId);
    if (request === undefined) {
      // An answer to a request sent without expecting one (the broker failed an acks=0 Produce).
      this.logger.debug(`${this.address} answered correlation id ${correlationId}, which nothing waits for`);
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(request.timer);
    const errorCode = requestLevelErrorCode(body);
    if (errorCode === undefined) request.resolve(body);
    else request.reject(JosefError.fromCode(errorCode, `${apiName(request.apiKey)} request ${correlationId} to ${this.address}`));
  }

  private timeOut(correlationId: number, timeoutMs: number): void {
    const request = this.pending.get(correlationId);
    if (request === undefined) return;
    this.pending.delete(correlationId);
    const what = `${apiName(request.apiKey)} request ${correlationId} to ${this.address}`;
    request.reject(new JosefError(ErrorCode.REQUEST_TIMED_OUT, `${what} timed out after ${timeoutMs} ms`));
    this.fail(this.closedError(`${what} timed out`));
  }

  /** What requests that can no longer be answered are rejected with. */
  private closedError(reason?: string): JosefError {
    const what = `connection to ${this.address} closed`;
    return new JosefError(ErrorCode.NETWORK_EXCEPTION, reason === undefined ? what : `${what}: ${reason}`);
  }

  /** Marks the connection closed with `cause`, rejects what waits, and destroys the socket. */
  private fail(cause: JosefError): void {
    if (this.closeCause) return;
    this.closeCause = cause;
    this.socket.destroy();
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(cause);
    }
    this.pending.clear();
  }

  private onClose(): void {
    this.fail(this.closedError());
    this.logger.debug(`connection to ${this.address} closed: ${this.closeCause?.message}`);
    this.emit('close', this.closeCause);
  }
}

/**
 * The code of a response that is only `{errorCode}` and not NONE: the broker's answer to a
 * request it could not handle at all (UpdateMetadata's whole response has that shape too, so a
 * failed UpdateMetadata rejects as well, with the same code).
 */
function requestLevelErrorCode(body: MessageBody): number | undefined {
  const code = body.errorCode;
  if (typeof code !== 'number' || code === ErrorCode.NONE.code) return undefined;
  for (const key in body) if (key !== 'errorCode') return undefined;
  return code;
}
