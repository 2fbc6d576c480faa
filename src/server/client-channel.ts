/**
 * The broker's end of one client's TCP connection (Kafka's KafkaChannel and the processor's work
 * for it): frames in, requests handled in arrival order, responses out in the same order. The
 * first frame says which wire protocol the connection speaks (Josef's msgpack or Kafka's binary
 * protocol, wire-protocol.ts); every later frame is read and answered in that one. At most
 * `queuedRequestsMax` framed requests wait; beyond that the socket is paused, which is Kafka's
 * muting of a channel with a request in flight, made a little deeper for pipelining.
 *
 * Requests are handled one at a time, as Kafka does, with one exception: a Produce that has
 * appended its batches and waits for its acks (acks=all, until the ISR has them) lets the next
 * Produce on the connection append behind it, up to `queuedRequestsMax` waiting at once. The log
 * order is still the order of arrival and the answers still go out in that order; what changes
 * is that a producer's pipelined requests replicate together, so a follower's fetch carries all
 * of them instead of one each (Kafka's channel muting makes every acks=all request a round trip
 * of its own). Any other request first waits for the Produces before it to be answered. Which
 * API may go on so is the dispatcher's to say (Produce is registered pipelined), and what follows
 * a written answer is the handler's (a Fetch's AnswerThen gives back its read buffers).
 *
 * On a SASL listener the connection's SaslServerAuthenticator sees every request until the client
 * has authenticated, and decides whether it is dispatched, answered by the authenticator, or ends
 * the connection; requests after that carry the principal it authenticated.
 */
import type { Socket } from 'net';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../common/logger';
import { InvalidFrameError, type DecodedRequest, type FrameChunks } from '../protocol/frame';
import { FrameDecoder } from '../protocol/frame-decoder';
import { josefProtocol } from '../protocol/josef-protocol';
import { CloseConnection, detectProtocol, RequestFailure, type DecodedFrame, type WireProtocol } from '../protocol/wire-protocol';
import type { RequestObserver } from '../metrics/request-metrics';
import { ANONYMOUS_PRINCIPAL, SaslServerAuthenticator, type SaslAuthenticatorOptions } from '../security/sasl-authenticator';
import { AnswerThen, type Dispatcher, type DispatchResult } from './dispatcher';
import type { RequestContext } from './request-context';

export interface ClientChannelOptions {
  dispatcher: Dispatcher;
  /** Kafka's binary protocol, for connections whose first frame is a Kafka request. */
  kafkaProtocol: WireProtocol;
  /** The listener this connection came in on (Kafka's listener name). */
  listenerName: string;
  /** On a SASL listener: its mechanisms; every client must authenticate before anything else. */
  sasl?: SaslAuthenticatorOptions;
  /** On a TLS listener, the principal the client's verified certificate names (SASL's, on SASL_SSL, comes first). */
  peerPrincipal?: string;
  /** Kafka's `socket.request.max.bytes`. */
  requestBytesMax: number;
  queuedRequestsMax: number;
  /** How long a closing channel waits for the peer to close its side before destroying the socket. */
  closeLingerMs: number;
  /** A failed login is answered and closed only after this long (Kafka's connection.failed.authentication.delay.ms). */
  failedAuthenticationDelayMs: number;
  logger: Logger;
  /** Told of every request answered (the broker's request metrics). */
  requestObserver?: RequestObserver;
}

/**
 * open: reading and answering. draining: the server is closing; the request in flight is
 * answered, nothing new is read. closing: FIN sent, input discarded until the peer closes or the
 * linger time ends. closed: the socket is gone.
 */
type ChannelState = 'open' | 'draining' | 'closing' | 'closed';

export class ClientChannel {
  readonly remoteAddress: string;
  /** Settles when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  private state: ChannelState = 'open';
  /** The wire protocol, fixed by the first frame. */
  private protocol: WireProtocol | undefined;
  private readonly decoder: FrameDecoder;
  /** On a SASL listener, this connection's authentication. */
  private readonly authenticator: SaslServerAuthenticator | undefined;
  /** Whole frames, or the oversize error that ended the stream, waiting in arrival order. */
  private readonly queue: (Buffer | InvalidFrameError)[] = [];
  /** processQueue is running. */
  private processing = false;
  /**
   * Produces not yet answered, oldest first (those left behind wait for their acks): each settles
   * once its answer is written, which is after the answer before it.
   */
  private readonly waitingProduces: Promise<void>[] = [];
  private readingPaused = false;
  private idleWaiters: (() => void)[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  /** Responses are being gathered (socket corked) for one write at the end of this turn of the event loop. */
  private corked = false;
  private readonly uncorkBound = (): void => this.uncork();

  constructor(
    private readonly socket: Socket,
    private readonly options: ClientChannelOptions,
  ) {
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.decoder = new FrameDecoder(options.requestBytesMax, 'requests');
    this.authenticator = options.sasl && new SaslServerAuthenticator(options.sasl);
    this.closed = new Promise((resolve) => socket.once('close', resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // 'close' always follows 'error'; a peer resetting its connection is not news worth a warning.
    socket.on('error', (err) => options.logger.debug(`connection from ${this.remoteAddress}: ${err.message}`));
    socket.on('close', () => this.onClose());
  }

  /** Stops taking requests; the one in flight, if any, is still answered. */
  stopReading(): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.queue.length = 0;
    this.setReadingPaused(false); // read and drop, so the peer's FIN is seen
  }

  /** Resolves once no request is being handled. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once every answer so far is written (the newest Produce's is written last); at once if none waits. */
  private async answersWritten(): Promise<void> {
    if (this.waitingProduces.length > 0) await this.waitingProduces[this.waitingProduces.length - 1];
  }

  private get idle(): boolean {
    return !this.processing && this.waitingProduces.length === 0;
  }

  private notifyIfIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Closes gracefully: sends `finalFrame` (if any) and FIN, discards whatever still arrives, and
   * destroys the socket once the peer has closed too or `closeLingerMs` has passed. Lingering
   * keeps the kernel from answering unread input with a reset that could lose `finalFrame`.
   */
  shutdown(finalFrame?: Buffer): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return this.closed;
    this.state = 'closing';
    this.queue.length = 0;
    this.setReadingPaused(false);
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.options.closeLingerMs);
    if (finalFrame) this.socket.end(finalFrame);
    else this.socket.end();
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.decoder.push(chunk);
    this.fillQueue();
    if (!this.processing && this.queue.length > 0) void this.processQueue();
  }

  /** Moves whole frames from the decoder into the queue, up to its bound; pauses the socket at it. */
  private fillQueue(): void {
    while (this.queue.length < this.options.queuedRequestsMax && !this.decoder.failed) {
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.next();
      } catch (err) {
        if (!(err instanceof InvalidFrameError)) throw err;
        this.queue.push(err); // answered in turn, after the requests before it
        break;
      }
      if (frame === undefined) break;
      this.queue.push(frame);
    }
    this.setReadingPaused(this.queue.length >= this.options.queuedRequestsMax);
  }

  private async processQueue(): Promise<void> {
    this.processing = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        const handling = this.handle(item);
        if (handling !== undefined) await handling;
        if (this.state !== 'open') break;
        this.fillQueue();
      }
    } finally {
      this.processing = false;
      this.notifyIfIdle();
    }
  }

  /**
   * Settles once the frame is dealt with; undefined when it was dealt with at once (a Produce
   * answered in this turn). Not itself async: each kind of frame goes to a method that is, so a
   * request pays for one async frame less (a Produce of librdkafka's, one partition each, pays
   * per-request costs six times as often as one of Josef's client).
   */
  private handle(item: Buffer | InvalidFrameError): Promise<void> | undefined {
    if (item instanceof InvalidFrameError) return this.handleInvalidFrame(item);
    if (this.authenticator?.expectsBareToken) return this.handleBareToken(this.authenticator, item);
    const first = this.protocol === undefined;
    this.protocol ??= detectProtocol(item) === 'kafka' ? this.options.kafkaProtocol : josefProtocol;
    const decoded = this.protocol.decode(item);
    if (decoded.kind !== 'request') {
      const guessed = first && this.protocol.name === 'kafka' ? 'the first frame is not a Josef request (a msgpack array); read as a Kafka request, ' : '';
      return this.handleProtocolAnswer(decoded, guessed);
    }
    const { request } = decoded;
    if (this.authenticator && !this.authenticator.authenticated) return this.handleUnauthenticated(this.authenticator, request);
    if (this.options.dispatcher.isPipelined(request.apiKey)) return this.handleProduce(request, item);
    return this.handleRequest(request);
  }

  private async handleInvalidFrame(err: InvalidFrameError): Promise<void> {
    await this.answersWritten();
    const protocol = this.protocol ?? josefProtocol;
    this.close(err.message, protocol.rejection(err));
  }

  /** A frame the protocol answers by itself, or closes over. */
  private async handleProtocolAnswer(decoded: Exclude<DecodedFrame, { kind: 'request' }>, guessed: string): Promise<void> {
    await this.answersWritten();
    if (decoded.kind === 'close') this.close(guessed + decoded.reason, decoded.finalFrame);
    else await this.write(decoded.frame);
  }

  private async handleRequest(request: DecodedRequest): Promise<void> {
    await this.answersWritten();
    const startedNs = this.requestStartNs();
    const response = await this.options.dispatcher.dispatch(request.apiKey, request.body, this.context(request));
    await this.writeAnswer(request, response, startedNs);
  }

  /** A request before the client has authenticated: the authenticator says what becomes of it. */
  private async handleUnauthenticated(authenticator: SaslServerAuthenticator, request: DecodedRequest): Promise<void> {
    await this.answersWritten();
    const startedNs = this.requestStartNs();
    const body = typeof request.body === 'object' && request.body !== null ? request.body as Record<string, unknown> : {};
    // Kafka's SaslHandshake v0 is followed by bare tokens; Josef's protocol always uses SaslAuthenticate.
    const bareTokens = this.protocol?.name === 'kafka' && request.apiVersion === 0;
    const step = authenticator.onRequest(request.apiKey, body, bareTokens);
    switch (step.kind) {
      case 'dispatch':
        await this.writeAnswer(request, await this.options.dispatcher.dispatch(request.apiKey, request.body, this.context(request)), startedNs);
        return;
      case 'answer':
        if (step.response.errorCode === ErrorCode.SASL_AUTHENTICATION_FAILED.code) await this.failedAuthenticationDelay();
        await this.writeAnswer(request, step.response, startedNs);
        if (step.closeReason !== undefined) this.close(step.closeReason, undefined);
        else if (authenticator.authenticated) this.options.logger.debug(`connection from ${this.remoteAddress} authenticated as ${authenticator.principal}`);
        return;
      case 'refuse':
        await this.writeAnswer(request, new RequestFailure(step.errorCode), startedNs);
        this.close(step.reason, undefined);
        return;
      case 'close':
        this.close(step.reason, undefined);
    }
  }

  /** A bare SASL token (after SaslHandshake v0): its challenge goes back as a bare frame. */
  private async handleBareToken(authenticator: SaslServerAuthenticator, token: Buffer): Promise<void> {
    await this.answersWritten();
    const step = authenticator.onBareToken(token);
    if (step.kind === 'close') {
      await this.failedAuthenticationDelay();
      this.close(step.reason, undefined);
      return;
    }
    const length = Buffer.alloc(4);
    length.writeInt32BE(step.challenge.length);
    await this.write({ chunks: [length, step.challenge], bytes: 4 + step.challenge.length });
    if (authenticator.authenticated) this.options.logger.debug(`connection from ${this.remoteAddress} authenticated as ${authenticator.principal}`);
  }

  /** Only this connection waits: its queue is not read meanwhile, every other connection is served. */
  private failedAuthenticationDelay(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.failedAuthenticationDelayMs));
  }

  /**
   * A Produce: returns once it is answered, or once it has appended and waits for its acks (the
   * next request may then be handled); its answer is written after every answer before it.
   */
  private handleProduce(request: DecodedRequest, frame: Buffer): Promise<void> | undefined {
    if (this.waitingProduces.length >= this.options.queuedRequestsMax) return this.handleProduceLater(request, frame);
    // Once its batches are in the log (written, not kept) the frame is no longer needed (its
    // answer holds none of its bytes): its memory can take the next large request. Handed back
    // once only: the pool knows a frame by its memory, which by a second time may hold a later
    // request still to be appended (an acks=all Produce handed its frame back when it began to
    // wait and again when answered, and librdkafka's pipelined Produces then read corrupt batches).
    let handedBack = false;
    const handBack = (): void => {
      if (handedBack) return;
      handedBack = true;
      this.decoder.recycle(frame);
    };
    let waitingForAcks = false;
    let mayProceed: (() => void) | undefined;
    const ctx = this.context(request, () => {
      handBack();
      waitingForAcks = true;
      mayProceed?.();
    });
    const startedNs = this.requestStartNs();
    const response = this.options.dispatcher.dispatch(request.apiKey, request.body, ctx);
    if (!(response instanceof Promise) && this.waitingProduces.length === 0) {
      // Answered in this turn with no Produce before it still waiting: written now, no promise (acks 0 and 1).
      handBack();
      try {
        return this.writeAnswer(request, response, startedNs);
      } catch (err) {
        this.cannotAnswerProduce(request, err);
        return undefined;
      }
    }
    // One promise per waiting Produce says "the next request may go": its answer is written, or it waits for acks.
    const proceeding = waitingForAcks ? undefined : new Promise<void>((resolve) => { mayProceed = resolve; });
    this.waitingProduces.push(this.answerProduce(request, handBack, response, startedNs, this.waitingProduces[this.waitingProduces.length - 1], () => mayProceed?.()));
    return proceeding;
  }

  /** A Produce that arrived while `queuedRequestsMax` Produces wait: handled once the oldest is answered. */
  private async handleProduceLater(request: DecodedRequest, frame: Buffer): Promise<void> {
    await this.waitingProduces[0];
    await this.handleProduce(request, frame);
  }

  /**
   * Writes a Produce's answer once `previous` (the Produce before it, if it still waits) has
   * written its own. Settles after that, so the Produces settle in the order they came and each
   * one leaves `waitingProduces` from its head.
   */
  private async answerProduce(
    request: DecodedRequest, handBack: () => void, dispatched: DispatchResult | Promise<DispatchResult>, startedNs: bigint | undefined, previous: Promise<void> | undefined, mayProceed: () => void,
  ): Promise<void> {
    let before = previous;
    try {
      const response = await dispatched;
      handBack(); // a no-op if it already was
      if (before !== undefined) await before;
      before = undefined;
      await this.writeAnswer(request, response, startedNs);
    } catch (err) {
      this.cannotAnswerProduce(request, err);
    } finally {
      if (before !== undefined) await before; // failed before its turn: still settle after the one before
      this.waitingProduces.shift();
      this.notifyIfIdle();
      mayProceed();
    }
  }

  private cannotAnswerProduce(request: DecodedRequest, err: unknown): void {
    this.options.logger.error(`connection from ${this.remoteAddress}: cannot answer Produce ${request.correlationId}: ${(err as Error).message}`);
    this.destroy();
  }

  /** When the request's handling started, for the request observer; a broker without one does not read the clock. */
  private requestStartNs(): bigint | undefined {
    return this.options.requestObserver === undefined ? undefined : process.hrtime.bigint();
  }

  private context(request: DecodedRequest, onWaitingForAcks?: () => void): RequestContext {
    return {
      protocol: (this.protocol ?? josefProtocol).name,
      listenerName: this.options.listenerName,
      principal: this.authenticator?.principal ?? this.options.peerPrincipal ?? ANONYMOUS_PRINCIPAL,
      clientId: request.clientId,
      correlationId: request.correlationId,
      apiVersion: request.apiVersion,
      remoteAddress: this.remoteAddress,
      onWaitingForAcks,
    };
  }

  /**
   * Writes the answer (if any), then tells the request observer how long the request took since
   * `startedNs`. Like write(), a promise only when the socket's buffer is full; a broker without
   * metrics pays no promise for it beside that.
   */
  private writeAnswer(request: DecodedRequest, response: DispatchResult, startedNs: bigint | undefined): Promise<void> | undefined {
    const written = this.writeResponse(request, response);
    const observe = this.options.requestObserver;
    if (observe === undefined || startedNs === undefined) return written;
    const observed = (): void => observe(request.apiKey, request.apiVersion, Number(process.hrtime.bigint() - startedNs) / 1e6);
    if (written === undefined) {
      observed();
      return undefined;
    }
    return written.finally(observed);
  }

  private writeResponse(request: DecodedRequest, result: DispatchResult): Promise<void> | undefined {
    if (result instanceof CloseConnection) {
      this.close(result.reason, undefined);
      return undefined;
    }
    // Two conditionals, not a destructured pair: an array built and taken apart per answer.
    const response = result instanceof AnswerThen ? result.response : result;
    const afterWrite = result instanceof AnswerThen ? result.afterWrite : undefined;
    if (response === null || (this.state !== 'open' && this.state !== 'draining')) {
      afterWrite?.();
      return undefined;
    }
    return this.write(this.encode(request, response), afterWrite);
  }

  /** Closes over a frame that cannot be served, after `finalFrame` if the protocol has one to say why. */
  private close(reason: string, finalFrame: Buffer | undefined): void {
    this.options.logger.warn(`closing connection from ${this.remoteAddress}: ${reason}`);
    void this.shutdown(finalFrame);
  }

  private encode(request: DecodedRequest, response: object | RequestFailure): FrameChunks {
    const protocol = this.protocol ?? josefProtocol;
    try {
      return protocol.encode(request, response);
    } catch (err) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.options.logger.error(`cannot encode the response to request ${request.correlationId} (apiKey ${request.apiKey} v${request.apiVersion}, ${protocol.name} protocol): ${detail}`);
      return protocol.encode(request, new RequestFailure(ErrorCode.UNKNOWN_SERVER_ERROR.code));
    }
  }

  /**
   * Writes a response; when the socket's buffer is full, waits for it to drain before the next
   * request. Responses written in one turn of the event loop (pipelined requests answered at
   * once) go out in one gathered write at its end: on a VM every write to a loopback socket wakes
   * the peer's CPU, which costs more than the bytes. Record batches in the response are written
   * from the buffers they were read into; `onWritten` runs once the socket is done with them
   * (written, or failed), and only then may those buffers be reused. Returns a promise only when
   * there is something to wait for (the buffer is full): most answers need none.
   */
  private write(frame: FrameChunks, onWritten?: () => void): Promise<void> | undefined {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncorkBound);
    }
    const { chunks } = frame;
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(chunks[i]);
    const hasRoom = onWritten === undefined ? this.socket.write(chunks[last]) : this.socket.write(chunks[last], () => onWritten());
    if (hasRoom) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  private setReadingPaused(paused: boolean): void {
    if (paused === this.readingPaused) return;
    this.readingPaused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  private onClose(): void {
    this.state = 'closed';
    this.queue.length = 0;
    clearTimeout(this.lingerTimer);
  }
}
