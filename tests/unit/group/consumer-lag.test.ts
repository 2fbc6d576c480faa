import { consumerLag, groupLags } from '../../../src/group/consumer-lag';

describe('consumer lag', () => {
  it.each([
    [5, 12, 7],
    [12, 12, 0],
    // A committed offset past the high watermark (a truncated log) is no negative lag.
    [15, 12, 0],
    [null, 12, null],
    [-1, 12, null],
    [5, null, null],
  ])('committed %p, log end %p: %p', (committed, logEnd, lag) => {
    expect(consumerLag(committed, logEnd)).toBe(lag);
  });

  it('leaves out partitions whose log end offset is unknown or that have no committed offset', () => {
    const committed = [
      { groupId: 'g', topic: 't', partition: 0, offset: 3 },
      { groupId: 'g', topic: 't', partition: 1, offset: 4 },
      { groupId: 'h', topic: 't', partition: 0, offset: -1 },
    ];
    expect(groupLags(committed, new Map([['t-0', 10]]))).toEqual([{ groupId: 'g', topic: 't', partition: 0, offset: 3, logEndOffset: 10, lag: 7 }]);
  });
});
