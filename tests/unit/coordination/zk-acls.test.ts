import {
  CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, defaultZkAcls, formatZkAcl, isSensitiveZkPath, parseZkDigestCredentials, zkDigestId,
} from '../../../src/coordination/zk-acls';

describe('the ACL of each znode (Kafka\'s ZkData.defaultAcls)', () => {
  it.each([
    { path: '/brokers/ids/1', secure: false, want: OPEN_ACL_UNSAFE },
    { path: '/config/users/alice', secure: false, want: OPEN_ACL_UNSAFE },
    { path: '/brokers/ids/1', secure: true, want: [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE] },
    { path: '/controller', secure: true, want: [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE] },
    { path: '/config/topics/orders', secure: true, want: [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE] },
    { path: '/config/users', secure: true, want: CREATOR_ALL_ACL },
    { path: '/config/users/alice', secure: true, want: CREATOR_ALL_ACL },
    { path: '/config/brokers/<default>', secure: true, want: CREATOR_ALL_ACL },
    { path: '/config', secure: true, want: [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE] },
  ])('$path, secure $secure', ({ path, secure, want }) => {
    expect(defaultZkAcls(secure, path)).toEqual(want);
  });

  it('calls a path sensitive by prefix, as Kafka does', () => {
    expect(isSensitiveZkPath('/config/users')).toBe(true);
    expect(isSensitiveZkPath('/config/changes/config_change_0000000001')).toBe(false);
    expect(isSensitiveZkPath('/kafka-acl/Topic/orders')).toBe(false);
  });
});

describe('digest credentials', () => {
  it('parses USER:PASSWORD, the password keeping its colons', () => {
    expect(parseZkDigestCredentials('josef:a:b')).toEqual({ username: 'josef', password: 'a:b' });
    for (const bad of ['josef', ':secret', 'josef:', '']) expect(() => parseZkDigestCredentials(bad)).toThrow(/USER:PASSWORD/);
  });

  it('names the identity as ZooKeeper\'s DigestAuthenticationProvider does (its documented super:admin digest)', () => {
    expect(zkDigestId({ username: 'super', password: 'admin' })).toBe('super:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
  });

  it('prints an entry as zkCli.sh\'s getAcl does', () => {
    expect(formatZkAcl({ perms: 31, scheme: 'digest', id: 'josef:abc=' })).toBe('digest:josef:abc=:cdrwa');
    expect(formatZkAcl(READ_ACL_UNSAFE[0])).toBe('world:anyone:r');
  });
});
