/**
 * Routes a decoded request to the handler registered for its API key (Kafka's KafkaApis.handle)
 * and turns whatever goes wrong into an error response: the broker never dies of a request. A
 * request it cannot answer normally gets the body `{errorCode}`.
 */
import { apiName } from '../protocol/api-keys';
import type { MessageBody } from '../protocol/frame';
import type { RequestOf, ResponseOf, SupportedApiKey } from '../protocol/messages';
import { assert } from '../common/assert';
import { ErrorCode, JosefError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import type { RequestContext } from './request-context';

/** Answers one request; null means send nothing back (a Produce with acks=0). */
export type Handler<K extends SupportedApiKey> = (
  body: RequestOf<K>,
  ctx: RequestContext,
) => Promise<ResponseOf<K> | null> | ResponseOf<K> | null;

/** An API a broker speaks, as ApiVersions reports it. */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The body of a response to a request that failed as a whole. */
export interface ErrorResponse {
  errorCode: number;
}

interface Route {
  handler: (body: MessageBody, ctx: RequestContext) => Promise<object | null> | object | null;
  versions: ApiVersionRange;
}

export class Dispatcher {
  private readonly routes = new Map<number, Route>();

  constructor(private readonly logger: Logger = createLogger('dispatcher')) {}

  /** Registers the handler of one API; versions default to 0..0 (every Josef API is at version 0). */
  register<K extends SupportedApiKey>(
    apiKey: K,
    handler: Handler<K>,
    versions: { minVersion?: number; maxVersion?: number } = {},
  ): void {
    assert(!this.routes.has(apiKey), () => `a handler for ${apiName(apiKey)} is already registered`);
    const minVersion = versions.minVersion ?? 0;
    const maxVersion = versions.maxVersion ?? minVersion;
    assert(minVersion <= maxVersion, () => `${apiName(apiKey)} versions ${minVersion}..${maxVersion}`);
    this.routes.set(apiKey, {
      // The frame codec has checked the envelope; the body's fields are the handler's to check.
      handler: handler as unknown as Route['handler'],
      versions: { apiKey, minVersion, maxVersion },
    });
  }

  /** Every registered API with its versions, in key order: what an ApiVersions handler answers. */
  supportedApis(): ApiVersionRange[] {
    return [...this.routes.values()].map((route) => ({ ...route.versions })).sort((a, b) => a.apiKey - b.apiKey);
  }

  /**
   * The response body for one request, or null for none. Never rejects: an unknown API or
   * version is answered with UNSUPPORTED_VERSION, a thrown JosefError with its code (logged at
   * warn), anything else with UNKNOWN_SERVER_ERROR (logged with its stack).
   */
  async dispatch(apiKey: number, body: MessageBody, ctx: RequestContext): Promise<object | null> {
    const route = this.routes.get(apiKey);
    const describe = (): string =>
      `${apiName(apiKey)} v${ctx.apiVersion} request ${ctx.correlationId} from ${ctx.clientId ?? '-'}@${ctx.remoteAddress}`;
    if (route === undefined || ctx.apiVersion < route.versions.minVersion || ctx.apiVersion > route.versions.maxVersion) {
      // Kafka answers what it cannot parse by closing; Josef tells the client, which is kinder
      // to a learner's hand-written client and costs nothing.
      this.logger.warn(`${describe()}: unsupported API or version`);
      return errorResponse(ErrorCode.UNSUPPORTED_VERSION.code);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      // Every request body is a map of fields (DESIGN.md); msgpack of another shape is the client's error.
      this.logger.warn(`${describe()}: the body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}, not a map of fields`);
      return errorResponse(ErrorCode.INVALID_REQUEST.code);
    }
    try {
      const response = await route.handler(body, ctx);
      assert(response !== undefined, 'a handler returned undefined (null means no response)');
      return response;
    } catch (err) {
      if (err instanceof JosefError) {
        this.logger.warn(`${describe()} failed: ${err.message}`);
        return errorResponse(err.code);
      }
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.logger.error(`${describe()} failed with an unexpected error: ${detail}`);
      return errorResponse(ErrorCode.UNKNOWN_SERVER_ERROR.code);
    }
  }
}

export function errorResponse(errorCode: number): ErrorResponse {
  return { errorCode };
}
