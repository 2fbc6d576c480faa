import { pipelined } from '../../../src/coordination/zk-pipeline';

/** A request that answers when the test says so, recording how many are outstanding. */
function controlledRequests(): { request: (n: number) => Promise<number>; answer: (n: number, fail?: Error) => void; started: number[]; maxOutstanding: () => number } {
  const pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  const started: number[] = [];
  let outstanding = 0;
  let max = 0;
  return {
    started,
    maxOutstanding: () => max,
    request: (n) => new Promise<number>((resolve, reject) => {
      started.push(n);
      max = Math.max(max, ++outstanding);
      pending.set(n, { resolve: (v) => { outstanding--; resolve(v); }, reject: (e) => { outstanding--; reject(e); } });
    }),
    answer: (n, fail) => {
      const p = pending.get(n);
      if (!p) throw new Error(`request ${n} not in flight`);
      pending.delete(n);
      if (fail) p.reject(fail);
      else p.resolve(n * 10);
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('pipelined ZooKeeper requests', () => {
  it('keeps at most maxInFlight outstanding and answers in the items\' order whatever order they complete in', async () => {
    const r = controlledRequests();
    const done = pipelined([1, 2, 3, 4, 5], r.request, 2);
    await turn();
    expect(r.started).toEqual([1, 2]);
    r.answer(2);
    await turn();
    expect(r.started).toEqual([1, 2, 3]);
    for (const [n, thenStarted] of [[3, 4], [1, 5]]) {
      r.answer(n);
      await turn();
      expect(r.started.at(-1)).toBe(thenStarted);
    }
    r.answer(5);
    r.answer(4);
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(r.maxOutstanding()).toBe(2);
  });

  it('starts nothing after a failure and rejects only once the requests in flight have settled', async () => {
    const r = controlledRequests();
    let settled = false;
    const done = pipelined([1, 2, 3, 4], r.request, 2).finally(() => { settled = true; });
    done.catch(() => undefined);
    await turn();
    r.answer(1, new Error('moved'));
    await turn();
    expect(r.started).toEqual([1, 2]);
    expect(settled).toBe(false);
    r.answer(2);
    await expect(done).rejects.toThrow('moved');
    expect(r.started).toEqual([1, 2]);
  });

  it('resolves at once for no items', async () => {
    await expect(pipelined([], () => Promise.reject(new Error('never called')))).resolves.toEqual([]);
  });
});
