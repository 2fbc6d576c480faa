/**
 * DescribeConfigs (key 32), versions 0-2: the configs of topics and brokers. Version 1 adds the
 * request's includeSynonyms and, per config, its source and synonyms; version 2 is version 1
 * (it only changed when a throttled broker answers). Version 0 has no source but a flag saying
 * whether the value is a default, which is what a source of DEFAULT_CONFIG says.
 */
import { ApiKey } from '../../api-keys';
import { ConfigSource, type DescribeConfigsResponse } from '../../messages';
import { kafkaApi } from '../api';
import type { Struct } from '../codec';
import { array, arrayOf, field, message } from '../schema';

export const describeConfigsApi = kafkaApi({
  apiKey: ApiKey.DescribeConfigs,
  versions: '0-2',
  flexibleVersions: '4+',
  request: message('DescribeConfigsRequest', [
    array('resources', '0+', [
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      arrayOf('configurationKeys', 'string', '0+', { nullable: '0+' }),
    ]),
    field('includeSynonyms', 'bool', '1+'),
  ]),
  response: message('DescribeConfigsResponse', [
    field('throttleTimeMs', 'int32'),
    array('results', '0+', [
      field('errorCode', 'int16'),
      field('errorMessage', 'string', '0+', { nullable: '0+' }),
      field('resourceType', 'int8'),
      field('resourceName', 'string'),
      array('configs', '0+', [
        field('name', 'string'),
        field('value', 'string', '0+', { nullable: '0+' }),
        field('readOnly', 'bool'),
        field('isDefault', 'bool', '0'),
        field('configSource', 'int8', '1+', { default: -1 }),
        field('isSensitive', 'bool'),
        array('synonyms', '1+', [
          field('name', 'string', '1+'),
          field('value', 'string', '1+', { nullable: '0+' }),
          field('source', 'int8', '1+'),
        ]),
      ]),
    ]),
  ]),
  toKafkaResponse: (response: DescribeConfigsResponse, version) => {
    if (version === 0) {
      for (const result of response.results) {
        for (const config of result.configs) (config as unknown as Struct).isDefault = config.configSource === ConfigSource.DEFAULT_CONFIG;
      }
    }
    return response as unknown as Struct;
  },
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    results: (request.resources ?? []).map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
  }),
});
