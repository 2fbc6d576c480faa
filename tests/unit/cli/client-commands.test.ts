import { formatRecord, parseStartOffset } from '../../../src/cli/consume';
import { parseAcks, recordFromLine } from '../../../src/cli/produce';
import { formatTopicDescription, parseConfigs } from '../../../src/cli/topic';

describe('topic command formatting', () => {
  it('prints a summary line and a tab-indented line per partition, as kafka-topics --describe', () => {
    const text = formatTopicDescription({
      name: 'orders',
      isInternal: false,
      partitions: [
        { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3], offlineReplicas: [] },
        { partition: 1, leader: -1, replicas: [2, 3, 1], isr: [], offlineReplicas: [2, 3, 1] },
      ],
    });
    expect(text).toBe(
      'Topic: orders PartitionCount: 2 ReplicationFactor: 3 Configs:\n' +
        '\tTopic: orders Partition: 0 Leader: 1 Replicas: 1,2,3 Isr: 1,2,3\n' +
        '\tTopic: orders Partition: 1 Leader: none Replicas: 2,3,1 Isr:  Offline: 2,3,1\n',
    );
  });

  it('parses --config key=value pairs and refuses others', () => {
    expect(parseConfigs(['retention.ms=1000', 'cleanup.policy=delete', 'x=a=b'])).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'delete', x: 'a=b' });
    expect(() => parseConfigs(['retention.ms'])).toThrow('--config wants key=value, got "retention.ms"');
  });
});

describe('produce command parsing', () => {
  it('splits key and value at the first separator', () => {
    expect(recordFromLine('t', 'k1:v:1', 1, ':')).toEqual({ topic: 't', key: 'k1', value: 'v:1' });
    expect(recordFromLine('t', 'just a value', 1, undefined)).toEqual({ topic: 't', value: 'just a value' });
    expect(() => recordFromLine('t', 'nokey', 7, ':')).toThrow('no key separator ":" on line 7');
  });

  it('takes acks all, -1, 1 or 0', () => {
    expect([parseAcks('all'), parseAcks('-1'), parseAcks('1'), parseAcks('0')]).toEqual(['all', 'all', 1, 0]);
    expect(() => parseAcks('2')).toThrow('--acks wants all, 1 or 0');
  });
});

describe('consume command formatting', () => {
  const record = { topic: 't', partition: 0, offset: 0, timestamp: 0, headers: [] };
  it('prints the value, or key TAB value, with null for missing ones', () => {
    expect(formatRecord({ ...record, key: Buffer.from('k'), value: Buffer.from('v') }, true)).toBe('k\tv\n');
    expect(formatRecord({ ...record, key: null, value: Buffer.from('v') }, true)).toBe('null\tv\n');
    expect(formatRecord({ ...record, key: null, value: null }, false)).toBe('null\n');
  });

  it('starts at the end, the beginning, or the offset given', () => {
    expect(parseStartOffset(undefined, false)).toBe('latest');
    expect(parseStartOffset(undefined, true)).toBe('earliest');
    expect(parseStartOffset('42', false)).toBe(42);
    expect(parseStartOffset('earliest', false)).toBe('earliest');
    expect(() => parseStartOffset('-3', false)).toThrow('--offset wants a whole number of at least 0');
  });
});
