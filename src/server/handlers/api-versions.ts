/** ApiVersions (key 18): the APIs and versions this broker answers, as registered with the dispatcher. */
import { ErrorCode } from '../../common/errors';
import { ApiKey } from '../../protocol/api-keys';
import type { ApiVersionsResponse } from '../../protocol/messages';
import type { ApiVersionRange, Handler } from '../dispatcher';

export function apiVersionsHandler(supportedApis: () => ApiVersionRange[]): Handler<typeof ApiKey.ApiVersions> {
  return (): ApiVersionsResponse => ({ errorCode: ErrorCode.NONE.code, apiKeys: supportedApis() });
}
