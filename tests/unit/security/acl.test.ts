/**
 * Kafka's AclAuthorizer decision, table-tested without ZooKeeper: deny wins, wildcards, prefixes,
 * hosts, implied operations, super users and allow.everyone.if.no.acl.found.
 */
import { parseSuperUsers } from '../../../src/common/principal';
import { authorize, parseAclOperation, type AclBinding, type AclEntry, type AclOperation, type ResourcePattern, type ResourceType } from '../../../src/security/acl';
import { decodeAclChange, decodeAcls, encodeAclChange, encodeAcls, resourcePath } from '../../../src/security/acl-store';

const topic = (name: string, patternType: 'literal' | 'prefixed' = 'literal'): ResourcePattern => ({ resourceType: 'Topic', name, patternType });
const group = (name: string): ResourcePattern => ({ resourceType: 'Group', name, patternType: 'literal' });
const allow = (principal: string, operation: AclOperation, host = '*'): AclEntry => ({ principal, permissionType: 'Allow', operation, host });
const deny = (principal: string, operation: AclOperation, host = '*'): AclEntry => ({ principal, permissionType: 'Deny', operation, host });
const acls = (...pairs: [ResourcePattern, AclEntry][]): AclBinding[] => pairs.map(([pattern, entry]) => ({ pattern, entry }));

const strict = { superUsers: new Set(['User:admin']), allowEveryoneIfNoAclFound: false };
const open = { superUsers: new Set<string>(), allowEveryoneIfNoAclFound: true };

interface Case {
  what: string;
  acls: AclBinding[];
  principal?: string;
  host?: string;
  operation: AclOperation;
  resource?: [ResourceType, string];
  policy?: typeof strict;
  allowed: boolean;
}

const cases: Case[] = [
  { what: 'no ACL at all refuses by default', acls: [], operation: 'Write', allowed: false },
  { what: 'no ACL at all with allow.everyone.if.no.acl.found allows', acls: [], operation: 'Write', policy: open, allowed: true },
  { what: 'an ACL for someone else closes the resource even with allow.everyone', acls: acls([topic('t'), allow('User:bob', 'Write')]), operation: 'Write', policy: open, allowed: false },
  { what: 'a super user needs no ACL', acls: [], principal: 'User:admin', operation: 'Delete', allowed: true },
  { what: 'a super user passes a deny too', acls: acls([topic('t'), deny('User:admin', 'All')]), principal: 'User:admin', operation: 'Write', allowed: true },
  { what: 'an allow for the operation allows', acls: acls([topic('t'), allow('User:alice', 'Write')]), operation: 'Write', allowed: true },
  { what: 'an allow for another operation does not', acls: acls([topic('t'), allow('User:alice', 'Read')]), operation: 'Write', allowed: false },
  { what: 'All allows every operation', acls: acls([topic('t'), allow('User:alice', 'All')]), operation: 'Delete', allowed: true },
  { what: 'a deny wins over an allow', acls: acls([topic('t'), allow('User:alice', 'Write')], [topic('t'), deny('User:alice', 'Write')]), operation: 'Write', allowed: false },
  { what: 'a deny of All wins over an allow', acls: acls([topic('t'), allow('User:alice', 'Write')], [topic('t'), deny('User:alice', 'All')]), operation: 'Write', allowed: false },
  { what: 'a deny of Write does not refuse Read', acls: acls([topic('t'), allow('User:alice', 'Read')], [topic('t'), deny('User:alice', 'Write')]), operation: 'Read', allowed: true },
  { what: 'a deny on User:* refuses alice', acls: acls([topic('t'), allow('User:alice', 'Write')], [topic('*'), deny('User:*', 'Write')]), operation: 'Write', allowed: false },
  { what: 'User:* allows alice', acls: acls([topic('t'), allow('User:*', 'Write')]), operation: 'Write', allowed: true },
  { what: 'topic * allows every topic', acls: acls([topic('*'), allow('User:alice', 'Write')]), operation: 'Write', allowed: true },
  { what: 'a prefixed pattern allows names that start with it', acls: acls([topic('t', 'prefixed'), allow('User:alice', 'Write')]), operation: 'Write', resource: ['Topic', 'tx-1'], allowed: true },
  { what: 'a prefixed pattern does not allow other names', acls: acls([topic('orders-', 'prefixed'), allow('User:alice', 'Write')]), operation: 'Write', resource: ['Topic', 'order'], allowed: false },
  { what: 'a prefixed deny wins over a literal allow', acls: acls([topic('t'), allow('User:alice', 'Write')], [topic('', 'prefixed'), deny('User:alice', 'Write')]), operation: 'Write', allowed: false },
  { what: 'a host-bound allow from that host allows', acls: acls([topic('t'), allow('User:alice', 'Write', '10.0.0.1')]), host: '10.0.0.1', operation: 'Write', allowed: true },
  { what: 'a host-bound allow from another host does not', acls: acls([topic('t'), allow('User:alice', 'Write', '10.0.0.1')]), host: '10.0.0.2', operation: 'Write', allowed: false },
  { what: 'Read implies Describe', acls: acls([topic('t'), allow('User:alice', 'Read')]), operation: 'Describe', allowed: true },
  { what: 'Write implies Describe', acls: acls([topic('t'), allow('User:alice', 'Write')]), operation: 'Describe', allowed: true },
  { what: 'Delete and Alter imply Describe', acls: acls([topic('t'), allow('User:alice', 'Alter')]), operation: 'Describe', allowed: true },
  { what: 'Create does not imply Describe', acls: acls([topic('t'), allow('User:alice', 'Create')]), operation: 'Describe', allowed: false },
  { what: 'a deny of Describe is not implied by allowing Read', acls: acls([topic('t'), allow('User:alice', 'Read')], [topic('t'), deny('User:alice', 'Describe')]), operation: 'Describe', allowed: false },
  { what: 'AlterConfigs implies DescribeConfigs', acls: acls([topic('t'), allow('User:alice', 'AlterConfigs')]), operation: 'DescribeConfigs', allowed: true },
  { what: 'a topic ACL says nothing about a group of the same name', acls: acls([topic('t'), allow('User:alice', 'Read')]), operation: 'Read', resource: ['Group', 't'], allowed: false },
  { what: 'a group ACL allows its group', acls: acls([group('g'), allow('User:alice', 'Read')]), operation: 'Read', resource: ['Group', 'g'], allowed: true },
];

describe('authorize (AclAuthorizer)', () => {
  it.each(cases)('$what', (c) => {
    const [resourceType, resourceName] = c.resource ?? ['Topic', 't'];
    const request = { principal: c.principal ?? 'User:alice', host: c.host ?? '127.0.0.1', operation: c.operation, resourceType, resourceName };
    expect(authorize(request, c.acls, c.policy ?? strict)).toBe(c.allowed);
  });
});

describe('ACLs in ZooKeeper, in Kafka\'s layout', () => {
  it('names the znode of a literal and a prefixed pattern', () => {
    expect(resourcePath(topic('orders'))).toBe('/kafka-acl/Topic/orders');
    expect(resourcePath(topic('orders-', 'prefixed'))).toBe('/kafka-acl-extended/prefixed/Topic/orders-');
  });

  it('writes Kafka\'s JSON and reads it back', () => {
    const entries = [allow('User:alice', 'Write'), deny('User:*', 'Read', '10.0.0.1')];
    expect(JSON.parse(encodeAcls(entries).toString())).toEqual({
      version: 1,
      acls: [
        { principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' },
        { principal: 'User:*', permissionType: 'Deny', operation: 'Read', host: '10.0.0.1' },
      ],
    });
    expect(decodeAcls(encodeAcls(entries), '/x')).toEqual(entries);
    expect(() => decodeAcls(Buffer.from('{"version":1,"acls":[{"principal":"User:a","permissionType":"Maybe","operation":"Write","host":"*"}]}'), '/x')).toThrow('/x');
  });

  it('encodes change notifications as Kafka\'s literal and extended change stores do', () => {
    expect(encodeAclChange(topic('orders')).toString()).toBe('TOPIC:orders');
    expect(JSON.parse(encodeAclChange(topic('or', 'prefixed')).toString())).toEqual({ version: 1, resourceType: 'TOPIC', name: 'or', patternType: 'PREFIXED' });
    expect(decodeAclChange('literal', Buffer.from('Topic:a:b'))).toEqual(topic('a:b'));
    expect(decodeAclChange('prefixed', encodeAclChange(topic('or', 'prefixed')))).toEqual(topic('or', 'prefixed'));
  });

  it('reads operations and super.users as Kafka does', () => {
    expect(parseAclOperation('write')).toBe('Write');
    expect(parseAclOperation('clusteraction')).toBe('ClusterAction');
    expect(() => parseAclOperation('Publish')).toThrow('unknown operation');
    expect([...parseSuperUsers('User:admin; User:broker')]).toEqual(['User:admin', 'User:broker']);
    expect(() => parseSuperUsers('admin')).toThrow('TYPE:NAME');
  });
});
