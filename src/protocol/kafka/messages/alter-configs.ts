/**
 * AlterConfigs (key 33), versions 0-1 (1 is 0; it only changed when a throttled broker answers):
 * the non-incremental config change, each resource's overrides replaced by the configs given.
 */
import { ApiKey } from '../../api-keys';
import { kafkaApi } from '../api';
import { array, field, message } from '../schema';

export const alterConfigsApi = kafkaApi({
  apiKey: ApiKey.AlterConfigs,
  versions: '0-1',
  flexibleVersions: '2+',
  request: message('AlterConfigsRequest', [
    array('resources', '0+', [
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      array('configs', '0+', [
        field('name', 'string'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ]),
    ]),
    field('validateOnly', 'bool'),
  ]),
  response: message('AlterConfigsResponse', [
    field('throttleTimeMs', 'int32'),
    array('responses', '0+', [
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullable: '0+' }),
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
    ]),
  ]),
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    responses: (request.resources ?? []).map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })),
  }),
});
