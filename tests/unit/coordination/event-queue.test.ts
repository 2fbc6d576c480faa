import { ControllerEventQueue } from '../../../src/coordination/controller/event-queue';
import { quietLogger } from '../../helpers/log';

type Event = { type: string; n?: number };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('controller event queue', () => {
  it('processes events one at a time, in the order they were put', async () => {
    const log: string[] = [];
    let running = 0;
    const queue = new ControllerEventQueue<Event>(async (e) => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${e.n}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${e.n}`);
      running--;
    }, quietLogger);
    await Promise.all([1, 2, 3].map((n) => queue.put({ type: 'E', n })));
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('rejects the put of a failing event and goes on with the next', async () => {
    const seen: number[] = [];
    const queue = new ControllerEventQueue<Event>(async (e) => {
      seen.push(e.n as number);
      if (e.n === 1) throw new Error('boom');
    }, quietLogger);
    const first = queue.put({ type: 'E', n: 1 });
    const second = queue.put({ type: 'E', n: 2 });
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBeUndefined();
    expect(seen).toEqual([1, 2]);
  });

  it('does not queue a watch event twice while one waits, and is bounded', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const queue = new ControllerEventQueue<Event>(async (e) => {
      seen.push(e.type);
      if (e.type === 'Block') await gate.promise;
    }, quietLogger, undefined, 3);
    const blocking = queue.put({ type: 'Block' });
    const a = queue.putIfAbsent({ type: 'BrokerChange' });
    const b = queue.putIfAbsent({ type: 'BrokerChange' });
    expect(b).toBe(a);
    void queue.put({ type: 'X' });
    void queue.put({ type: 'Y' });
    expect(queue.size).toBe(3);
    await expect(queue.put({ type: 'Z' })).rejects.toThrow(/full \(3 events\); Z dropped/);
    gate.resolve();
    await blocking;
    await queue.idle();
    expect(seen).toEqual(['Block', 'BrokerChange', 'X', 'Y']);
  });

  it('clearAndPut drops what waits; stop refuses more', async () => {
    const gate = deferred();
    const seen: string[] = [];
    const queue = new ControllerEventQueue<Event>(async (e) => {
      seen.push(e.type);
      if (e.type === 'Block') await gate.promise;
    }, quietLogger);
    void queue.put({ type: 'Block' });
    const dropped = queue.put({ type: 'Old' });
    const expire = queue.clearAndPut({ type: 'Expire' });
    await expect(dropped).rejects.toThrow(/Old not processed: dropped for Expire/);
    gate.resolve();
    await expire;
    expect(seen).toEqual(['Block', 'Expire']);
    queue.stop();
    await expect(queue.put({ type: 'Late' })).rejects.toThrow(/stopped/);
  });
});
