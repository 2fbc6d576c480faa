import {
  isBeingReassigned, isReassignmentComplete, isrWithinReplicas, isrWithoutRemoved, originReplicas, planReassignment, reassignmentLeader, reassignTo,
  settledAssignment, targetReplicas, unneededReplicas,
} from '../../../src/coordination/controller/reassignment';

describe('reassignment decisions (Kafka\'s ReplicaAssignment)', () => {
  test('RS = TRS + ORS; adding = RS - ORS; removing = RS - TRS', () => {
    const moving = reassignTo(settledAssignment([1, 2, 3]), [2, 3, 4]);
    expect(moving).toEqual({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] });
    expect(originReplicas(moving)).toEqual([2, 3, 1]); // RS's order, as Kafka's replicas.diff(addingReplicas)
    expect(targetReplicas(moving)).toEqual([2, 3, 4]);
    expect(isBeingReassigned(moving)).toBe(true);
  });

  test('a new target replaces the old one, counted from the origin; the replicas only the old one added are unneeded', () => {
    const first = reassignTo(settledAssignment([1, 2, 3]), [2, 3, 4]);
    const second = reassignTo(first, [3, 5, 1]);
    expect(second).toEqual({ replicas: [3, 5, 1, 2], addingReplicas: [5], removingReplicas: [2] });
    expect(unneededReplicas(first, second)).toEqual([4]);
  });

  test('going back to the origin cancels: nothing added or removed', () => {
    const moving = reassignTo(settledAssignment([1, 2, 3]), [2, 3, 4]);
    const cancelled = reassignTo(moving, [1, 2, 3]);
    expect(isBeingReassigned(cancelled)).toBe(false);
    expect(unneededReplicas(moving, cancelled)).toEqual([4]);
  });

  test('complete once every target replica is in the ISR', () => {
    const moving = reassignTo(settledAssignment([1, 2, 3]), [2, 3, 4]);
    expect(isReassignmentComplete(moving, [1, 2, 3])).toBe(false);
    expect(isReassignmentComplete(moving, [1, 2, 3, 4])).toBe(true);
    expect(isReassignmentComplete(settledAssignment([1, 2]), [1])).toBe(true);
  });

  test('entries dropped: unknown partition, topic being deleted, target equal to the current assignment', () => {
    expect(planReassignment(undefined, [1], false)).toEqual({ skipped: 'unknown topic or partition' });
    expect(planReassignment(settledAssignment([1, 2]), [2, 3], true)).toEqual({ skipped: 'topic is being deleted' });
    expect(planReassignment(settledAssignment([1, 2]), [1, 2], false)).toEqual({ skipped: 'target equals the current assignment' });
    // Another order is a change: the preferred leader moves.
    expect(planReassignment(settledAssignment([1, 2]), [2, 1], false)).toEqual({ next: settledAssignment([2, 1]) });
    expect(planReassignment(settledAssignment([1, 2]), [2, 3], false)).toEqual({ next: { replicas: [2, 3, 1], addingReplicas: [3], removingReplicas: [1] } });
  });

  describe('leader at the end (reassignPartitionLeaderElection)', () => {
    const moving = reassignTo(settledAssignment([1, 2, 3]), [4, 3, 2]);
    const live = new Set([1, 2, 3, 4]);

    test('a live leader in the target keeps leading', () => {
      expect(reassignmentLeader(moving, { leader: 3, isr: [1, 2, 3, 4] }, live)).toEqual({ keep: 3 });
    });

    test('a leader outside the target gives way to the first target replica alive and in the ISR', () => {
      expect(reassignmentLeader(moving, { leader: 1, isr: [1, 2, 3, 4] }, live)).toEqual({ elect: 4 });
      expect(reassignmentLeader(moving, { leader: 1, isr: [1, 2, 3, 4] }, new Set([1, 2, 3]))).toEqual({ elect: 3 });
    });

    test('a dead leader in the target is replaced too; no candidate: wait', () => {
      expect(reassignmentLeader(moving, { leader: 3, isr: [2, 3, 4] }, new Set([2, 4]))).toEqual({ elect: 4 });
      expect(reassignmentLeader(moving, { leader: 1, isr: [1] }, live)).toHaveProperty('wait');
    });
  });

  test('removed replicas leave the ISR, which never empties', () => {
    expect(isrWithoutRemoved([1, 2, 3, 4], [1])).toEqual([2, 3, 4]);
    expect(isrWithoutRemoved([1], [1])).toEqual([1]);
    expect(isrWithoutRemoved([2, 1], [2, 1])).toEqual([1]);
  });

  test('a controller\'s ISR keeps only replicas and its leader, and never empties', () => {
    expect(isrWithinReplicas({ leader: 2, isr: [2, 3, 1] }, [3, 2])).toEqual([2, 3]);
    expect(isrWithinReplicas({ leader: 4, isr: [4, 1] }, [1, 2])).toEqual([4, 1]);
    expect(isrWithinReplicas({ leader: -1, isr: [2, 1] }, [3])).toEqual([1]);
    expect(isrWithinReplicas({ leader: 1, isr: [1, 2] }, [1, 2])).toEqual([1, 2]);
    expect(isrWithinReplicas({ leader: 1, isr: [1, 2] }, [])).toEqual([1, 2]);
  });
});
