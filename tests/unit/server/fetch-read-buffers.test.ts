import { FETCH_READ_BUFFER_BYTES, FetchReadBuffers } from '../../../src/server/fetch-read-buffers';

describe('FetchReadBuffers', () => {
  it('reuses a buffer only after a view of it is released', () => {
    const buffers = new FetchReadBuffers();
    const first = buffers.lease(1000)!;
    const second = buffers.lease(1000)!;
    expect(second.buffer).not.toBe(first.buffer);
    buffers.release(first.subarray(10, 20));
    expect(buffers.lease(FETCH_READ_BUFFER_BYTES)!.buffer).toBe(first.buffer);
  });

  it('lends nothing for a read larger than its buffers, and ignores views of other memory and double releases', () => {
    const buffers = new FetchReadBuffers();
    expect(buffers.lease(FETCH_READ_BUFFER_BYTES + 1)).toBeUndefined();
    const lent = buffers.lease(1)!;
    buffers.release(Buffer.alloc(10));
    buffers.release(null);
    buffers.release(lent);
    buffers.release(lent);
    const a = buffers.lease(1)!;
    const b = buffers.lease(1)!;
    expect(a.buffer).toBe(lent.buffer);
    expect(b.buffer).not.toBe(lent.buffer);
  });
});
