import {
  parseBrokerRegistration, parseClusterId, parseController, parseControllerEpoch, parseIsrChange, parsePartitionState, parseTopicAssignment,
  parseTopicConfig, serializeBrokerRegistration, serializeClusterId, serializeController, serializeControllerEpoch, serializeIsrChange,
  serializePartitionState, serializeTopicAssignment, serializeTopicConfig, ZnodeFormatError,
} from '../../../src/coordination/znodes';

const json = (b: Buffer) => JSON.parse(b.toString('utf8'));
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe("znode JSON in Kafka 2.x's shapes", () => {
  it('broker registration: Kafka v4 fields; reads what a real Kafka broker writes', () => {
    const written = serializeBrokerRegistration({ brokerId: 3, host: 'h1', port: 9094, rack: null, timestampMs: 1700000000000 });
    expect(json(written)).toEqual({
      listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' }, endpoints: ['PLAINTEXT://h1:9094'], jmx_port: -1,
      host: 'h1', timestamp: '1700000000000', port: 9094, version: 4, rack: null,
    });
    expect(parseBrokerRegistration('/brokers/ids/3', 3, written)).toEqual({ brokerId: 3, host: 'h1', port: 9094, rack: null, timestampMs: 1700000000000 });
    const kafka = '{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka-1:9092"],"jmx_port":-1,"port":9092,"host":"kafka-1","version":5,"timestamp":"1712345678901","rack":"r1"}';
    expect(parseBrokerRegistration('/brokers/ids/1', 1, bytes(kafka))).toEqual({ brokerId: 1, host: 'kafka-1', port: 9092, rack: 'r1', timestampMs: 1712345678901 });
    // A broker whose listeners are not all PLAINTEXT writes host null: the endpoint says where.
    const hostNull = '{"endpoints":["PLAINTEXT://10.0.0.5:9093"],"host":null,"port":-1,"version":4,"timestamp":"1","rack":null}';
    expect(parseBrokerRegistration('/brokers/ids/2', 2, bytes(hostNull))).toMatchObject({ host: '10.0.0.5', port: 9093 });
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
    { what: 'no host and no endpoint', path: '/brokers/ids/1', parse: (p: string) => parseBrokerRegistration(p, 1, bytes('{"port":1}')), why: /neither "host"/ },
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
