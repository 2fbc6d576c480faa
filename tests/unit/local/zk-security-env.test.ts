import { commandZkSecurity, zkSecurityEnv } from '../../../src/local/zk-security-env';

describe('the ZooKeeper identity of josef commands, from the environment the brokers read', () => {
  it('is nobody without JOSEF_ZOOKEEPER_AUTH_DIGEST', () => {
    expect(commandZkSecurity({})).toEqual({ credentials: undefined, setAcl: false });
  });

  it('creates secure znodes whenever it has credentials, as Kafka\'s tools did with a ZooKeeper login, unless told not to', () => {
    const credentials = { username: 'josef', password: 'pw' };
    expect(commandZkSecurity({ JOSEF_ZOOKEEPER_AUTH_DIGEST: 'josef:pw' })).toEqual({ credentials, setAcl: true });
    expect(commandZkSecurity({ JOSEF_ZOOKEEPER_AUTH_DIGEST: 'josef:pw', JOSEF_ZOOKEEPER_SET_ACL: 'false' })).toEqual({ credentials, setAcl: false });
  });

  it('refuses what it cannot use, naming the variable', () => {
    expect(() => commandZkSecurity({ JOSEF_ZOOKEEPER_AUTH_DIGEST: 'josef' })).toThrow(/JOSEF_ZOOKEEPER_AUTH_DIGEST.*USER:PASSWORD/);
    expect(() => commandZkSecurity({ JOSEF_ZOOKEEPER_SET_ACL: 'true' })).toThrow(/needs JOSEF_ZOOKEEPER_AUTH_DIGEST/);
    expect(() => commandZkSecurity({ JOSEF_ZOOKEEPER_SET_ACL: 'yes' })).toThrow(/true or false/);
  });

  it('round-trips through the environment a secured cluster gives its processes', () => {
    const security = { credentials: { username: 'josef', password: 'a:b' }, setAcl: true };
    expect(commandZkSecurity(zkSecurityEnv(security))).toEqual(security);
  });
});
