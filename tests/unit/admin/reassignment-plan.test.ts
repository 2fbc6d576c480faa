import fc from 'fast-check';
import { ErrorCode } from '../../../src/common/errors';
import {
  changedPartitions, parsePlan, proposeAssignment, rackAlternatedBrokerList, toPlan, type BrokerRack, type TopicAssignment,
} from '../../../src/admin/reassignment-plan';
import type { ReplicaAssignment } from '../../../src/coordination/znodes';

const brokers = (...ids: number[]): BrokerRack[] => ids.map((id) => ({ id, rack: null }));
const topic = (name: string, partitions: Record<number, number[]>): TopicAssignment => ({
  topic: name, assignment: new Map(Object.entries(partitions).map(([p, r]) => [Number(p), r])),
});
const toObject = (m: ReplicaAssignment | undefined) => Object.fromEntries(m ?? new Map());

function counts(assignment: ReplicaAssignment, pick: (replicas: number[]) => number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const replicas of assignment.values()) for (const id of pick(replicas)) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

/** Every broker holds floor or ceil of the topic's replicas. */
function expectBalancedReplicas(assignment: ReplicaAssignment, ids: number[]): void {
  const total = [...assignment.values()].reduce((s, r) => s + r.length, 0);
  const held = counts(assignment, (r) => r);
  for (const id of ids) {
    expect(held.get(id) ?? 0).toBeGreaterThanOrEqual(Math.floor(total / ids.length));
    expect(held.get(id) ?? 0).toBeLessThanOrEqual(Math.ceil(total / ids.length));
  }
}

function moved(before: ReplicaAssignment, after: ReplicaAssignment): number {
  let n = 0;
  for (const [p, replicas] of after) n += replicas.filter((id) => !(before.get(p) ?? []).includes(id)).length;
  return n;
}

describe('reassignment plan (josef topic reassign --generate)', () => {
  it('adding a fourth broker moves only its share onto it, keeping the rest where it was', () => {
    // 4 partitions x RF 3 on brokers 1-3 (each holds 4); over 1-4 each broker should hold 3.
    const current = topic('orders', { 0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2], 3: [1, 3, 2] });
    const proposed = proposeAssignment([current], brokers(1, 2, 3, 4)).get('orders') as ReplicaAssignment;
    expectBalancedReplicas(proposed, [1, 2, 3, 4]);
    expect(moved(current.assignment, proposed)).toBe(3); // broker 4's three replicas, nothing else
    const leaders = counts(proposed, (r) => [r[0]]);
    expect([...leaders.values()].sort()).toEqual([1, 1, 1, 1]);
    for (const replicas of proposed.values()) expect(new Set(replicas).size).toBe(3);
  });

  it('proposes the current assignment back when it is already balanced', () => {
    const current = topic('t', { 0: [1, 2], 1: [2, 3], 2: [3, 1] });
    expect(toObject(proposeAssignment([current], brokers(1, 2, 3)).get('t'))).toEqual(toObject(current.assignment));
  });

  it('moves replicas off a broker that leaves the list', () => {
    const current = topic('t', { 0: [1, 2], 1: [2, 3], 2: [3, 1] });
    const proposed = proposeAssignment([current], brokers(1, 2)).get('t') as ReplicaAssignment;
    expect(toObject(proposed)).toEqual({ 0: [1, 2], 1: [2, 1], 2: [1, 2] });
  });

  it('keeps each partition\'s leader when that stays balanced', () => {
    const current = topic('t', { 0: [2, 1], 1: [1, 2] });
    const proposed = proposeAssignment([current], brokers(1, 2, 3)).get('t') as ReplicaAssignment;
    expect(proposed.get(0)?.[0]).toBe(2);
    expect(proposed.get(1)?.[0]).toBe(1);
  });

  it('orders brokers as Kafka\'s rack-alternated list', () => {
    // Kafka's AdminRackAwareTest.testGetRackAlternatedBrokerListAndAssignReplicasToBrokers.
    const racks: Record<number, string> = { 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' };
    expect(rackAlternatedBrokerList(Object.entries(racks).map(([id, rack]) => ({ id: Number(id), rack })))).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it('spreads every partition over as many racks as it has replicas, from nothing moved onto new racks', () => {
    const current = topic('t', { 0: [1, 2], 1: [2, 1], 2: [1, 2], 3: [2, 1] }); // both on rack a
    const rackBrokers: BrokerRack[] = [{ id: 1, rack: 'a' }, { id: 2, rack: 'a' }, { id: 3, rack: 'b' }, { id: 4, rack: 'b' }];
    const proposed = proposeAssignment([current], rackBrokers).get('t') as ReplicaAssignment;
    for (const replicas of proposed.values()) expect(new Set(replicas.map((id) => rackBrokers.find((b) => b.id === id)?.rack)).size).toBe(2);
    expectBalancedReplicas(proposed, [1, 2, 3, 4]);
  });

  it('refuses brokers of which only some have racks, unless racks are ignored', () => {
    const current = topic('t', { 0: [1] });
    const mixed: BrokerRack[] = [{ id: 1, rack: 'a' }, { id: 2, rack: null }];
    expect(() => proposeAssignment([current], mixed)).toThrow(/not all brokers have rack information \(brokers 2 have none\)/);
    expect(proposeAssignment([current], mixed, { rackAware: false }).get('t')?.get(0)).toHaveLength(1);
  });

  it.each([
    { what: 'no brokers', list: [] as number[], message: /broker list is empty/ },
    { what: 'a broker twice', list: [1, 1, 2], message: /names a broker twice/ },
    { what: 'fewer brokers than replicas', list: [1], message: /t-0 has 2 replicas, more than the 1 brokers given/ },
  ])('refuses $what', ({ list, message }) => {
    const attempt = () => proposeAssignment([topic('t', { 0: [1, 2] })], brokers(...list));
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_REPLICA_ASSIGNMENT.code }));
  });

  it('balances replicas per topic for any current assignment and broker list, keeping what it can', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1000 }),
      (oldBrokers, numPartitions, rf, newBrokers, seed) => {
        fc.pre(rf <= oldBrokers && rf <= newBrokers);
        const current = new Map<number, number[]>();
        for (let p = 0; p < numPartitions; p++) current.set(p, Array.from({ length: rf }, (_, j) => 1 + ((p * 7 + seed + j) % oldBrokers)));
        for (const [p, r] of current) current.set(p, [...new Set(r)].concat(Array.from({ length: oldBrokers }, (_, i) => i + 1)).filter((x, i, a) => a.indexOf(x) === i).slice(0, rf));
        const ids = Array.from({ length: newBrokers }, (_, i) => i + 1);
        const proposed = proposeAssignment([{ topic: 't', assignment: current }], brokers(...ids)).get('t') as ReplicaAssignment;
        expect([...proposed.keys()]).toEqual([...current.keys()]);
        for (const replicas of proposed.values()) {
          expect(replicas).toHaveLength(rf);
          expect(new Set(replicas).size).toBe(rf);
          for (const id of replicas) expect(ids).toContain(id);
        }
        expectBalancedReplicas(proposed, ids);
        // Only what must move moves: the replicas of departed brokers, and each broker's excess over
        // its quota (floor or ceil of the share; the ceil going to the brokers that hold most).
        const total = numPartitions * rf;
        const held = counts(current, (r) => r);
        const ranked = [...ids].sort((a, b) => (held.get(b) ?? 0) - (held.get(a) ?? 0));
        let mustMove = [...held].filter(([id]) => !ids.includes(id)).reduce((s, [, n]) => s + n, 0);
        ranked.forEach((id, i) => { mustMove += Math.max(0, (held.get(id) ?? 0) - Math.floor(total / newBrokers) - (i < total % newBrokers ? 1 : 0)); });
        // The greedy placement reaches that minimum almost always (over all layouts up to 7 brokers,
        // 24 partitions and RF 4, 1.4% more moves in total); never more than an eighth of the replicas beyond it.
        expect(moved(current, proposed)).toBeGreaterThanOrEqual(mustMove);
        expect(moved(current, proposed)).toBeLessThanOrEqual(mustMove + Math.ceil(total / 8));
      },
    ));
  });

  it('spreads preferred leaders evenly when starting from a fresh layout', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 3 }), (n, numPartitions, rf) => {
      fc.pre(rf <= n);
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      const current = new Map(Array.from({ length: numPartitions }, (_, p) => [p, [1 + (p % n), ...ids.filter((id) => id !== 1 + (p % n))].slice(0, rf)] as [number, number[]]));
      const proposed = proposeAssignment([{ topic: 't', assignment: current }], brokers(...ids)).get('t') as ReplicaAssignment;
      const leaders = counts(proposed, (r) => [r[0]]);
      for (const id of ids) expect(leaders.get(id) ?? 0).toBeLessThanOrEqual(Math.ceil(numPartitions / n));
    }));
  });

  it('rack-aware plans span min(replicas, racks) racks for any layout', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3 }), (n, rackCount, numPartitions, rf) => {
      fc.pre(rf <= n);
      const rackBrokers = Array.from({ length: n }, (_, i) => ({ id: i + 1, rack: `r${i % rackCount}` }));
      const current = new Map(Array.from({ length: numPartitions }, (_, p) => [p, Array.from({ length: rf }, (_, j) => 1 + ((p + j) % n))] as [number, number[]]));
      const proposed = proposeAssignment([{ topic: 't', assignment: current }], rackBrokers).get('t') as ReplicaAssignment;
      const racks = Math.min(rackCount, n);
      for (const replicas of proposed.values()) {
        expect(new Set(replicas).size).toBe(rf);
        expect(new Set(replicas.map((id) => rackBrokers[id - 1].rack)).size).toBe(Math.min(rf, racks));
      }
    }));
  });

  it('writes Kafka\'s JSON and lists only partitions that change', () => {
    const current = new Map([['t', new Map([[0, [1, 2]], [1, [2, 1]]])]]);
    const plan = toPlan(new Map([['t', new Map([[0, [1, 2]], [1, [3, 1]]])]]));
    expect(plan).toEqual({ version: 1, partitions: [{ topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [3, 1] }] });
    expect(changedPartitions(plan, current)).toEqual([{ topic: 't', partition: 1, replicas: [3, 1] }]);
  });
});

describe('plan files', () => {
  it('reads Kafka\'s reassignment JSON', () => {
    expect(parsePlan('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,1]}]}'))
      .toEqual({ version: 1, partitions: [{ topic: 't', partition: 0, replicas: [2, 1] }] });
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['no partitions list', '{"version":1}', /has no "partitions" list/],
    ['an unknown version', '{"version":2,"partitions":[]}', /version 2/],
    ['no partitions', '{"version":1,"partitions":[]}', /names no partitions/],
    ['an empty replica list', '{"partitions":[{"topic":"t","partition":0,"replicas":[]}]}', /t-0 has an empty replica list/],
    ['duplicate replicas', '{"partitions":[{"topic":"t","partition":0,"replicas":[1,1]}]}', /t-0 lists a broker twice: \[1,1\]/],
    ['a partition twice', '{"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}', /t-0 is listed twice/],
    ['a bad broker id', '{"partitions":[{"topic":"t","partition":0,"replicas":["x"]}]}', /needs "replicas", a list of broker ids/],
    ['a missing topic', '{"partitions":[{"partition":0,"replicas":[1]}]}', /needs a "topic" string/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parsePlan(text)).toThrow(message);
  });
});
