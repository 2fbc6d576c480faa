import {
  decodeGroupMetadataValue, decodeOffsetCommitValue, decodeOffsetsRecordKey, encodeGroupMetadataKey,
  encodeGroupMetadataValue, encodeOffsetCommitKey, encodeOffsetCommitValue,
} from '../../../src/group/offsets-records';

describe('__consumer_offsets records', () => {
  it('encodes an offset key as Kafka does (version 1, group, topic, partition)', () => {
    const key = encodeOffsetCommitKey('g', 'tp', 7);
    expect(key.toString('hex')).toBe('0001' + '0001' + '67' + '0002' + '7470' + '00000007');
    expect(decodeOffsetsRecordKey(key)).toEqual({ kind: 'offset', group: 'g', topic: 'tp', partition: 7 });
  });

  it('round-trips group keys, offset values and group values', () => {
    expect(decodeOffsetsRecordKey(encodeGroupMetadataKey('grüppe'))).toEqual({ kind: 'group', group: 'grüppe' });
    const value = { offset: 2 ** 40, metadata: 'm', commitTimestampMs: 1_700_000_000_000 };
    expect(decodeOffsetCommitValue(encodeOffsetCommitValue(value))).toEqual(value);
    const group = {
      protocolType: 'consumer', generationId: 3, protocol: 'range', leader: 'a',
      members: [{ memberId: 'a', clientId: 'c', clientHost: '/127.0.0.1', rebalanceTimeoutMs: 300000, sessionTimeoutMs: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]) }],
    };
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue(group))).toEqual(group);
    const empty = { protocolType: 'consumer', generationId: 4, protocol: null, leader: null, members: [] };
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue(empty))).toEqual(empty);
  });

  it('refuses truncated records and unknown versions', () => {
    expect(() => decodeOffsetsRecordKey(encodeOffsetCommitKey('g', 't', 1).subarray(0, 8))).toThrow(RangeError);
    expect(() => decodeOffsetsRecordKey(Buffer.from([0, 9]))).toThrow(/unknown version 9/);
  });
});
