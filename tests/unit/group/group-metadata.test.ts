import { ErrorCode } from '../../../src/common/errors';
import { GroupMetadata, MemberMetadata, expiredOffsets, groupDeletionError } from '../../../src/group/group-metadata';

const protocols = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
const member = (id: string, ...names: string[]) => new MemberMetadata(id, 'client', '/127.0.0.1', 1000, 6000, protocols(...names));
const joined = (m: MemberMetadata): MemberMetadata => Object.assign(m, { awaitingJoin: () => undefined });

describe('GroupMetadata state machine', () => {
  it('walks Empty -> PreparingRebalance -> CompletingRebalance -> Stable, raising the generation', () => {
    const group = new GroupMetadata('g');
    group.add(joined(member('a', 'range')), 'consumer');
    group.transitionTo('PreparingRebalance');
    group.initNextGeneration();
    expect(group.state).toBe('CompletingRebalance');
    expect(group.generationId).toBe(1);
    expect(group.protocolName).toBe('range');
    group.transitionTo('Stable');
    expect(group.canRebalance).toBe(true);
  });

  it('refuses transitions Kafka does not allow', () => {
    const group = new GroupMetadata('g');
    expect(() => group.transitionTo('Stable')).toThrow(/Empty -> Stable/);
    expect(() => group.transitionTo('CompletingRebalance')).toThrow();
    group.transitionTo('Dead');
    expect(() => group.transitionTo('PreparingRebalance')).toThrow();
  });

  it('goes back to Empty with a new generation when every member left', () => {
    const group = new GroupMetadata('g');
    group.add(member('a', 'range'), 'consumer');
    group.transitionTo('PreparingRebalance');
    group.remove('a');
    group.initNextGeneration();
    expect(group.state).toBe('Empty');
    expect(group.generationId).toBe(1);
    expect(group.leaderId).toBeNull();
  });

  it('makes the first member leader and hands leadership over when it leaves', () => {
    const group = new GroupMetadata('g');
    group.add(member('a', 'range'), 'consumer');
    group.add(joined(member('b', 'range')), 'consumer');
    expect(group.isLeader('a')).toBe(true);
    group.remove('a');
    expect(group.isLeader('b')).toBe(true);
  });

  it('selects the protocol most members prefer among those all support', () => {
    const group = new GroupMetadata('g');
    group.add(member('a', 'roundrobin', 'range'), 'consumer');
    group.add(member('b', 'range', 'roundrobin'), 'consumer');
    group.add(member('c', 'range', 'roundrobin', 'sticky'), 'consumer');
    expect(group.selectProtocol()).toBe('range');
    expect(group.supportsProtocols('consumer', protocols('sticky'))).toBe(false);
    expect(group.supportsProtocols('connect', protocols('range'))).toBe(false);
    expect(group.supportsProtocols('consumer', protocols('roundrobin'))).toBe(true);
  });

  it('tells which members have not rejoined and the group rebalance timeout', () => {
    const group = new GroupMetadata('g');
    group.add(joined(member('a', 'range')), 'consumer');
    const b = member('b', 'range');
    b.rebalanceTimeoutMs = 5000;
    group.add(b, 'consumer');
    expect(group.notYetRejoined().map((m) => m.memberId)).toEqual(['b']);
    expect(group.rebalanceTimeoutMs()).toBe(5000);
  });

  it('round-trips through its __consumer_offsets value as a Stable group', () => {
    const group = new GroupMetadata('g');
    group.add(joined(member('a', 'range')), 'consumer');
    group.transitionTo('PreparingRebalance');
    group.initNextGeneration();
    group.member('a').assignment = Buffer.from('assigned');
    const loaded = GroupMetadata.fromValue('g', group.toValue());
    expect(loaded.state).toBe('Stable');
    expect(loaded.generationId).toBe(1);
    expect(loaded.leaderId).toBe('a');
    expect(loaded.member('a').assignment.toString()).toBe('assigned');
  });
});

describe('which groups DeleteGroups may delete', () => {
  it('only a group without members: Empty (also one with only committed offsets); none or Dead is not found', () => {
    const empty = new GroupMetadata('empty');
    const offsetsOnly = new GroupMetadata('offsets-only');
    offsetsOnly.offsets.set('t/0', { topic: 't', partition: 0, offset: 3, metadata: '', commitTimestampMs: 1 });
    const preparing = new GroupMetadata('preparing');
    preparing.add(member('a', 'range'), 'consumer');
    preparing.transitionTo('PreparingRebalance');
    const stable = GroupMetadata.fromValue('stable', { ...preparing.toValue(), protocol: 'range' });
    const dead = new GroupMetadata('dead');
    dead.transitionTo('Dead');
    const cases: [GroupMetadata | undefined, number][] = [
      [empty, ErrorCode.NONE.code],
      [offsetsOnly, ErrorCode.NONE.code],
      [preparing, ErrorCode.NON_EMPTY_GROUP.code],
      [stable, ErrorCode.NON_EMPTY_GROUP.code],
      [dead, ErrorCode.GROUP_ID_NOT_FOUND.code],
      [undefined, ErrorCode.GROUP_ID_NOT_FOUND.code],
    ];
    expect(cases.map(([group]) => [group?.groupId, groupDeletionError(group)])).toEqual(cases.map(([group, code]) => [group?.groupId, code]));
  });

  it('a Dead group whose tombstones were not written is Empty again, and only such a group', () => {
    const group = new GroupMetadata('g');
    group.transitionTo('Dead');
    group.restoreAfterFailedDeletion();
    expect(group.state).toBe('Empty');
    expect(() => group.restoreAfterFailedDeletion()).toThrow(/restoring a Empty group/);
  });
});

describe('which offsets expire (Kafka 2.1+, offsets.retention.minutes)', () => {
  const retentionMs = 1_000;
  /** A group with offsets committed at 100 (t/0) and 900 (t/1). */
  const groupWith = (build: (group: GroupMetadata) => void): GroupMetadata => {
    const group = new GroupMetadata('g');
    group.offsets.set('t/0', { topic: 't', partition: 0, offset: 3, metadata: '', commitTimestampMs: 100 });
    group.offsets.set('t/1', { topic: 't', partition: 1, offset: 4, metadata: '', commitTimestampMs: 900 });
    build(group);
    return group;
  };
  const withMember = groupWith((g) => {
    g.add(member('a', 'range'), 'consumer');
    g.transitionTo('PreparingRebalance');
  });
  it.each([
    ['empty since 500, at 1499: none yet', groupWith((g) => { g.emptySinceMs = 500; }), 1_499, []],
    ['empty since 500, at 1500: all, however recent their commit', groupWith((g) => { g.emptySinceMs = 500; }), 1_500, [0, 1]],
    ['loaded empty (since unknown), at 1100: those committed a retention ago', groupWith(() => undefined), 1_100, [0]],
    ['loaded empty (since unknown), at 1900: all', groupWith(() => undefined), 1_900, [0, 1]],
    ['with a member, long after: none', withMember, 1_000_000, []],
  ])('%s', (_what, group, nowMs, expired) => {
    expect(expiredOffsets(group, nowMs, retentionMs)).toEqual(expired.map((partition) => ({ topic: 't', partition })));
  });
});
