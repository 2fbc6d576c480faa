/**
 * ACLs in ZooKeeper as Kafka's ZkAclStore keeps them: one znode per resource pattern,
 * `/kafka-acl/Topic/t` (literal) or `/kafka-acl-extended/prefixed/Topic/t`, holding
 * `{"version":1,"acls":[{"principal","permissionType","operation","host"}]}`. Every change is a
 * conditional write on the znode's version (a lost race re-reads) followed by an `acl_changes_<seq>`
 * notification naming the resource, which every broker's authorizer follows.
 */
import { encodeJson, type ZkClient, type ZooKeeper } from '../coordination/zk-client';
import { ZkPaths } from '../coordination/paths';
import { ZkBadVersionError, ZkNoNodeError, ZkNodeExistsError } from '../coordination/zk-errors';
import { getChildrenIfExists, getDataIfExists } from '../coordination/zk-reads';
import { ACL_OPERATIONS, RESOURCE_TYPES, parseResourceType, type AclBinding, type AclEntry, type PatternType, type ResourcePattern } from './acl';

const aclChangePrefix = 'acl_changes_';
export const PATTERN_TYPES: readonly PatternType[] = ['literal', 'prefixed'];

export function resourcePath(pattern: ResourcePattern): string {
  return `${ZkPaths.aclRoot(pattern.patternType)}/${pattern.resourceType}/${pattern.name}`;
}

export function encodeAcls(entries: readonly AclEntry[]): Buffer {
  return encodeJson({ version: 1, acls: entries.map(({ principal, permissionType, operation, host }) => ({ principal, permissionType, operation, host })) });
}

export function decodeAcls(data: Buffer, path: string): AclEntry[] {
  const parsed = JSON.parse(data.toString('utf8')) as { acls?: unknown };
  if (!Array.isArray(parsed.acls)) throw new Error(`${path}: no acls array in ${data.toString('utf8')}`);
  return parsed.acls.map((raw: Record<string, unknown>) => {
    const { principal, permissionType, operation, host } = raw;
    if (typeof principal !== 'string' || typeof host !== 'string' || (permissionType !== 'Allow' && permissionType !== 'Deny')
      || !ACL_OPERATIONS.includes(operation as AclEntry['operation'])) {
      throw new Error(`${path}: an ACL Josef cannot read: ${JSON.stringify(raw)}`);
    }
    return { principal, permissionType, operation: operation as AclEntry['operation'], host };
  });
}

/**
 * A notification's data, as Kafka's change stores write it: `TOPIC:name` for a literal pattern,
 * `{"version":1,"resourceType":"TOPIC","name":...,"patternType":"PREFIXED"}` for a prefixed one.
 */
export function encodeAclChange(pattern: ResourcePattern): Buffer {
  const type = pattern.resourceType.toUpperCase();
  if (pattern.patternType === 'literal') return Buffer.from(`${type}:${pattern.name}`, 'utf8');
  return encodeJson({ version: 1, resourceType: type, name: pattern.name, patternType: 'PREFIXED' });
}

export function decodeAclChange(patternType: PatternType, data: Buffer): ResourcePattern {
  const text = data.toString('utf8');
  if (patternType === 'literal') {
    const colon = text.indexOf(':');
    if (colon < 0) throw new Error(`an ACL change notification names ${text}, not TYPE:NAME`);
    return { resourceType: parseResourceType(text.slice(0, colon)), name: text.slice(colon + 1), patternType };
  }
  const event = JSON.parse(text) as { resourceType: string; name: string };
  return { resourceType: parseResourceType(event.resourceType), name: event.name, patternType };
}

/** The ACLs on one pattern and the znode's version (-1 when it has none). */
export async function readAcls(zk: ZooKeeper, pattern: ResourcePattern): Promise<{ entries: AclEntry[]; version: number }> {
  const path = resourcePath(pattern);
  const node = await getDataIfExists(zk, path);
  return node ? { entries: decodeAcls(node.data, path), version: node.stat.version } : { entries: [], version: -1 };
}

function sameEntry(a: AclEntry, b: AclEntry): boolean {
  return a.principal === b.principal && a.permissionType === b.permissionType && a.operation === b.operation && a.host === b.host;
}

/**
 * Adds or removes ACLs on one pattern (AclAuthorizer.updateResourceAcls): read, change, write
 * conditionally on the version read (create if there was none, delete once empty), again on a
 * lost race; then the change notification. Returns the entries the znode now holds.
 */
export async function updateAcls(zk: ZkClient, pattern: ResourcePattern, change: { add?: readonly AclEntry[]; remove?: readonly AclEntry[] }): Promise<AclEntry[]> {
  const path = resourcePath(pattern);
  for (;;) {
    const current = await readAcls(zk, pattern);
    const kept = current.entries.filter((e) => !(change.remove ?? []).some((r) => sameEntry(e, r)));
    const next = [...kept, ...(change.add ?? []).filter((a) => !kept.some((e) => sameEntry(e, a)))];
    try {
      if (current.version < 0 && next.length === 0) return next;
      if (current.version < 0) await zk.create(path, encodeAcls(next), 'persistent', { createParents: true });
      else if (next.length === 0) await zk.delete(path, current.version);
      else await zk.setData(path, encodeAcls(next), current.version);
    } catch (err) {
      if (err instanceof ZkBadVersionError || err instanceof ZkNodeExistsError || err instanceof ZkNoNodeError) continue;
      throw err;
    }
    await zk.create(`${ZkPaths.aclChanges(pattern.patternType)}/${aclChangePrefix}`, encodeAclChange(pattern), 'persistent_sequential', { createParents: true });
    return next;
  }
}

/** Every pattern with ACLs and its entries (AclAuthorizer.loadCache, kafka-acls --list). */
export async function readAllAcls(zk: ZooKeeper): Promise<AclBinding[]> {
  const bindings: AclBinding[] = [];
  for (const patternType of PATTERN_TYPES) {
    for (const resourceType of RESOURCE_TYPES) {
      for (const name of await getChildrenIfExists(zk, `${ZkPaths.aclRoot(patternType)}/${resourceType}`)) {
        const pattern = { resourceType, name, patternType };
        for (const entry of (await readAcls(zk, pattern)).entries) bindings.push({ pattern, entry });
      }
    }
  }
  return bindings;
}

/** The sequence number of an `acl_changes_<seq>` child, or undefined for another name. */
export function aclChangeSequence(name: string): number | undefined {
  const digits = name.startsWith(aclChangePrefix) ? name.slice(aclChangePrefix.length) : '';
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}
