/**
 * How handlers ask the authorizer, as Kafka's KafkaApis does: a whole request refused (a group's,
 * the cluster's) fails with the resource type's error code; a request naming topics is split into
 * the topics the principal may act on and those answered TOPIC_AUTHORIZATION_FAILED. Without an
 * authorizer (no authorizer.class.name) everything is allowed, as in Kafka.
 */
import { ErrorCode, JosefError, type ErrorCodeInfo } from '../../common/errors';
import { CLUSTER_RESOURCE_NAME, type AclOperation, type ResourceType } from '../../security/acl';
import type { Authorizer } from '../../security/acl-authorizer';
import type { SupportedApiKey } from '../../protocol/messages';
import type { Handler } from '../dispatcher';
import type { RequestContext } from '../request-context';

export type AuthorizeRequest = (ctx: RequestContext, operation: AclOperation, resourceType: ResourceType, resourceName: string, logIfDenied?: boolean) => boolean;

/** The peer's host without its port, as ACLs name hosts. */
function hostOf(ctx: RequestContext): string {
  return ctx.remoteAddress.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** What a broker without authorizer.class.name answers: yes, to everyone. */
export const allowEverything: AuthorizeRequest = () => true;

export function requestAuthorizer(authorizer: Authorizer | undefined): AuthorizeRequest {
  if (authorizer === undefined) return allowEverything;
  return (ctx, operation, resourceType, resourceName, logIfDenied) => authorizer.authorize(ctx.principal, hostOf(ctx), operation, resourceType, resourceName, logIfDenied);
}

const refusalCodes: Record<ResourceType, ErrorCodeInfo> = {
  Topic: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  Group: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  Cluster: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
};

/** Throws the resource type's authorization error unless the principal may. */
export function requireAuthorized(authorize: AuthorizeRequest, ctx: RequestContext, operation: AclOperation, resourceType: ResourceType, resourceName = CLUSTER_RESOURCE_NAME): void {
  if (authorize(ctx, operation, resourceType, resourceName)) return;
  throw new JosefError(refusalCodes[resourceType], `${ctx.principal} may not ${operation} ${resourceType} ${resourceName}`);
}

/** A handler that first checks what `check` says the request needs (a group's Read, the cluster's ClusterAction). */
export function guarded<K extends SupportedApiKey>(check: (body: Parameters<Handler<K>>[0], ctx: RequestContext) => void, handler: Handler<K>): Handler<K> {
  return (body, ctx) => {
    check(body, ctx);
    return handler(body, ctx);
  };
}

/** Splits entries into those whose topic the principal may `operation` and the rest (each topic asked once). */
export function splitByTopic<E extends { topic: string }>(
  entries: E[], authorize: AuthorizeRequest, ctx: RequestContext, operation: AclOperation,
): { authorized: E[]; refused: E[] } {
  // One pass, no closures: this runs for every Produce and Fetch, and librdkafka sends one per
  // partition. The topic before is checked first; the Map of earlier verdicts is made only when a
  // request names a second topic.
  const authorized: E[] = [];
  const refused: E[] = [];
  let topic: string | undefined;
  let allowed = false;
  let verdicts: Map<string, boolean> | undefined;
  for (const entry of entries) {
    if (entry.topic !== topic) {
      if (topic !== undefined) (verdicts ??= new Map()).set(topic, allowed);
      topic = entry.topic;
      allowed = verdicts?.get(topic) ?? authorize(ctx, operation, 'Topic', topic);
    }
    (allowed ? authorized : refused).push(entry);
  }
  return { authorized, refused };
}
