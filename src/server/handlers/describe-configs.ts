/**
 * DescribeConfigs (key 32): any broker describes topics (each config's override in
 * /config/topics/<topic>, else the broker setting behind it, else Kafka's default) and itself as a
 * BROKER resource (its settings and the dynamic configs set for it); the BROKER resource "" is the
 * dynamic default every broker shares. Each resource fails on its own, as in Kafka's ConfigHelper.
 */
import type { BrokerConfig } from '../../common/config';
import { ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { validateTopicName } from '../../common/topic';
import { ApiKey } from '../../protocol/api-keys';
import {
  ConfigResourceType, type DescribeConfigsEntry, type DescribeConfigsRequest, type DescribeConfigsResource, type DescribeConfigsResponse,
  type DescribeConfigsResult,
} from '../../protocol/messages';
import { describeBrokerConfigs, describeClusterDefaultConfigs, describeTopicConfigs, type DescribeOptions } from '../config-description';
import type { Handler } from '../dispatcher';
import type { MetadataCache } from '../metadata-cache';
import { partitionError } from '../partition-error';
import { requireArray } from './by-topic';
import type { AuthorizeRequest } from './authorization';
import { brokerEntityOf, configResourceText, requireConfigsAuthorized } from './config-resource';
import type { ConfigAdminPort } from './ports';

export interface DescribeConfigsDeps {
  config: BrokerConfig;
  metadataCache: MetadataCache;
  configAdmin: ConfigAdminPort;
  logger: Logger;
  authorize: AuthorizeRequest;
}

export function describeConfigsHandler(deps: DescribeConfigsDeps): Handler<typeof ApiKey.DescribeConfigs> {
  return async (body: DescribeConfigsRequest, ctx): Promise<DescribeConfigsResponse> => {
    const results: DescribeConfigsResult[] = [];
    for (const resource of requireArray(body.resources, 'DescribeConfigs.resources')) {
      const keys = resource.configurationKeys ?? null;
      const options: DescribeOptions = { configurationKeys: keys === null ? null : requireArray(keys, 'DescribeConfigs.resources[].configurationKeys'), includeSynonyms: body.includeSynonyms === true };
      const result: DescribeConfigsResult = {
        errorCode: ErrorCode.NONE.code, errorMessage: null, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: [],
      };
      try {
        requireConfigsAuthorized(deps.authorize, ctx, 'DescribeConfigs', resource.resourceType, resource.resourceName);
        result.configs = await configsOf(resource, options, deps);
      } catch (err) {
        Object.assign(result, partitionError(err, `describe configs of ${configResourceText(resource.resourceType, resource.resourceName)}`, deps.logger));
      }
      results.push(result);
    }
    return { throttleTimeMs: 0, results };
  };
}

async function configsOf(resource: DescribeConfigsResource, options: DescribeOptions, deps: DescribeConfigsDeps): Promise<DescribeConfigsEntry[]> {
  const { resourceType, resourceName: name } = resource;
  switch (resourceType) {
    case ConfigResourceType.TOPIC: {
      validateTopicName(name);
      // Kafka asks its metadata cache whether the topic exists, and ZooKeeper for its overrides.
      if (!deps.metadataCache.hasTopic(name)) throw new JosefError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
      return describeTopicConfigs(await deps.configAdmin.readConfig({ type: 'topics', name }), deps.config, options);
    }
    case ConfigResourceType.BROKER: {
      const broker = brokerEntityOf(name, deps.config.brokerId);
      const clusterDefault = await deps.configAdmin.readConfig({ type: 'brokers', name: '<default>' });
      if (broker === '<default>') return describeClusterDefaultConfigs(clusterDefault, options);
      const perBroker = await deps.configAdmin.readConfig({ type: 'brokers', name: broker });
      return describeBrokerConfigs(deps.config, { perBroker, clusterDefault }, options);
    }
    default:
      // Kafka's words; Josef keeps no BROKER_LOGGER (8) configs.
      throw new JosefError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceType}`);
  }
}
