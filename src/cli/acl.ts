/**
 * `josef acl add|list|remove`: ACLs in ZooKeeper, with kafka-acls' options, written straight to
 * ZooKeeper as `kafka-acls --authorizer-properties zookeeper.connect=...` did (security/acl-store.ts).
 * Every broker's authorizer follows the change notifications, so changes count without a restart.
 */
import type { Command } from 'commander';
import { checkPrincipal } from '../common/principal';
import {
  CLUSTER_RESOURCE_NAME, describeAclEntry, describePattern, parseAclOperation, WILDCARD,
  type AclEntry, type PatternType, type PermissionType, type ResourcePattern,
} from '../security/acl';
import { readAcls, readAllAcls, updateAcls } from '../security/acl-store';
import { collect } from './client-cli';
import { addZookeeperOptions, withZookeeper, type ZookeeperOptions } from './zk-command';

interface AclOptions extends ZookeeperOptions {
  allowPrincipal: string[];
  denyPrincipal: string[];
  allowHost: string[];
  denyHost: string[];
  operation: string[];
  topic: string[];
  group: string[];
  cluster?: boolean;
  resourcePatternType?: string;
  principal?: string;
}

function patternTypeOf(options: AclOptions): PatternType {
  const type = (options.resourcePatternType ?? 'literal').toLowerCase();
  if (type !== 'literal' && type !== 'prefixed') throw new Error(`--resource-pattern-type ${options.resourcePatternType}: expected literal or prefixed`);
  return type;
}

/** The resource patterns the options name: each --topic, each --group, and --cluster. */
function patternsOf(options: AclOptions): ResourcePattern[] {
  const patternType = patternTypeOf(options);
  const patterns: ResourcePattern[] = [
    ...options.topic.map((name) => ({ resourceType: 'Topic' as const, name, patternType })),
    ...options.group.map((name) => ({ resourceType: 'Group' as const, name, patternType })),
  ];
  if (options.cluster === true) patterns.push({ resourceType: 'Cluster', name: CLUSTER_RESOURCE_NAME, patternType: 'literal' });
  for (const pattern of patterns) {
    if (pattern.patternType === 'prefixed' && pattern.name === WILDCARD) throw new Error('a prefixed pattern cannot be *: use --resource-pattern-type literal for every resource');
  }
  return patterns;
}

/** One entry per principal, host and operation, as kafka-acls multiplies its options out (host * and operation All by default). */
function entriesOf(options: AclOptions): AclEntry[] {
  const operations = (options.operation.length > 0 ? options.operation : ['All']).map(parseAclOperation);
  const side = (permissionType: PermissionType, principals: string[], hosts: string[]): AclEntry[] =>
    principals.map(checkPrincipal).flatMap((principal) => (hosts.length > 0 ? hosts : [WILDCARD]).flatMap((host) => operations.map((operation) => ({ principal, permissionType, operation, host }))));
  return [...side('Allow', options.allowPrincipal, options.allowHost), ...side('Deny', options.denyPrincipal, options.denyHost)];
}

function printAcls(pattern: ResourcePattern, entries: readonly AclEntry[]): void {
  process.stdout.write(`Current ACLs for resource \`${describePattern(pattern)}\`: \n${entries.map((e) => `\t${describeAclEntry(e)} \n`).join('')}\n`);
}

function addAclOptions(command: Command): Command {
  return addZookeeperOptions(command
    .option('--allow-principal <principal>', 'TYPE:NAME allowed, e.g. User:alice or User:* (repeatable)', collect, [])
    .option('--deny-principal <principal>', 'TYPE:NAME denied; a deny wins over any allow (repeatable)', collect, [])
    .option('--allow-host <host>', 'host the allow applies from (repeatable; default *)', collect, [])
    .option('--deny-host <host>', 'host the deny applies from (repeatable; default *)', collect, [])
    .option('--operation <op>', 'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, All (repeatable; default All)', collect, [])
    .option('--topic <name>', 'a topic, * for every topic (repeatable)', collect, [])
    .option('--group <name>', 'a consumer group, * for every group (repeatable)', collect, [])
    .option('--cluster', 'the cluster (inter-broker requests, creating topics)')
    .option('--resource-pattern-type <type>', 'literal (the name itself, or *) or prefixed (every name that starts with it)'));
}

export function registerAclCommands(program: Command): void {
  const acl = program.command('acl').description('ACLs the brokers\' authorizer enforces, kept in ZooKeeper (kafka-acls)');
  addAclOptions(acl.command('add').description('add ACLs: each principal, host and operation on each resource'))
    .action(async (options: AclOptions) => {
      const patterns = patternsOf(options);
      const entries = entriesOf(options);
      if (patterns.length === 0) throw new Error('name a resource: --topic, --group or --cluster');
      if (entries.length === 0) throw new Error('name a principal: --allow-principal or --deny-principal');
      await withZookeeper(options, 'acl-add', async (zk) => {
        for (const pattern of patterns) {
          process.stdout.write(`Adding ACLs for resource \`${describePattern(pattern)}\`: \n${entries.map((e) => `\t${describeAclEntry(e)} \n`).join('')}\n`);
          printAcls(pattern, await updateAcls(zk, pattern, { add: entries }));
        }
      });
    });
  addAclOptions(acl.command('remove').description('remove the ACLs named, or every ACL of the resources when no principal is given'))
    .action(async (options: AclOptions) => {
      const patterns = patternsOf(options);
      if (patterns.length === 0) throw new Error('name a resource: --topic, --group or --cluster');
      const named = entriesOf(options);
      await withZookeeper(options, 'acl-remove', async (zk) => {
        for (const pattern of patterns) {
          const remove = named.length > 0 ? named : (await readAcls(zk, pattern)).entries;
          process.stdout.write(`Removing ACLs from resource \`${describePattern(pattern)}\`\n`);
          printAcls(pattern, await updateAcls(zk, pattern, { remove }));
        }
      });
    });
  addAclOptions(acl.command('list').description('every ACL, or those of the resources named').option('--principal <principal>', 'only ACLs of this principal'))
    .action(async (options: AclOptions) => {
      const wanted = patternsOf(options);
      const key = (p: ResourcePattern): string => `${p.patternType}/${p.resourceType}/${p.name}`;
      const bindings = await withZookeeper(options, 'acl-list', (zk) => readAllAcls(zk));
      const byPattern = new Map<string, { pattern: ResourcePattern; entries: AclEntry[] }>();
      for (const { pattern, entry } of bindings) {
        if (wanted.length > 0 && !wanted.some((w) => key(w) === key(pattern))) continue;
        if (options.principal !== undefined && entry.principal !== options.principal) continue;
        const found = byPattern.get(key(pattern)) ?? { pattern, entries: [] };
        found.entries.push(entry);
        byPattern.set(key(pattern), found);
      }
      for (const { pattern, entries } of byPattern.values()) printAcls(pattern, entries);
    });
}
