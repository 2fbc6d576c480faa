import { bridgeAddress, cutScripts, describeDrops, hostLabeled, planTopology, runNameOf } from '../../../chaos/hosts/topology';
import { networkCut, networkFaultKinds, parseFaultKinds, planFaults, seededRandom, type ClusterRoles, type PlannedFault } from '../../../chaos/nemesis';

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

  it('plans network faults past the session timeout where ZooKeeper must give up, and keeps the plans of process faults as they were for a seed', () => {
    const networked = [7, 8, 9].flatMap((seed) => planFaults({ ...options, seed, faults: parseFaultKinds('partition,one-way,bridge,zk-minority,partition-controller') }));
    expect(new Set(networked.map((f) => f.action))).toEqual(new Set(['partition-leader', 'drop-to-zk', 'drop-from-zk', 'partition-bridge', 'partition-zk-minority', 'partition-controller']));
    // Seed 42's first faults, as planned before there were network faults (docs and runs refer to seeds).
    expect(planFaults(options).slice(0, 2)).toEqual([
      { atMs: 3202, action: 'stop-broker', holdMs: 6704, pick: 0.6697340414393693 },
      { atMs: 14430, action: 'stop-broker', holdMs: 5546, pick: 0.6247446539346129 },
    ]);
    for (const f of networked) {
      if (['partition-leader', 'partition-controller', 'partition-zk-minority'].includes(f.action)) expect(f.holdMs).toBeGreaterThan(options.sessionTimeoutMs);
      expect(f.sidePick !== undefined).toBe(f.action === 'partition-zk-minority' || f.action === 'partition-bridge');
    }
    expect(planFaults(options).every((f) => f.sidePick === undefined)).toBe(true);
    expect(parseFaultKinds(networkFaultKinds.join(','))).toEqual([...networkFaultKinds]);
  });

  it('draws evenly from a seeded generator', () => {
    const random = seededRandom(1);
    const buckets = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) buckets[Math.floor(random() * 4)]++;
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });
});

describe('the network faults\' cuts', () => {
  const roles: ClusterRoles = { brokers: [1, 2, 3], zookeepers: [1, 2, 3], controller: 2, leaders: [1, 2, 3, 1, 2, 3] };
  const fault = (action: PlannedFault['action'], pick: number, sidePick?: number): PlannedFault => ({ atMs: 0, action, holdMs: 5_000, pick, sidePick });
  const cut = (f: PlannedFault): string => {
    const c = networkCut(f, roles);
    return `${c.victim}: ${describeDrops(c.drops)}`;
  };

  it('cuts a partition\'s leader from ZooKeeper and the other brokers, and nothing from the clients', () => {
    expect(cut(fault('partition-leader', 0.2))).toBe('broker 2: b2->zk1 b2->zk2 b2->zk3 b2->b1 b2->b3 zk1->b2 zk2->b2 zk3->b2 b1->b2 b3->b2');
    // A partition without a leader: a broker picked instead.
    expect(networkCut(fault('partition-leader', 0.9), { ...roles, leaders: [1, 2, 3, 1, 2, -1] }).victim).toBe('broker 3');
  });

  it('cuts the controller from ZooKeeper only', () => {
    expect(cut(fault('partition-controller', 0.99))).toBe('broker 2: b2->zk1 b2->zk2 b2->zk3 zk1->b2 zk2->b2 zk3->b2');
  });

  it('cuts a ZooKeeper node and a broker from the majority', () => {
    expect(cut(fault('partition-zk-minority', 0.5, 0.9))).toBe('zk2+b3 | rest: zk2->zk1 zk2->zk3 zk2->b1 zk2->b2 b3->zk1 b3->zk3 b3->b1 b3->b2 zk1->zk2 zk1->b3 zk3->zk2 zk3->b3 b1->zk2 b1->b3 b2->zk2 b2->b3');
  });

  it('drops a broker\'s packets to ZooKeeper, or ZooKeeper\'s to it, one way', () => {
    expect(cut(fault('drop-to-zk', 0))).toBe('b1->zk: b1->zk1 b1->zk2 b1->zk3');
    expect(cut(fault('drop-from-zk', 0))).toBe('zk->b1: zk1->b1 zk2->b1 zk3->b1');
  });

  it('splits the hosts into two halves of both kinds that each see the middle host and not each other', () => {
    for (const [pick, sidePick] of [[0, 0], [0.5, 0.3], [0.99, 0.99]]) {
      const c = networkCut(fault('partition-bridge', pick, sidePick), roles);
      const [a, middle, b] = c.victim.split(' | ').map((side) => side.split('+'));
      expect(middle).toHaveLength(1);
      expect([...a, ...middle, ...b].sort()).toEqual(['b1', 'b2', 'b3', 'zk1', 'zk2', 'zk3']);
      for (const half of [a, b]) expect(half.some((h) => h.startsWith('b')) && half.some((h) => h.startsWith('zk'))).toBe(middle[0].startsWith('b') || half.length > 1);
      for (const d of c.drops) {
        expect(d.from).not.toBe(middle[0]);
        expect(d.to).not.toBe(middle[0]);
        expect(a.includes(d.from) ? b.includes(d.to) : a.includes(d.to)).toBe(true);
      }
      expect(c.drops).toHaveLength(2 * a.length * b.length);
    }
  });
});

describe('a network fault plan replayed from its seed', () => {
  const options = { seed: 2459, durationMs: 70_000, faults: [...networkFaultKinds], sessionTimeoutMs: 4_000 };
  const roles: ClusterRoles = { brokers: [1, 2, 3], zookeepers: [1, 2, 3], controller: 3, leaders: [1, 2, 3, 1, 2, 3] };
  const topology = planTopology(runNameOf(4_194_304), { zookeepers: 3, brokers: 3 });
  /** Each fault's nftables scripts, by namespace, given the same roles: what a replay would load. */
  const replay = (): Map<string, string>[] => planFaults(options).map((f) => cutScripts(topology, networkCut(f, roles).drops));

  it('gives the same faults, cuts and nftables rules again, with every kind in the first 48 s (the suite\'s run)', () => {
    const plan = planFaults(options);
    expect(plan.slice(0, 5).map((f) => [f.action, f.atMs, f.holdMs])).toEqual([
      ['partition-leader', 3361, 7062],
      ['partition-controller', 15695, 5115],
      ['partition-bridge', 25832, 2029],
      ['drop-from-zk', 33115, 2198],
      ['partition-zk-minority', 40407, 7300],
    ]);
    expect(replay()).toEqual(replay());
  });

  it('has the zombie leader\'s host drop everyone but the clients, and everyone drop it', () => {
    const [zombie] = planFaults(options);
    const cut = networkCut(zombie, roles);
    const victim = hostLabeled(topology, `b${cut.victim.replace('broker ', '')}`);
    const scripts = cutScripts(topology, cut.drops);
    const others = topology.hosts.filter((h) => h !== victim).map((h) => h.address).sort();
    expect(scripts.get(victim.namespace)).toContain(`ip saddr { ${others.join(', ')} } drop`);
    for (const host of topology.hosts.filter((h) => h !== victim)) expect(scripts.get(host.namespace)).toContain(`ip saddr { ${victim.address} } drop`);
    for (const script of scripts.values()) expect(script).not.toMatch(new RegExp(`${bridgeAddress.replace(/\./g, '\\.')}\\b(?!\\.)`));
  });
});
