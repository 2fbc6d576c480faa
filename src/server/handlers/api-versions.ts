/**
 * ApiVersions (key 18): the APIs and versions this broker answers, on the protocol the request
 * came in on (Josef's msgpack protocol has its own versions; Kafka's are those kafka/apis.ts
 * describes, narrowed to the APIs this broker has handlers for).
 */
import { ErrorCode } from '../../common/errors';
import { ApiKey, type ApiVersionRange } from '../../protocol/api-keys';
import type { ApiVersionsResponse } from '../../protocol/messages';
import type { ProtocolName } from '../../protocol/wire-protocol';
import type { Handler } from '../dispatcher';

export function apiVersionsHandler(supportedApis: (protocol: ProtocolName) => ApiVersionRange[]): Handler<typeof ApiKey.ApiVersions> {
  return (_body, ctx): ApiVersionsResponse => ({ errorCode: ErrorCode.NONE.code, apiKeys: supportedApis(ctx.protocol) });
}
