import { brokenGuarantees, check, divergentOffsets, failed, GroupProgress } from '../../../chaos/checker';

const values = (entries: [number, string][]): Map<number, string> => new Map(entries);

describe('the chaos checker', () => {
  it('finds acknowledged values nobody read, and counts duplicates', () => {
    const result = check(['a', 'b', 'c'], [{
      partition: 0, highWatermark: 3,
      sources: new Map([['consumer', values([[0, 'a'], [1, 'c'], [2, 'c']])]]),
    }]);
    expect(result).toMatchObject({ acknowledged: 3, read: 3, lost: ['b'], duplicates: 1, divergent: [] });
  });

  it('reports offsets below the high watermark where replicas or reads disagree, or one lacks the record', () => {
    const reads = {
      partition: 2, highWatermark: 3,
      sources: new Map([
        ['consumer', values([[0, 'a'], [1, 'b'], [2, 'c']])],
        ['broker-1', values([[0, 'a'], [1, 'b'], [2, 'c'], [3, 'tail']])],
        ['broker-2', values([[0, 'a'], [1, 'x']])],
      ]),
    };
    expect(divergentOffsets(reads)).toEqual([
      { partition: 2, offset: 1, values: { consumer: 'b', 'broker-1': 'b', 'broker-2': 'x' } },
      { partition: 2, offset: 2, values: { consumer: 'c', 'broker-1': 'c', 'broker-2': null } },
    ]);
  });
});

describe('the consumer group check', () => {
  const reads = [{ partition: 0, highWatermark: 4, sources: new Map([['consumer', values([[0, 'a'], [1, 'b'], [2, 'b'], [3, 'c']])]]) }];

  it('counts an acknowledged value as consumed when the group processed an offset holding it', () => {
    const group = new GroupProgress();
    group.processed(0, 0);
    group.processed(0, 2); // b's duplicate from a retry: one of its offsets is enough
    group.committed(0, 1);
    expect(check(['a', 'b', 'c'], reads, group)).toMatchObject({
      consumed: 2, notConsumed: ['c'], commitsPastProcessed: [], commits: 1, processed: 2,
    });
  });

  it('counts a lost value (acks=1) as lost only: neither consumed nor left unprocessed by the group', () => {
    const group = new GroupProgress();
    for (const offset of [0, 1, 2, 3]) group.processed(0, offset);
    expect(check(['a', 'b', 'c', 'gone'], reads, group)).toMatchObject({ lost: ['gone'], consumed: 3, notConsumed: [] });
  });

  it('allows commits behind processing and re-processing, and reports a commit past an unprocessed record', () => {
    const group = new GroupProgress();
    for (const offset of [0, 1, 2]) group.processed(0, offset);
    group.committed(0, 2); // behind what was processed: fine
    group.processed(0, 2); // processed again after a rebalance: fine
    group.processed(0, 3);
    group.committed(0, 4);
    expect(group.commitsPastProcessed).toEqual([]);
    const skipping = new GroupProgress();
    skipping.processed(1, 0);
    skipping.processed(1, 2);
    skipping.committed(1, 3); // offset 1 was never processed
    expect(skipping.commitsPastProcessed).toEqual([{ partition: 1, committedOffset: 3, processedUpTo: 1 }]);
    expect(skipping.wasProcessed(1, 2)).toBe(true);
    expect(skipping.processedUpTo(1)).toBe(1);
  });

  it('fails the verdict on anything lost, divergent, not consumed or committed past processing', () => {
    const group = new GroupProgress();
    for (const offset of [0, 1, 2, 3]) group.processed(0, offset);
    group.committed(0, 4);
    const ok = check(['a', 'b', 'c'], reads, group);
    expect(failed(ok)).toBe(false);
    expect(failed({ ...ok, notConsumed: ['c'] })).toBe(true);
    expect(failed({ ...ok, commitsPastProcessed: [{ partition: 0, committedOffset: 4, processedUpTo: 3 }] })).toBe(true);
    expect(failed({ ...ok, lost: ['a'] })).toBe(true);
    expect(failed(check(['a'], reads))).toBe(false);
  });

  it('with acks=1 reports what was lost without calling it a broken guarantee, and counts unhealed faults', () => {
    const group = new GroupProgress();
    for (const offset of [0, 1, 2, 3]) group.processed(0, offset);
    const lostOne = check(['a', 'b', 'c', 'zombie'], reads, group);
    expect(lostOne.lost).toEqual(['zombie']);
    expect(lostOne.notConsumed).toEqual([]); // a lost value cannot be processed: counted as lost, not twice
    expect(brokenGuarantees(lostOne)).toEqual(['1 acknowledged values lost']);
    expect(brokenGuarantees(lostOne, { acks: 1, unhealedFaults: 0 })).toEqual([]);
    expect(brokenGuarantees({ ...lostOne, divergent: [{ partition: 0, offset: 1, values: {} }] }, { acks: 1, unhealedFaults: 2 })).toEqual([
      '1 offsets below the high watermark differ between replicas or reads',
      '2 faults after which the cluster did not get a leader and a full ISR for every partition in time',
    ]);
  });
});
