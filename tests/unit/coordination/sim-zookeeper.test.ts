/**
 * The simulated ZooKeeper's optional faults: deliveries held up per session (one session's answers
 * and notifications keep ZooKeeper's order, other sessions may see a change first) and writes the
 * server refuses unapplied (THROTTLEDOP).
 */
import { SeededDraws, SimScheduler } from '../../../src/coordination/sim/sim-scheduler';
import { SimZooKeeperServer } from '../../../src/coordination/sim/sim-zookeeper';
import { ZkError } from '../../../src/coordination/zk-errors';

function serverWith(seed: number, faults: { writeFailureProbability?: number; slowDeliveryProbability?: number; latencyMsMax?: number }): { scheduler: SimScheduler; server: SimZooKeeperServer } {
  const scheduler = new SimScheduler(seed);
  scheduler.runFreely();
  return { scheduler, server: new SimZooKeeperServer(scheduler, { faultDraws: new SeededDraws(seed + 1), slowDeliveryMsMax: 400, ...faults }) };
}

test('held-up deliveries keep one session\'s answers in the order the server sent them', async () => {
  const { scheduler, server } = serverWith(7, { slowDeliveryProbability: 0.5 });
  try {
    const writer = server.connect('writer');
    const watchers = [server.connect('a'), server.connect('b'), server.connect('c')];
    await writer.create('/n', Buffer.from('0'));
    const seen: string[] = [];
    const perSession = new Map<string, string[]>();
    for (const zk of watchers) {
      await zk.getData('/n', () => seen.push(zk.name));
      perSession.set(zk.name, []);
    }
    // Writes in a row, each answer and each watch recorded in the order the client gets them.
    const versions: number[] = [];
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.setData('/n', Buffer.from(String(i + 1)), i).then((stat) => versions.push(stat.version))));
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const zk of watchers) {
      for (let i = 0; i < 5; i++) void zk.getData('/n').then((node) => perSession.get(zk.name)?.push(node.data.toString()));
    }
    const deadlineMs = Date.now() + 5_000;
    while ([...perSession.values()].some((l) => l.length < 5) && Date.now() < deadlineMs) await new Promise((resolve) => setImmediate(resolve));
    for (const answers of perSession.values()) expect(answers).toEqual(['20', '20', '20', '20', '20']);
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  } finally {
    scheduler.stopRunningFreely();
  }
});

test('held-up deliveries let watches set in one order fire in another across sessions', async () => {
  const orders = new Set<string>();
  for (let seed = 1; seed <= 10; seed++) {
    // Every message takes 1 ms unless held up: only held-up deliveries can reorder the watches.
    const { scheduler, server } = serverWith(seed, { slowDeliveryProbability: 0.5, latencyMsMax: 1 });
    try {
      const writer = server.connect('writer');
      await writer.create('/n', Buffer.from('0'));
      const fired: string[] = [];
      const watchers = [server.connect('a'), server.connect('b'), server.connect('c')];
      for (const zk of watchers) await zk.getData('/n', () => fired.push(zk.name));
      await writer.setData('/n', Buffer.from('1'), 0);
      const deadlineMs = Date.now() + 5_000;
      while (fired.length < 3 && Date.now() < deadlineMs) await new Promise((resolve) => setImmediate(resolve));
      orders.add(fired.join(''));
    } finally {
      scheduler.stopRunningFreely();
    }
  }
  expect(orders.size).toBeGreaterThan(1);
});

test('a refused write is not applied and fails with THROTTLEDOP', async () => {
  const { scheduler, server } = serverWith(3, { writeFailureProbability: 1 });
  try {
    const zk = server.connect('client');
    const refused = await zk.create('/n', Buffer.from('x')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ZkError);
    expect((refused as ZkError).code).toBe(-127);
    expect(server.model.peek('/n')).toBeUndefined();
    expect(await zk.exists('/n')).toBeNull();
  } finally {
    scheduler.stopRunningFreely();
  }
});
