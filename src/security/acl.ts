/**
 * Kafka's ACL model and AclAuthorizer's decision as a pure function: resource patterns (literal,
 * with `*` as every name, or prefixed), ACL entries with Kafka's names (`User:alice`, Allow/Deny,
 * Write, host `*`), and the rule that a deny wins over any allow. The cache and ZooKeeper live
 * in acl-authorizer.ts and acl-store.ts; nothing here does I/O.
 */

export const RESOURCE_TYPES = ['Topic', 'Group', 'Cluster'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Kafka's AclOperation names, as SecurityUtils.operationName writes them into ZooKeeper. */
export const ACL_OPERATIONS = ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'DescribeConfigs', 'AlterConfigs', 'IdempotentWrite'] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];

export type PatternType = 'literal' | 'prefixed';
export type PermissionType = 'Allow' | 'Deny';

/** Kafka's one cluster resource's name (Resource.CLUSTER_NAME). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A literal pattern with this name matches every resource of its type; so does this principal or host every one. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

export interface ResourcePattern {
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly patternType: PatternType;
}

export interface AclEntry {
  readonly principal: string;
  readonly permissionType: PermissionType;
  readonly operation: AclOperation;
  readonly host: string;
}

export interface AclBinding {
  readonly pattern: ResourcePattern;
  readonly entry: AclEntry;
}

/** What a request asks: may `principal` from `host` do `operation` on this resource. */
export interface AuthorizationRequest {
  readonly principal: string;
  readonly host: string;
  readonly operation: AclOperation;
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

export interface AuthorizerPolicy {
  /** Kafka's `super.users`: principals allowed everything, ACLs or not. */
  readonly superUsers: ReadonlySet<string>;
  /** Kafka's `allow.everyone.if.no.acl.found`: a resource without any ACL is open. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Whether `pattern` names `name` (of the same type): exact, `*`, or a prefix. */
export function patternMatches(pattern: ResourcePattern, resourceType: ResourceType, name: string): boolean {
  if (pattern.resourceType !== resourceType) return false;
  if (pattern.patternType === 'prefixed') return name.startsWith(pattern.name);
  return pattern.name === name || pattern.name === WILDCARD;
}

/**
 * Operations an allow of which also allows `operation`: Kafka's implied operations. Describe is
 * allowed by Read, Write, Delete or Alter; DescribeConfigs by AlterConfigs; All allows anything.
 */
function allowingOperations(operation: AclOperation): readonly AclOperation[] {
  if (operation === 'Describe') return ['All', 'Describe', 'Read', 'Write', 'Delete', 'Alter'];
  if (operation === 'DescribeConfigs') return ['All', 'DescribeConfigs', 'AlterConfigs'];
  return ['All', operation];
}

function entryApplies(entry: AclEntry, request: AuthorizationRequest, operations: readonly AclOperation[]): boolean {
  return (entry.principal === request.principal || entry.principal === WILDCARD_PRINCIPAL)
    && (entry.host === request.host || entry.host === WILDCARD)
    && operations.includes(entry.operation);
}

/**
 * Kafka's AclAuthorizer.authorize for one action over every ACL the broker knows: a super user
 * may; a resource no ACL matches is open only with allow.everyone.if.no.acl.found; a matching
 * Deny (for the operation or All) refuses whatever allows; else a matching Allow is needed.
 */
export function authorize(request: AuthorizationRequest, acls: readonly AclBinding[], policy: AuthorizerPolicy): boolean {
  if (policy.superUsers.has(request.principal)) return true;
  const matching = acls.filter((acl) => patternMatches(acl.pattern, request.resourceType, request.resourceName)).map((acl) => acl.entry);
  if (matching.length === 0) return policy.allowEveryoneIfNoAclFound;
  const denied = matching.some((entry) => entry.permissionType === 'Deny' && entryApplies(entry, request, ['All', request.operation]));
  if (denied) return false;
  return matching.some((entry) => entry.permissionType === 'Allow' && entryApplies(entry, request, allowingOperations(request.operation)));
}

/** Kafka's names are case-insensitive on the command line (`--operation write`); this gives the stored spelling. */
export function parseAclOperation(text: string): AclOperation {
  const found = ACL_OPERATIONS.find((op) => op.toLowerCase() === text.toLowerCase());
  if (found === undefined) throw new Error(`unknown operation ${text}: expected one of ${ACL_OPERATIONS.join(', ')}`);
  return found;
}

export function parseResourceType(text: string): ResourceType {
  const found = RESOURCE_TYPES.find((type) => type.toLowerCase() === text.toLowerCase());
  if (found === undefined) throw new Error(`unknown resource type ${text}: expected one of ${RESOURCE_TYPES.join(', ')}`);
  return found;
}

/** One line per ACL, as kafka-acls --list prints them. */
export function describeAclEntry(entry: AclEntry): string {
  return `(principal=${entry.principal}, host=${entry.host}, operation=${entry.operation}, permissionType=${entry.permissionType})`;
}

export function describePattern(pattern: ResourcePattern): string {
  return `ResourcePattern(resourceType=${pattern.resourceType.toUpperCase()}, name=${pattern.name}, patternType=${pattern.patternType.toUpperCase()})`;
}
