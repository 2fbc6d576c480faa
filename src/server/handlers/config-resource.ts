/**
 * The config resources DescribeConfigs and AlterConfigs name, read as Kafka's ConfigHelper and
 * AdminManager read them: a BROKER resource is this broker's id, or "" for the default every
 * broker shares; another broker's id is the client's mistake (Kafka's admin clients send a broker
 * resource to that broker).
 */
import { ErrorCode, JosefError } from '../../common/errors';
import { ConfigResourceType } from '../../protocol/messages';
import type { RequestContext } from '../request-context';
import { requireAuthorized, type AuthorizeRequest } from './authorization';

/** Kafka's ConfigResource.toString, for messages: `ConfigResource(type=TOPIC, name='orders')`. */
export function configResourceText(resourceType: number, resourceName: string): string {
  const type = Object.entries(ConfigResourceType).find(([, id]) => id === resourceType)?.[0] ?? `UNKNOWN(${resourceType})`;
  return `ConfigResource(type=${type}, name='${resourceName}')`;
}

/**
 * Kafka's KafkaApis checks DescribeConfigs or AlterConfigs on the topic a TOPIC resource names and
 * on the cluster for a BROKER one; a refusal fails that resource alone.
 */
export function requireConfigsAuthorized(authorize: AuthorizeRequest, ctx: RequestContext, operation: 'DescribeConfigs' | 'AlterConfigs', resourceType: number, resourceName: string): void {
  if (resourceType === ConfigResourceType.TOPIC) requireAuthorized(authorize, ctx, operation, 'Topic', resourceName);
  else requireAuthorized(authorize, ctx, operation, 'Cluster');
}

/** The broker entity a BROKER resource names: this broker's id, or `<default>` for "". Throws INVALID_REQUEST with Kafka's words otherwise. */
export function brokerEntityOf(resourceName: string, brokerId: number): number | '<default>' {
  if (resourceName === '') return '<default>';
  if (!/^-?\d+$/.test(resourceName)) throw new JosefError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${resourceName}`);
  if (Number(resourceName) !== brokerId) {
    throw new JosefError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${brokerId} or empty string, but received ${resourceName}`);
  }
  return brokerId;
}
