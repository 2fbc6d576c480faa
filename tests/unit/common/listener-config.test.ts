import * as os from 'os';
import { ConfigError, describeBrokerSettings, loadBrokerConfig, type BrokerConfig } from '../../../src/common/config';
import { connectionString, formatAddresses, parseConnectionString, plaintextEndpoint } from '../../../src/common/endpoint';

/** A broker's config from these settings (as --override flags), nothing from the environment. */
function load(settings: Record<string, string>, port?: string): BrokerConfig {
  return loadBrokerConfig({ env: {}, flags: { 'broker.id': '1', ...settings, port } }).config;
}

const addresses = (endpoints: BrokerConfig['listeners']): string[] => endpoints.map((e) => `${connectionString(e)} ${e.securityProtocol}`);

const pair = {
  listeners: 'INTERNAL://0.0.0.0:19092,EXTERNAL://:9092',
  'advertised.listeners': 'INTERNAL://broker-1:19092,EXTERNAL://localhost:9092',
  'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
  'inter.broker.listener.name': 'INTERNAL',
};

const saslPair = {
  ...pair,
  'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT',
};
const plainJaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

describe('SASL settings', () => {
  it('a SASL_PLAINTEXT listener beside a PLAINTEXT inter-broker one, SCRAM by default', () => {
    const config = load(saslPair);
    expect(addresses(config.listeners)).toEqual(['INTERNAL://0.0.0.0:19092 PLAINTEXT', 'EXTERNAL://0.0.0.0:9092 SASL_PLAINTEXT']);
    expect(config.saslEnabledMechanisms).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(config.plainSaslUsers).toEqual({});
  });

  it('PLAIN\'s users from listener.name.<listener>.plain.sasl.jaas.config, any case of the listener name, not reported as unknown', () => {
    const { config, warnings } = loadBrokerConfig({
      env: {},
      flags: { 'broker.id': '1', ...saslPair, 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512', 'listener.name.external.plain.sasl.jaas.config': plainJaas },
    });
    expect(warnings).toEqual([]);
    expect(config.saslEnabledMechanisms).toEqual(['PLAIN', 'SCRAM-SHA-512']);
    expect(config.plainSaslUsers).toEqual({ EXTERNAL: new Map([['alice', 'alice-secret']]) });
  });

  it('a SASL inter-broker listener: the broker logs in with sasl.mechanism.inter.broker.protocol as its JAAS entry\'s username and password', () => {
    const config = load({
      ...saslPair, 'inter.broker.listener.name': 'EXTERNAL', 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.external.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";',
    });
    expect(config.securityInterBrokerProtocol).toBe('SASL_PLAINTEXT');
    expect(config.saslMechanismInterBrokerProtocol).toBe('SCRAM-SHA-512');
    expect(config.saslLogins).toEqual({ EXTERNAL: { 'SCRAM-SHA-512': { username: 'broker', password: 'broker-secret' } } });
  });

  it('refuses PLAIN without users on a SASL listener, a mechanism Josef lacks, a bad JAAS entry, and a SASL inter-broker listener without a login', () => {
    const refuses = (settings: Record<string, string>, message: RegExp): void => {
      expect(() => load(settings)).toThrow(ConfigError);
      expect(() => load(settings)).toThrow(message);
    };
    refuses({ ...saslPair, 'sasl.enabled.mechanisms': 'PLAIN' }, /the SASL listener EXTERNAL has no users: set listener\.name\.external\.plain\.sasl\.jaas\.config=/);
    refuses({ ...saslPair, 'sasl.enabled.mechanisms': 'GSSAPI' }, /invalid value for sasl\.enabled\.mechanisms .*GSSAPI is not a SASL mechanism Josef speaks/);
    refuses({ ...saslPair, 'listener.name.external.plain.sasl.jaas.config': 'nonsense' }, /invalid value for listener\.name\.external\.plain\.sasl\.jaas\.config \(from command line/);
    const interBroker = { ...saslPair, 'inter.broker.listener.name': 'EXTERNAL' };
    refuses(interBroker, /the inter-broker listener EXTERNAL speaks SASL: set sasl\.mechanism\.inter\.broker\.protocol/);
    refuses({ ...interBroker, 'sasl.mechanism.inter.broker.protocol': 'PLAIN' }, /sasl\.mechanism\.inter\.broker\.protocol=PLAIN is not in sasl\.enabled\.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512/);
    refuses({ ...interBroker, 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256' },
      /logs in to the inter-broker listener EXTERNAL with SCRAM-SHA-256: set listener\.name\.external\.scram-sha-256\.sasl\.jaas\.config=org\.apache\.kafka\.common\.security\.scram\.ScramLoginModule required username=/);
    refuses({ ...saslPair, 'listener.name.external.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";' },
      /SCRAM-SHA-256's JAAS entry must use org\.apache\.kafka\.common\.security\.scram\.ScramLoginModule/);
  });
});

describe('listener settings', () => {
  it('reads an INTERNAL/EXTERNAL pair: every listener, its advertised address and protocol, the inter-broker one', () => {
    const config = load(pair);
    expect(addresses(config.listeners)).toEqual(['INTERNAL://0.0.0.0:19092 PLAINTEXT', 'EXTERNAL://0.0.0.0:9092 PLAINTEXT']);
    expect(addresses(config.advertisedListeners)).toEqual(['INTERNAL://broker-1:19092 PLAINTEXT', 'EXTERNAL://localhost:9092 PLAINTEXT']);
    expect(config.listenerSecurityProtocolMap).toEqual({ INTERNAL: 'PLAINTEXT', EXTERNAL: 'PLAINTEXT' });
    expect(config.interBrokerListenerName).toBe('INTERNAL');
    expect(config.securityInterBrokerProtocol).toBe('PLAINTEXT');
  });

  it('upper-cases listener names wherever they are written, as Kafka normalises them', () => {
    const config = load({
      listeners: 'internal://127.0.0.1:1,External://127.0.0.1:2',
      'listener.security.protocol.map': 'Internal:plaintext,EXTERNAL:PlainText',
      'inter.broker.listener.name': 'internal',
    });
    expect(config.listeners.map((l) => l.listenerName)).toEqual(['INTERNAL', 'EXTERNAL']);
    expect(config.interBrokerListenerName).toBe('INTERNAL');
  });

  it('defaults advertised.listeners to the listeners, a non-routable or empty host becoming the host name', () => {
    const config = load({ listeners: 'PLAINTEXT://0.0.0.0:9092,OTHER://127.0.0.1:0,LAST://:7', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT,LAST:PLAINTEXT' });
    expect(config.advertisedListeners.map((l) => [l.listenerName, l.host, l.port])).toEqual([
      ['PLAINTEXT', os.hostname(), 9092], ['OTHER', '127.0.0.1', 0], ['LAST', os.hostname(), 7],
    ]);
    expect(config.listeners.map((l) => l.host)).toEqual(['0.0.0.0', '127.0.0.1', '0.0.0.0']);
  });

  it('advertises a subset of the listeners when advertised.listeners names only some', () => {
    const config = load({ ...pair, 'advertised.listeners': 'INTERNAL://broker-1:19092' });
    expect(config.advertisedListeners.map((l) => l.listenerName)).toEqual(['INTERNAL']);
    expect(config.listeners).toHaveLength(2);
  });

  it('takes the listener named after security.inter.broker.protocol when inter.broker.listener.name is not set (Kafka\'s default)', () => {
    const config = load({ listeners: 'EXTERNAL://127.0.0.1:1,PLAINTEXT://127.0.0.1:2', 'listener.security.protocol.map': 'EXTERNAL:PLAINTEXT,PLAINTEXT:PLAINTEXT' });
    expect(config.interBrokerListenerName).toBe('PLAINTEXT');
    expect(load({ 'security.inter.broker.protocol': 'plaintext' }).interBrokerListenerName).toBe('PLAINTEXT');
  });

  it('keeps an IPv6 host without its brackets and writes it back with them', () => {
    const config = load({ listeners: 'PLAINTEXT://[::1]:9092' });
    expect(config.listeners[0].host).toBe('::1');
    expect(connectionString(config.advertisedListeners[0])).toBe('PLAINTEXT://[::1]:9092');
  });

  it('describes the settings back in Kafka\'s text, as DescribeConfigs shows them', () => {
    const described = new Map(describeBrokerSettings(load({ ...pair, 'advertised.listeners': 'INTERNAL://[::1]:19092,EXTERNAL://localhost:9092' })).map((d) => [d.name, d.value]));
    expect(described.get('listeners')).toBe('INTERNAL://0.0.0.0:19092,EXTERNAL://0.0.0.0:9092');
    expect(described.get('advertised.listeners')).toBe('INTERNAL://[::1]:19092,EXTERNAL://localhost:9092');
    expect(described.get('listener.security.protocol.map')).toBe('INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT');
    expect(described.get('inter.broker.listener.name')).toBe('INTERNAL');
  });

  it('--port sets the port of the one listener', () => {
    expect(load({ listeners: 'CLIENT://127.0.0.1:1', 'listener.security.protocol.map': 'CLIENT:PLAINTEXT', 'inter.broker.listener.name': 'CLIENT' }, '0').listeners[0].port).toBe(0);
  });

  describe('refuses, naming the setting and its value', () => {
    const refuses = (settings: Record<string, string>, message: RegExp | string, port?: string): void => {
      expect(() => load(settings, port)).toThrow(ConfigError);
      expect(() => load(settings, port)).toThrow(message);
    };

    it('a listener that is not NAME://host:port', () => {
      refuses({ listeners: 'localhost:9092' }, 'invalid value for listeners (from command line (listeners)): expected NAME://host:port, got "localhost:9092"');
      refuses({ listeners: 'PLAINTEXT://h:99999' }, /port 99999 in "PLAINTEXT:\/\/h:99999" is above 65535/);
      refuses({ listeners: 'PLAIN TEXT://h:1' }, /expected NAME:\/\/host:port/);
      refuses({ listeners: ' , ' }, /invalid value for listeners.*one or more NAME:\/\/host:port/);
    });

    it('two listeners of one name, or (in listeners, not advertised) on one port', () => {
      refuses({ listeners: 'A://h:1,a://h:2' }, 'invalid value for listeners (from command line (listeners)): the listener name A appears twice');
      refuses({ listeners: 'A://h:1,B://g:1' }, /A:\/\/h:1 and B:\/\/g:1 share port 1: each listener must have a port of its own/);
      refuses({ ...pair, 'advertised.listeners': 'INTERNAL://a:1,INTERNAL://b:2' }, /invalid value for advertised\.listeners.*INTERNAL appears twice/);
      expect(load({ ...pair, 'advertised.listeners': 'INTERNAL://a:9092,EXTERNAL://b:9092' }).advertisedListeners).toHaveLength(2);
      expect(load({ listeners: 'PLAINTEXT://h:0,OTHER://h:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT' }).listeners).toHaveLength(2);
    });

    it('a listener without a security protocol in the map', () => {
      refuses({ listeners: 'INTERNAL://h:1' },
        'the listener INTERNAL has no security protocol in listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL (from default): add INTERNAL:PLAINTEXT to it');
      refuses({ ...pair, 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT' }, /the listener EXTERNAL has no security protocol in listener\.security\.protocol\.map=INTERNAL:PLAINTEXT \(from command line/);
    });

    it('a TLS listener without its key and certificate, or asking for client certificates without CAs to check them', () => {
      const tlsPair = { ...pair, 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL' };
      refuses(tlsPair, /the listener EXTERNAL speaks SASL_SSL: set ssl\.keystore\.location/);
      refuses({ ...tlsPair, 'ssl.keystore.location': '/k.pem', 'ssl.client.auth': 'required' }, /ssl\.client\.auth=required asks clients for certificates: set ssl\.truststore\.location/);
      refuses({ ...tlsPair, 'ssl.keystore.type': 'JKS' }, /invalid value for ssl\.keystore\.type .*expected PEM, PKCS12, got "JKS"/);
      refuses({ 'security.inter.broker.protocol': 'SSL' }, /listener named after security\.inter\.broker\.protocol=SSL/);
    });

    it('TLS settings as Kafka names them, the passwords never described', () => {
      const config = load({ ...pair, 'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SSL', 'ssl.keystore.location': '/k.pem', 'ssl.key.password': 'pw', 'ssl.client.auth': 'REQUESTED', 'ssl.truststore.location': '/ca.pem' });
      expect(addresses(config.listeners)).toEqual(['INTERNAL://0.0.0.0:19092 PLAINTEXT', 'EXTERNAL://0.0.0.0:9092 SSL']);
      expect(config).toMatchObject({ sslKeystoreType: 'PEM', sslKeystoreLocation: '/k.pem', sslKeyPassword: 'pw', sslClientAuth: 'requested' });
      const described = describeBrokerSettings(config);
      expect(described.find((d) => d.name === 'ssl.key.password')?.value).toBeNull();
      expect(described.find((d) => d.name === 'ssl.keystore.location')?.value).toBe('/k.pem');
    });

    it('a malformed protocol map: no colon, an unknown protocol, a listener mapped twice', () => {
      refuses({ 'listener.security.protocol.map': 'PLAINTEXT' }, 'invalid value for listener.security.protocol.map (from command line (listener.security.protocol.map)): expected NAME:PROTOCOL, got "PLAINTEXT"');
      refuses({ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }, /"TLS" is not a security protocol: Kafka's are PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
      refuses({ 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,plaintext:SSL' }, /the listener PLAINTEXT is mapped twice/);
      refuses({ 'security.inter.broker.protocol': 'QUIC' }, /invalid value for security\.inter\.broker\.protocol.*"QUIC" is not a security protocol/);
    });

    it('an advertised listener that is not a listener, or that advertises 0.0.0.0', () => {
      refuses({ ...pair, 'advertised.listeners': 'INTERNAL://broker-1:19092,PUBLIC://example.com:9092' },
        'advertised.listeners=INTERNAL://broker-1:19092,PUBLIC://example.com:9092 (from command line (advertised.listeners)) names the listener PUBLIC, which listeners (INTERNAL://0.0.0.0:19092,EXTERNAL://:9092) does not have');
      refuses({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' }, /advertised\.listeners=PLAINTEXT:\/\/0\.0\.0\.0:9092 .* cannot use the non-routable address 0\.0\.0\.0/);
      refuses({ 'advertised.listeners': 'PLAINTEXT://[::]:9092' }, /non-routable address ::/);
    });

    it('an inter-broker listener that is not advertised, or both inter-broker settings at once', () => {
      refuses({ ...pair, 'inter.broker.listener.name': 'REPLICATION' }, 'inter.broker.listener.name=REPLICATION (from command line (inter.broker.listener.name)) must be one of the advertised listeners: INTERNAL, EXTERNAL');
      refuses({ ...pair, 'advertised.listeners': 'EXTERNAL://localhost:9092' }, /inter\.broker\.listener\.name=INTERNAL .* must be one of the advertised listeners: EXTERNAL/);
      const { 'inter.broker.listener.name': _unset, ...withoutName } = pair;
      refuses(withoutName, 'inter.broker.listener.name is not set, so brokers would reach each other on the listener named after security.inter.broker.protocol (PLAINTEXT by default), as in Kafka; the advertised listeners are INTERNAL, EXTERNAL: set inter.broker.listener.name to one of them');
      refuses({ ...pair, 'security.inter.broker.protocol': 'PLAINTEXT' }, /set only one of inter\.broker\.listener\.name=INTERNAL .* and security\.inter\.broker\.protocol=PLAINTEXT .*, as Kafka requires/);
      refuses({ 'inter.broker.listener.name': 'in ternal' }, /invalid value for inter\.broker\.listener\.name.*not a listener name/);
    });

    it('--port with several listeners, or a --port that is not a port', () => {
      refuses(pair, /--port 9093 sets the port of a broker's only listener, but listeners=INTERNAL:\/\/0\.0\.0\.0:19092,EXTERNAL:\/\/:9092 \(from command line \(listeners\)\) has 2/, '9093');
      refuses({}, 'invalid value for --port: expected a port from 0 to 65535, got "70000"', '70000');
    });

    it('a broker id too large for the default port', () => {
      refuses({ 'broker.id': '70000' }, /broker\.id 70000 gives no default port/);
      expect(load({ 'broker.id': '70000' }, '9092').listeners[0].port).toBe(9092);
    });
  });
});

describe('endpoints', () => {
  it('parses and writes Kafka\'s connection strings', () => {
    expect(parseConnectionString('replication://10.0.0.1:9093')).toEqual({ listenerName: 'REPLICATION', host: '10.0.0.1', port: 9093 });
    expect(parseConnectionString('PLAINTEXT://:9092').host).toBe('');
    expect(() => parseConnectionString('PLAINTEXT://h')).toThrow('expected NAME://host:port, got "PLAINTEXT://h"');
  });

  it('shows one PLAINTEXT listener as host:port (a bootstrap address) and several by name', () => {
    expect(formatAddresses([plaintextEndpoint('127.0.0.1', 9092)])).toBe('127.0.0.1:9092');
    expect(formatAddresses(load(pair).advertisedListeners)).toBe('INTERNAL://broker-1:19092, EXTERNAL://localhost:9092');
  });
});
