/**
 * DeleteGroups (key 42), versions 0-1 (the same message; version 1 only changed when a throttled
 * broker answers). Sent to the groups' coordinator, which deletes each group without members and
 * answers per group.
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, arrayOf, field, message } from '../schema';

export const deleteGroupsApi = kafkaApi({
  apiKey: ApiKey.DeleteGroups,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('DeleteGroupsRequest', [
    arrayOf('groupsNames', 'string'),
  ]),
  response: message('DeleteGroupsResponse', [
    field('throttleTimeMs', 'int32'),
    array('results', '0+', [
      field('groupId', 'string'),
      field('errorCode', 'int16'),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    results: (request.groupsNames ?? []).map((groupId) => ({ groupId, errorCode })),
  }),
});
