/** ListGroups (key 16), versions 0-2: the groups this broker coordinates, each with its protocol type. */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const listGroupsApi = kafkaApi({
  apiKey: ApiKey.ListGroups,
  versions: '0-2',
  flexibleVersions: '3+',
  request: message('ListGroupsRequest', []),
  response: message('ListGroupsResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    array('groups', '0+', [
      field('groupId', 'string'),
      field('protocolType', 'string'),
    ]),
  ]),
  errorResponse: (_request, errorCode) => ({ errorCode, groups: [] }),
});
