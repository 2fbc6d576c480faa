import { inBatches } from '../../../src/common/batches';

describe('inBatches', () => {
  it('cuts items into consecutive batches of the size, the last one shorter', () => {
    expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inBatches([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(inBatches([1, 2], 50)).toEqual([[1, 2]]);
  });

  it('gives no batch for no items', () => {
    expect(inBatches([], 3)).toEqual([]);
  });

  it('refuses a size below one, which would never end', () => {
    expect(() => inBatches([1], 0)).toThrow(RangeError);
    expect(() => inBatches([1], 1.5)).toThrow(RangeError);
  });
});
