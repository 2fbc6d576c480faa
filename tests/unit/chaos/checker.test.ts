import { check, divergentOffsets } from '../../../chaos/checker';

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
