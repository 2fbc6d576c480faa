/**
 * A short chaos run, as `npm run chaos -- --duration 30 --seed 42` does it: real broker processes
 * and a real three-node ZooKeeper ensemble hit by the seeded nemesis while acks=all producers
 * write; nothing acknowledged may be lost and no two replicas may disagree below the HW.
 */
import { runChaos } from '../../chaos/run';

jest.setTimeout(240_000);

test('a 30-second chaos run loses nothing acknowledged and leaves no divergent replicas', async () => {
  const report = await runChaos({ durationMs: 30_000, seed: 42, faults: ['kill', 'stop', 'zk', 'restart'] });
  expect(report.faults.length).toBeGreaterThanOrEqual(2);
  expect(report.acknowledged).toBeGreaterThan(1000);
  expect(report.lost).toEqual([]);
  expect(report.divergent).toEqual([]);
  expect(report.read).toBeGreaterThanOrEqual(report.acknowledged);
});
