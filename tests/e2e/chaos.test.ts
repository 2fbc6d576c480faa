/**
 * A short chaos run, as `npm run chaos -- --duration 60 --seed 42` does it: real broker processes
 * and a real three-node ZooKeeper ensemble hit by the seeded nemesis while acks=all producers
 * write and a consumer group commits after processing; nothing acknowledged may be lost or left
 * unprocessed by the group, no commit may skip a record, and no two replicas may disagree below
 * the HW; and __consumer_offsets, compacted, keeps fewer records than the group wrote to it.
 * Verdicts only: how fast things recover depends on the machine and is not asserted.
 */
import { runChaos } from '../../chaos/run';

jest.setTimeout(420_000);

test('a 60-second chaos run loses nothing acknowledged, the group processes it all, and no replicas diverge', async () => {
  const report = await runChaos({ durationMs: 60_000, seed: 42, faults: ['kill', 'stop', 'zk', 'restart'] });
  expect(report.faults.length).toBeGreaterThanOrEqual(3);
  expect(report.acknowledged).toBeGreaterThan(1000);
  expect(report.lost).toEqual([]);
  expect(report.divergent).toEqual([]);
  expect(report.read).toBeGreaterThanOrEqual(report.acknowledged);
  expect(report.groupCaughtUp).toBe(true);
  expect(report.notConsumed).toEqual([]);
  expect(report.commitsPastProcessed).toEqual([]);
  expect(report.consumed).toBe(report.acknowledged);
  expect(report.offsetsTopic.recordsKept).toBeLessThan(report.offsetsTopic.recordsWritten);
});
