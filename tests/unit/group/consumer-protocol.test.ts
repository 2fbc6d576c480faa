import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../src/client/consumer-protocol';

describe('consumer protocol bytes (subscription in JoinGroup, assignment in SyncGroup)', () => {
  it('round-trips a subscription, topics sorted and once each', () => {
    expect(decodeSubscription(encodeSubscription(['b', 'a', 'b']))).toEqual(['a', 'b']);
    expect(encodeSubscription(['b', 'a']).equals(encodeSubscription(['a', 'b']))).toBe(true);
  });

  it('round-trips an assignment grouped by topic, and reads empty bytes as no partitions', () => {
    const partitions = [{ topic: 't', partition: 0 }, { topic: 'u', partition: 2 }, { topic: 't', partition: 3 }];
    expect(decodeAssignment(encodeAssignment(partitions))).toEqual([{ topic: 't', partition: 0 }, { topic: 't', partition: 3 }, { topic: 'u', partition: 2 }]);
    expect(decodeAssignment(Buffer.alloc(0))).toEqual([]);
    expect(decodeSubscription(Buffer.alloc(0))).toEqual([]);
  });
});
