import { parseFaultKinds, planFaults, seededRandom } from '../../../chaos/nemesis';

describe('the nemesis plan', () => {
  const options = { seed: 42, durationMs: 120_000, faults: parseFaultKinds('kill,stop,zk,restart'), sessionTimeoutMs: 4_000 };

  it('is the same for the same seed and differs for another', () => {
    expect(planFaults(options)).toEqual(planFaults(options));
    expect(planFaults({ ...options, seed: 43 })).not.toEqual(planFaults(options));
  });

  it('keeps faults apart, within the duration, and stops brokers past their session timeout', () => {
    const plan = planFaults(options);
    expect(plan.length).toBeGreaterThan(4);
    for (let i = 0; i < plan.length; i++) {
      const f = plan[i];
      expect(f.atMs + f.holdMs).toBeLessThanOrEqual(options.durationMs);
      if (i > 0) expect(f.atMs).toBeGreaterThanOrEqual(plan[i - 1].atMs + plan[i - 1].holdMs + 4_000);
      if (f.action === 'stop-broker') expect(f.holdMs).toBeGreaterThan(options.sessionTimeoutMs);
      expect(f.pick).toBeGreaterThanOrEqual(0);
      expect(f.pick).toBeLessThan(1);
    }
  });

  it('uses only the fault kinds asked for', () => {
    expect(new Set(planFaults({ ...options, faults: ['zk'] }).map((f) => f.action))).toEqual(new Set(['kill-zk-node']));
    expect(planFaults({ ...options, faults: [] })).toEqual([]);
    expect(() => parseFaultKinds('kill,flood')).toThrow(/unknown fault "flood"/);
  });

  it('draws evenly from a seeded generator', () => {
    const random = seededRandom(1);
    const buckets = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) buckets[Math.floor(random() * 4)]++;
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });
});
