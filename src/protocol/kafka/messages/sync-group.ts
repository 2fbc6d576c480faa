/**
 * SyncGroup (key 14), versions 0-3: the leader's assignment in, each member's own out. Version 3
 * names a group.instance.id, served only when null (src/server/handlers/static-membership.ts).
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const syncGroupApi = kafkaApi({
  apiKey: ApiKey.SyncGroup,
  versions: '0-3',
  flexibleVersions: '4+',
  request: message('SyncGroupRequest', [
    field('groupId', 'string'),
    field('generationId', 'int32'),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    array('assignments', '0+', [
      field('memberId', 'string'),
      field('assignment', 'bytes'),
    ]),
  ]),
  response: message('SyncGroupResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    field('assignment', 'bytes'),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode, assignment: Buffer.alloc(0) }),
});
