import {
  parsePartitionReassignment, parseTopicAssignment, parseTopicZnode, serializePartitionReassignment, serializeTopicZnode, ZnodeFormatError,
} from '../../../src/coordination/znodes';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const json = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));

describe('topic znode with adding and removing replicas (Kafka 2.4+)', () => {
  test('round-trips a partition being reassigned, as Kafka writes it', () => {
    const topic = {
      partitions: new Map([[0, [2, 3, 4, 1]], [1, [1, 2, 3]]]),
      addingReplicas: new Map([[0, [4]]]),
      removingReplicas: new Map([[0, [1]]]),
    };
    expect(json(serializeTopicZnode(topic))).toEqual({
      version: 2, partitions: { 0: [2, 3, 4, 1], 1: [1, 2, 3] }, adding_replicas: { 0: [4] }, removing_replicas: { 0: [1] },
    });
    expect(parseTopicZnode('/brokers/topics/t', serializeTopicZnode(topic))).toEqual(topic);
    expect(parseTopicAssignment('/brokers/topics/t', serializeTopicZnode(topic))).toEqual(topic.partitions);
  });

  test('a version 1 znode has nothing being reassigned; empty lists mean none', () => {
    expect(parseTopicZnode('/t', bytes('{"version":1,"partitions":{"0":[1]}}')).addingReplicas.size).toBe(0);
    expect(parseTopicZnode('/t', bytes('{"version":2,"partitions":{"0":[1]},"adding_replicas":{"0":[]},"removing_replicas":{}}')).addingReplicas.size).toBe(0);
  });

  test('adding or removing replicas outside the replica set are malformed', () => {
    expect(() => parseTopicZnode('/t', bytes('{"partitions":{"0":[1,2]},"adding_replicas":{"0":[3]}}'))).toThrow(ZnodeFormatError);
    expect(() => parseTopicZnode('/t', bytes('{"partitions":{"0":[1,2]},"removing_replicas":{"1":[1]}}'))).toThrow(/not among its replicas/);
  });
});

describe('/admin/reassign_partitions', () => {
  test('round-trips Kafka\'s format', () => {
    const entries = [{ topic: 't', partition: 0, replicas: [2, 3, 4] }];
    expect(json(serializePartitionReassignment(entries))).toEqual({ version: 1, partitions: entries });
    expect(parsePartitionReassignment('/r', serializePartitionReassignment(entries))).toEqual({ valid: entries, invalid: [] });
  });

  test('bad entries are set apart, one by one; the good ones stand', () => {
    const data = bytes(JSON.stringify({
      version: 1,
      partitions: [
        { topic: 't', partition: 0, replicas: [2, 3] },
        { topic: 't', partition: 1, replicas: [] },
        { topic: 't', partition: 2, replicas: [1, 1] },
        { partition: 3, replicas: [1] },
        { topic: 't', partition: -1, replicas: [1] },
        { topic: 't', partition: 4, replicas: ['x'] },
        { topic: 't', partition: 0, replicas: [4] },
        'nonsense',
      ],
    }));
    const { valid, invalid } = parsePartitionReassignment('/r', data);
    expect(valid).toEqual([{ topic: 't', partition: 0, replicas: [2, 3] }]);
    expect(invalid).toHaveLength(7);
    expect(invalid.map((i) => i.why).join('\n')).toMatch(/listed twice/);
  });

  test('a znode that is not the shape at all throws', () => {
    expect(() => parsePartitionReassignment('/r', bytes('not json'))).toThrow(ZnodeFormatError);
    expect(() => parsePartitionReassignment('/r', bytes('{"partitions":{}}'))).toThrow(/not a list/);
  });
});
