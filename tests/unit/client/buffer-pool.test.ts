import { BufferPool } from '../../../src/client/buffer-pool';

describe('BufferPool', () => {
  it('counts what is handed out against its total and reuses batch-sized buffers', () => {
    const pool = new BufferPool(4096, 1024);
    const a = pool.allocate(10);
    expect(a.length).toBe(1024);
    const big = pool.allocate(2000);
    expect(big.length).toBe(2000);
    expect(pool.usedBytes).toBe(3024);
    expect(pool.hasRoomFor(1024)).toBe(true);
    expect(pool.hasRoomFor(1073)).toBe(false);
    pool.deallocate(a);
    expect(pool.allocate(1024)).toBe(a);
    pool.deallocate(big);
    expect(pool.usedBytes).toBe(1024);
  });

  it('keeps free buffers plus used bytes within the total', () => {
    const pool = new BufferPool(4096, 1024);
    const buffers = [pool.allocate(1024), pool.allocate(1024), pool.allocate(1024)];
    for (const b of buffers) pool.deallocate(b);
    // Three free 1 KiB buffers and a 3 KiB allocation would hold 6 KiB: two free ones are dropped.
    pool.allocate(3072);
    expect(pool.usedBytes).toBe(3072);
    expect(pool.allocate(1024)).toBe(buffers[0]);
    expect(() => pool.allocate(1)).toThrow(/assertion failed/);
  });
});
