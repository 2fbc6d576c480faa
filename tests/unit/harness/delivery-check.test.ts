import { deliveryVerdict } from '../../../src/harness/delivery-check';

describe('deliveryVerdict', () => {
  it('reports acknowledged values never read as lost, in order', () => {
    expect(deliveryVerdict(['a', 'b', 'c', 'd'], ['a', 'c'])).toEqual({
      acknowledged: 4, consumed: 2, lost: ['b', 'd'], duplicates: 0, unacknowledgedButWritten: 0,
    });
  });

  it('counts retried duplicates and writes that landed without an acknowledgement, and loses nothing for them', () => {
    expect(deliveryVerdict(['a', 'b'], ['a', 'b', 'b', 'x', 'b'])).toEqual({
      acknowledged: 2, consumed: 5, lost: [], duplicates: 2, unacknowledgedButWritten: 1,
    });
  });
});
