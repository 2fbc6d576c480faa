import { plaintextEndpoint } from '../../../src/common/endpoint';
import {
  parseBrokerRegistration, parseClusterId, parseController, parseControllerEpoch, parseIsrChange, parsePartitionState, parseTopicAssignment,
  parseTopicConfig, serializeBrokerRegistration, serializeClusterId, serializeController, serializeControllerEpoch, serializeIsrChange,
  registeredPlaintextEndpoint, serializePartitionState, serializeTopicAssignment, serializeTopicConfig, ZnodeFormatError,
} from '../../../src/coordination/znodes';

const json = (b: Buffer) => JSON.parse(b.toString('utf8'));
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe("znode JSON in Kafka 2.x's shapes", () => {
  it('broker registration: Kafka v4 fields; reads what a real Kafka broker writes', () => {
    const written = serializeBrokerRegistration({ brokerId: 3, endpoints: [plaintextEndpoint('h1', 9094)], rack: null, timestampMs: 1700000000000 });
    expect(json(written)).toEqual({
      listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' }, endpoints: ['PLAINTEXT://h1:9094'], jmx_port: -1,
      host: 'h1', timestamp: '1700000000000', port: 9094, version: 4, rack: null,
    });
    expect(parseBrokerRegistration('/brokers/ids/3', 3, written)).toEqual({ brokerId: 3, endpoints: [plaintextEndpoint('h1', 9094)], rack: null, timestampMs: 1700000000000 });
    const kafka = '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka-1:9092"],"jmx_port":-1,"port":9092,"host":"kafka-1","version":5,"timestamp":"1712345678901","rack":"r1"}';
    expect(parseBrokerRegistration('/brokers/ids/1', 1, bytes(kafka))).toEqual({ brokerId: 1, endpoints: [plaintextEndpoint('kafka-1', 9092)], rack: 'r1', timestampMs: 1712345678901 });
    // Version 1 had only host and port: a PLAINTEXT listener.
    expect(parseBrokerRegistration('/brokers/ids/4', 4, bytes('{"version":1,"host":"old","port":9095,"jmx_port":-1,"timestamp":"5"}')).endpoints).toEqual([plaintextEndpoint('old', 9095)]);
  });

  it('broker registration with several listeners: every endpoint with its protocol; host and port from the first PLAINTEXT one', () => {
    const endpoints = [
      { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT' as const, host: 'broker-1', port: 19092 },
      { listenerName: 'EXTERNAL', securityProtocol: 'PLAINTEXT' as const, host: 'localhost', port: 9092 },
    ];
    const written = serializeBrokerRegistration({ brokerId: 1, endpoints, rack: 'r1', timestampMs: 1 });
    expect(json(written)).toMatchObject({
      listener_security_protocol_map: { INTERNAL: 'PLAINTEXT', EXTERNAL: 'PLAINTEXT' },
      endpoints: ['INTERNAL://broker-1:19092', 'EXTERNAL://localhost:9092'], host: 'broker-1', port: 19092,
    });
    expect(parseBrokerRegistration('/brokers/ids/1', 1, written).endpoints).toEqual(endpoints);
    // Kafka writes host null and port -1 when no listener is PLAINTEXT; the endpoints still say where.
    const tls = '{"listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"SASL_SSL"},"endpoints":["CLIENT://[::1]:9093","REPLICATION://10.0.0.5:9094"],"host":null,"port":-1,"version":4,"timestamp":"1","rack":null}';
    expect(parseBrokerRegistration('/brokers/ids/2', 2, bytes(tls)).endpoints).toEqual([
      { listenerName: 'CLIENT', securityProtocol: 'SSL', host: '::1', port: 9093 }, { listenerName: 'REPLICATION', securityProtocol: 'SASL_SSL', host: '10.0.0.5', port: 9094 },
    ]);
    expect(registeredPlaintextEndpoint(parseBrokerRegistration('/brokers/ids/2', 2, bytes(tls)))).toBeUndefined();
    // Before v4 there was no protocol map: each listener is named after its protocol.
    expect(parseBrokerRegistration('/brokers/ids/5', 5, bytes('{"version":2,"endpoints":["SSL://h:1"],"host":null,"port":-1}')).endpoints[0].securityProtocol).toBe('SSL');
  });

  it('broker registration: an endpoint that does not parse or has no protocol is a ZnodeFormatError naming the path', () => {
    const bad = (text: string) => () => parseBrokerRegistration('/brokers/ids/9', 9, bytes(text));
    expect(bad('{"endpoints":["nonsense"]}')).toThrow('malformed znode /brokers/ids/9: endpoint "nonsense": expected NAME://host:port, got "nonsense"');
    expect(bad('{"endpoints":["A://h:1"],"listener_security_protocol_map":{"B":"PLAINTEXT"}}')).toThrow(/endpoint "A:\/\/h:1": listener_security_protocol_map has no protocol for A/);
    expect(bad('{"endpoints":[]}')).toThrow(/"endpoints" is empty/);
    expect(bad('{"endpoints":"PLAINTEXT://h:1"}')).toThrow(ZnodeFormatError);
  });

  it('partition state, controller, controller epoch, assignment, config, ISR change and cluster id round-trip', () => {
    const state = { leader: 2, leaderEpoch: 7, isr: [2, 3], controllerEpoch: 4 };
    expect(json(serializePartitionState(state))).toEqual({ controller_epoch: 4, leader: 2, version: 1, leader_epoch: 7, isr: [2, 3] });
    expect(parsePartitionState('/s', serializePartitionState(state))).toEqual(state);

    expect(json(serializeController({ brokerId: 5, timestampMs: 12 }))).toEqual({ version: 1, brokerid: 5, timestamp: '12' });
    expect(parseController('/controller', serializeController({ brokerId: 5, timestampMs: 12 }))).toEqual({ brokerId: 5, timestampMs: 12 });

    expect(serializeControllerEpoch(9).toString()).toBe('9');
    expect(parseControllerEpoch('/controller_epoch', bytes('9'))).toBe(9);

    const assignment = new Map([[0, [1, 2]], [1, [2, 3]]]);
    expect(json(serializeTopicAssignment(assignment))).toEqual({ version: 2, partitions: { 0: [1, 2], 1: [2, 3] }, adding_replicas: {}, removing_replicas: {} });
    expect(parseTopicAssignment('/t', serializeTopicAssignment(assignment))).toEqual(assignment);
    expect(parseTopicAssignment('/t', bytes('{"version":1,"partitions":{"1":[2],"0":[1]}}'))).toEqual(new Map([[0, [1]], [1, [2]]]));

    expect(json(serializeTopicConfig({ 'retention.ms': '1000' }))).toEqual({ version: 1, config: { 'retention.ms': '1000' } });
    expect(parseTopicConfig('/c', serializeTopicConfig({ 'retention.ms': '1000' }))).toEqual({ 'retention.ms': '1000' });

    const changes = [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 3 }];
    expect(json(serializeIsrChange(changes))).toEqual({ version: 1, partitions: changes });
    expect(parseIsrChange('/i', serializeIsrChange(changes))).toEqual(changes);

    expect(json(serializeClusterId('abc'))).toEqual({ version: '1', id: 'abc' });
    expect(parseClusterId('/cluster/id', serializeClusterId('abc'))).toBe('abc');
  });

  it.each([
    { what: 'not JSON', path: '/brokers/topics/t/partitions/0/state', parse: (p: string) => parsePartitionState(p, bytes('{oops')), why: /not JSON/ },
    { what: 'a string leader', path: '/brokers/topics/t/partitions/0/state', parse: (p: string) => parsePartitionState(p, bytes('{"leader":"x","leader_epoch":0,"controller_epoch":1,"isr":[]}')), why: /"leader" is not an integer/ },
    { what: 'an ISR of strings', path: '/brokers/topics/t/partitions/0/state', parse: (p: string) => parsePartitionState(p, bytes('{"leader":1,"leader_epoch":0,"controller_epoch":1,"isr":["1"]}')), why: /"isr" is not a list of broker ids/ },
    { what: 'a JSON array', path: '/controller', parse: (p: string) => parseController(p, bytes('[1]')), why: /not a JSON object/ },
    { what: 'no brokerid', path: '/controller', parse: (p: string) => parseController(p, bytes('{"version":1}')), why: /"brokerid"/ },
    { what: 'a non-numeric epoch', path: '/controller_epoch', parse: (p: string) => parseControllerEpoch(p, bytes('one')), why: /not a non-negative integer/ },
    { what: 'a port out of range', path: '/brokers/ids/1', parse: (p: string) => parseBrokerRegistration(p, 1, bytes('{"host":"h","port":70000}')), why: /above 65535/ },
    { what: 'no host and no endpoint', path: '/brokers/ids/1', parse: (p: string) => parseBrokerRegistration(p, 1, bytes('{"port":1}')), why: /neither "endpoints" nor "host"/ },
    { what: 'a partition key that is not a number', path: '/brokers/topics/t', parse: (p: string) => parseTopicAssignment(p, bytes('{"partitions":{"x":[1]}}')), why: /partition "x"/ },
    { what: 'a partition without replicas', path: '/brokers/topics/t', parse: (p: string) => parseTopicAssignment(p, bytes('{"partitions":{"0":[]}}')), why: /no replicas/ },
    { what: 'a numeric config value', path: '/config/topics/t', parse: (p: string) => parseTopicConfig(p, bytes('{"config":{"a":1}}')), why: /config "a" is not a string/ },
    { what: 'an ISR change without topic', path: '/isr_change_notification/isr_change_0000000001', parse: (p: string) => parseIsrChange(p, bytes('{"partitions":[{"partition":0}]}')), why: /"topic" is not a string/ },
    { what: 'an empty cluster id', path: '/cluster/id', parse: (p: string) => parseClusterId(p, bytes('{"version":"1","id":""}')), why: /empty/ },
  ])('a malformed znode ($what) is a ZnodeFormatError naming its path', ({ path, parse, why }) => {
    let caught: unknown;
    try {
      parse(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZnodeFormatError);
    expect((caught as Error).message).toContain(`malformed znode ${path}:`);
    expect((caught as Error).message).toMatch(why);
  });
});
