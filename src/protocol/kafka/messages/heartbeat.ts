/**
 * Heartbeat (key 12), versions 0-3. Version 3 names a group.instance.id, served only when null
 * (src/server/handlers/static-membership.ts).
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { field, message } from '../schema';

export const heartbeatApi = kafkaApi({
  apiKey: ApiKey.Heartbeat,
  versions: '0-3',
  flexibleVersions: '4+',
  request: message('HeartbeatRequest', [
    field('groupId', 'string'),
    field('generationId', 'int32'),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  ]),
  response: message('HeartbeatResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode }),
});
