/**
 * AlterConfigs (key 33), the non-incremental one, as Kafka's AdminManager.alterConfigs: a TOPIC's
 * overrides become exactly the configs given, written to /config/topics/<topic> with a change
 * notification as `josef topic alter --config` writes them, so running brokers apply them at once;
 * a BROKER resource (this broker's id, or "" for every broker) takes only the dynamic broker
 * configs Josef applies live, the replication throttle rates. validateOnly checks and writes
 * nothing. Each resource fails on its own.
 */
import type { BrokerConfig } from '../../common/config';
import { ConfigValueError, ErrorCode, JosefError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { ApiKey } from '../../protocol/api-keys';
import { ConfigResourceType, type AlterConfigsRequest, type AlterConfigsResource, type AlterConfigsResponse } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import { validateDynamicBrokerConfigs } from '../dynamic-broker-config';
import { partitionError, type PartitionErrorResult } from '../partition-error';
import { requireArray } from './by-topic';
import type { AuthorizeRequest } from './authorization';
import { brokerEntityOf, configResourceText, requireConfigsAuthorized } from './config-resource';
import type { ConfigAdminPort } from './ports';

export interface AlterConfigsDeps {
  config: BrokerConfig;
  configAdmin: ConfigAdminPort;
  logger: Logger;
  authorize: AuthorizeRequest;
}

export function alterConfigsHandler(deps: AlterConfigsDeps): Handler<typeof ApiKey.AlterConfigs> {
  return async (body: AlterConfigsRequest, ctx): Promise<AlterConfigsResponse> => {
    const responses: AlterConfigsResponse['responses'] = [];
    const validateOnly = body.validateOnly === true;
    for (const resource of requireArray(body.resources, 'AlterConfigs.resources')) {
      const { resourceType, resourceName } = resource;
      let outcome: PartitionErrorResult = { errorCode: ErrorCode.NONE.code, errorMessage: null };
      try {
        requireConfigsAuthorized(deps.authorize, ctx, 'AlterConfigs', resourceType, resourceName);
        await alter(resource, validateOnly, deps);
        deps.logger.info(`${validateOnly ? 'validated' : 'altered'} configs of ${configResourceText(resourceType, resourceName)}`);
      } catch (err) {
        outcome = alterError(err, resource, deps.logger);
      }
      responses.push({ ...outcome, resourceType, resourceName });
    }
    return { throttleTimeMs: 0, responses };
  };
}

async function alter(resource: AlterConfigsResource, validateOnly: boolean, deps: AlterConfigsDeps): Promise<void> {
  const configs = configsOf(resource);
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC:
      return deps.configAdmin.changeTopicConfig(resource.resourceName, configs, validateOnly);
    case ConfigResourceType.BROKER: {
      const broker = brokerEntityOf(resource.resourceName, deps.config.brokerId);
      validateDynamicBrokerConfigs(configs);
      if (!validateOnly) await deps.configAdmin.changeBrokerConfig(broker, configs);
      return;
    }
    default:
      throw new JosefError(ErrorCode.INVALID_REQUEST, `AlterConfigs is only supported for topics and brokers, but resource type is ${resource.resourceType}`);
  }
}

/** The configs as a map; Kafka refuses a null value ("Null value not supported for : ..."). The last of a name given twice wins. */
function configsOf(resource: AlterConfigsResource): Record<string, string> {
  const entries = requireArray(resource.configs, 'AlterConfigs.resources[].configs');
  const nulls = entries.filter((e) => e.value === null).map((e) => e.name);
  if (nulls.length > 0) throw new JosefError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(',')}`);
  return Object.fromEntries(entries.map((e) => [e.name, e.value as string]));
}

/**
 * Kafka's AdminManager answers a known config with a bad value (its ConfigException) with
 * INVALID_REQUEST and these words; an unknown topic config name is INVALID_CONFIG (its
 * InvalidConfigurationException), and every other error keeps its own code.
 */
function alterError(err: unknown, resource: AlterConfigsResource, logger: Logger): PartitionErrorResult {
  const what = configResourceText(resource.resourceType, resource.resourceName);
  if (err instanceof ConfigValueError) return { errorCode: ErrorCode.INVALID_REQUEST.code, errorMessage: `Invalid config value for resource ${what}: ${err.detail}` };
  return partitionError(err, `alter configs of ${what}`, logger);
}
