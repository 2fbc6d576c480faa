/**
 * FindCoordinator (key 10), versions 0-2: which broker coordinates a group, answered with its
 * address on the listener the request came in on. Version 0 (Kafka's GroupCoordinator request)
 * names only the group; its key type is a group's (0).
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { field, message } from '../schema';

export const findCoordinatorApi = kafkaApi({
  apiKey: ApiKey.FindCoordinator,
  versions: '0-2',
  flexibleVersions: '3+',
  request: message('FindCoordinatorRequest', [
    field('key', 'string'),
    field('keyType', 'int8', '1+'),
  ]),
  response: message('FindCoordinatorResponse', [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16'),
    field('errorMessage', 'string', '1+', { nullable: '1+', default: null }),
    field('nodeId', 'int32'),
    field('host', 'string'),
    field('port', 'int32'),
  ]),
  // Kafka answers "no node" with id -1, an empty host and port -1.
  errorResponse: (_request, errorCode) => ({ errorCode, nodeId: -1, host: '', port: -1 }),
});
