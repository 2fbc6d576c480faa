/**
 * Routes a decoded request to the handler registered for its API key (Kafka's KafkaApis.handle)
 * and turns whatever goes wrong into a RequestFailure, which each wire protocol answers in its
 * own way: the broker never dies of a request. Both protocols (Josef's msgpack and Kafka's binary
 * one) come here with the same request shapes, so one handler serves both.
 */
import { apiName, type ApiKey, type ApiVersionRange } from '../protocol/api-keys';
import type { MessageBody } from '../protocol/frame';
import { RequestFailure, type CloseConnection } from '../protocol/wire-protocol';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../protocol/messages';
import { assert } from '../common/assert';
import { ErrorCode, JosefError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import type { RequestContext } from './request-context';

/**
 * Answers one request; null means send nothing back (a Produce with acks=0), CloseConnection
 * nothing back and close (a failed Produce with acks=0), AnswerThen an answer with what to do
 * once it is written.
 */
export type Handler<K extends SupportedApiKey> = (
  body: RequestOf<K>,
  ctx: RequestContext,
) => Promise<HandlerResult<K>> | HandlerResult<K>;

/**
 * Only a Produce may close its connection instead of answering, and only a Fetch has something to
 * do once its answer is written (its records are views of lent read buffers).
 */
type HandlerResult<K extends SupportedApiKey> = ResponseOf<K> | null
  | (K extends typeof ApiKey.Produce ? CloseConnection : never)
  | (K extends typeof ApiKey.Fetch ? AnswerThen<ResponseOf<K>> : never);

/**
 * An answer and what to do once the connection has written it (or given up writing it): a Fetch
 * gives back the read buffers its records are views of, which nothing may reuse before.
 */
export class AnswerThen<R extends object> {
  constructor(readonly response: R, readonly afterWrite: () => void) {}
}

/** What the dispatcher hands the connection for one request. */
export type DispatchResult = object | null | RequestFailure | CloseConnection | AnswerThen<object>;

export interface HandlerOptions {
  /** Josef's versions of the API; default 0..0 (every Josef API is at version 0). */
  minVersion?: number;
  maxVersion?: number;
  /**
   * The connection may handle its next request while this one waits (the handler calls
   * ctx.onWaitingForAcks once it does); the answers are still written in the order asked. A
   * Produce waiting for its acks, so that a producer's pipelined batches append back to back.
   */
  pipelined?: boolean;
}

interface Route {
  handler: (body: MessageBody, ctx: RequestContext) => Promise<DispatchResult> | DispatchResult;
  versions: ApiVersionRange;
  pipelined: boolean;
}

export class Dispatcher {
  private readonly routes = new Map<number, Route>();

  constructor(private readonly logger: Logger = createLogger('dispatcher')) {}

  /** Registers the handler of one API. */
  register<K extends SupportedApiKey>(apiKey: K, handler: Handler<K>, versions: HandlerOptions = {}): void {
    assert(!this.routes.has(apiKey), () => `a handler for ${apiName(apiKey)} is already registered`);
    const minVersion = versions.minVersion ?? 0;
    const maxVersion = versions.maxVersion ?? minVersion;
    assert(minVersion <= maxVersion, () => `${apiName(apiKey)} versions ${minVersion}..${maxVersion}`);
    this.routes.set(apiKey, {
      // The frame codec has checked the envelope; the body's fields are the handler's to check.
      handler: handler as unknown as Route['handler'],
      versions: { apiKey, minVersion, maxVersion },
      pipelined: versions.pipelined ?? false,
    });
  }

  /** True if a request of `apiKey` may let the next one be handled while it waits (see HandlerOptions). */
  isPipelined(apiKey: number): boolean {
    return this.routes.get(apiKey)?.pipelined ?? false;
  }

  /** True if a handler for `apiKey` is registered. */
  offers(apiKey: number): boolean {
    return this.routes.has(apiKey);
  }

  /** Every registered API with its versions of Josef's protocol, in key order: what an ApiVersions handler answers there. */
  supportedApis(): ApiVersionRange[] {
    return [...this.routes.values()].map((route) => ({ ...route.versions })).sort((a, b) => a.apiKey - b.apiKey);
  }

  /**
   * The response body for one request, null for none, or a RequestFailure. Never rejects: an
   * unknown API or (on Josef's protocol) version fails with UNSUPPORTED_VERSION, a thrown
   * JosefError with its code (logged at warn), anything else with UNKNOWN_SERVER_ERROR (logged
   * with its stack). The Kafka protocol has checked the version against its own ranges already.
   * A handler that answers at once is answered at once, without a promise (a Produce with acks 0
   * or 1: a promise per request is a cost librdkafka's one-partition Produces pay per 150 records).
   */
  dispatch(apiKey: number, body: MessageBody, ctx: RequestContext): DispatchResult | Promise<DispatchResult> {
    const route = this.routes.get(apiKey);
    const versionChecked = ctx.protocol === 'kafka';
    if (route === undefined || (!versionChecked && (ctx.apiVersion < route.versions.minVersion || ctx.apiVersion > route.versions.maxVersion))) {
      // Kafka answers what it cannot parse by closing; Josef tells the client, which is kinder
      // to a learner's hand-written client and costs nothing.
      this.logger.warn(`${describeRequest(apiKey, ctx)}: unsupported API or version`);
      return new RequestFailure(ErrorCode.UNSUPPORTED_VERSION.code);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      // Every request body is a map of fields (DESIGN.md); msgpack of another shape is the client's error.
      this.logger.warn(`${describeRequest(apiKey, ctx)}: the body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}, not a map of fields`);
      return new RequestFailure(ErrorCode.INVALID_REQUEST.code);
    }
    try {
      const response = route.handler(body, ctx);
      if (response instanceof Promise) return response.then(checkedResponse).catch((err: unknown) => this.failure(apiKey, ctx, err));
      return checkedResponse(response);
    } catch (err) {
      return this.failure(apiKey, ctx, err);
    }
  }

  /** What a handler's throw answers. */
  private failure(apiKey: number, ctx: RequestContext, err: unknown): RequestFailure {
    if (err instanceof JosefError) {
      this.logger.warn(`${describeRequest(apiKey, ctx)} failed: ${err.message}`);
      return new RequestFailure(err.code);
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.logger.error(`${describeRequest(apiKey, ctx)} failed with an unexpected error: ${detail}`);
    return new RequestFailure(ErrorCode.UNKNOWN_SERVER_ERROR.code);
  }
}

function checkedResponse(response: DispatchResult): DispatchResult {
  assert(response !== undefined, 'a handler returned undefined (null means no response)');
  return response;
}

/** The request, for log lines (a function apart: a closure per request would be built even when nothing is logged). */
function describeRequest(apiKey: number, ctx: RequestContext): string {
  return `${apiName(apiKey)} v${ctx.apiVersion} request ${ctx.correlationId} from ${ctx.clientId ?? '-'}@${ctx.remoteAddress}`;
}
