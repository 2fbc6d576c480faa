/**
 * The group coordinator's protocol with time driven by hand (ManualScheduler) and an in-memory
 * __consumer_offsets: the initial rebalance delay, session expiry, the rebalance timeout, the
 * sync barrier, the generation checks on commits, KIP-394's member ids, LeaveGroup's batch, and
 * group deletion and offset expiry surviving a reload.
 */
import { ErrorCode } from '../../../src/common/errors';
import { partitionForGroup } from '../../../src/group/coordinator-partition';
import { GroupCoordinator, type JoinGroupParams } from '../../../src/group/group-coordinator';
import type { JoinResult, SyncResult } from '../../../src/group/group-metadata';
import { GroupMetadataManager, type OffsetsTopicPort } from '../../../src/group/group-metadata-manager';
import { BatchField, assignOffsetsInPlace } from '../../../src/protocol/record-batch';
import { quietLogger } from '../../helpers/log';
import { ManualScheduler } from '../../helpers/manual-scheduler';

const PARTITIONS = 4;
const settings = { groupMinSessionTimeoutMs: 6_000, groupMaxSessionTimeoutMs: 60_000, groupInitialRebalanceDelayMs: 3_000, groupMaxSize: 3 };

/** The batches written, as one log for every partition (a coordinator loads only its groups' records from it). */
class MemoryOffsetsTopic implements OffsetsTopicPort {
  readonly batches: Buffer[] = [];
  appendCode: number = ErrorCode.NONE.code;
  private nextOffset = 0;
  async append(_partition: number, batch: Buffer): Promise<number> {
    if (this.appendCode !== ErrorCode.NONE.code) return this.appendCode;
    assignOffsetsInPlace(batch, 0, this.nextOffset, 0);
    this.nextOffset += batch.readInt32BE(BatchField.lastOffsetDelta) + 1;
    this.batches.push(batch);
    return this.appendCode;
  }
  read(_partition: number, offset: number): Buffer | undefined {
    return offset === 0 ? Buffer.concat(this.batches) : Buffer.alloc(0);
  }
  bounds(): { start: number; end: number } {
    return { start: 0, end: this.nextOffset };
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCoordinator', () => {
  let scheduler: ManualScheduler;
  let log: MemoryOffsetsTopic;
  let coordinator: GroupCoordinator;

  beforeEach(async () => {
    scheduler = new ManualScheduler();
    log = new MemoryOffsetsTopic();
    const manager = new GroupMetadataManager(PARTITIONS, log, quietLogger, () => scheduler.clock.nowMs());
    coordinator = new GroupCoordinator(manager, settings, scheduler, quietLogger, () => scheduler.clock.nowMs());
    await coordinator.onBecomeLeader(partitionForGroup('g', PARTITIONS));
  });

  const params = (memberId = '', clientId = 'c', rebalanceTimeoutMs = 10_000): JoinGroupParams => ({
    groupId: 'g', memberId, clientId, clientHost: '/127.0.0.1', rebalanceTimeoutMs, sessionTimeoutMs: 6_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('t') }], requireKnownMemberId: false,
  });

  /** Starts a join and lets the test look at its answer once there is one. */
  const join = (p: JoinGroupParams): { result: () => JoinResult | undefined } => {
    let result: JoinResult | undefined;
    void coordinator.joinGroup(p).then((r) => { result = r; });
    return { result: () => result };
  };
  const sync = (generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = []): { result: () => SyncResult | undefined } => {
    let result: SyncResult | undefined;
    void coordinator.syncGroup('g', generationId, memberId, assignments).then((r) => { result = r; });
    return { result: () => result };
  };

  /** A and B joined in the initial delay, synced: a Stable generation 1. */
  const stableGroupOfTwo = async (): Promise<{ a: string; b: string }> => {
    const ja = join(params('', 'a'));
    const jb = join(params('', 'b'));
    scheduler.advance(3_000);
    scheduler.advance(3_000);
    await flush();
    const [a, b] = [ja.result()!.memberId, jb.result()!.memberId];
    const sa = sync(1, a, [{ memberId: a, assignment: Buffer.from('A') }, { memberId: b, assignment: Buffer.from('B') }]);
    const sb = sync(1, b);
    await flush();
    expect([sa.result()?.assignment.toString(), sb.result()?.assignment.toString()]).toEqual(['A', 'B']);
    return { a, b };
  };

  it('waits out the initial rebalance delay, extended once more while members keep arriving', async () => {
    const ja = join(params('', 'a'));
    scheduler.advance(2_000);
    const jb = join(params('', 'b'));
    scheduler.advance(1_000);
    await flush();
    expect(ja.result()).toBeUndefined();
    scheduler.advance(3_000);
    await flush();
    expect(ja.result()).toMatchObject({ errorCode: 0, generationId: 1 });
    expect(ja.result()!.leader).toBe(ja.result()!.memberId);
    expect(ja.result()!.members).toHaveLength(2);
    expect(jb.result()).toMatchObject({ errorCode: 0, generationId: 1, members: [] });
  });

  it('answers a member\'s sync only once the leader has handed in the assignment and it is written', async () => {
    const ja = join(params('', 'a'));
    const jb = join(params('', 'b'));
    scheduler.advance(3_000);
    scheduler.advance(3_000);
    await flush();
    const [a, b] = [ja.result()!.memberId, jb.result()!.memberId];
    const sb = sync(1, b);
    await flush();
    expect(sb.result()).toBeUndefined();
    expect((await coordinator.commitOffsets('g', 1, b, [{ topic: 't', partition: 0, offset: 1, metadata: '' }]))[0]).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    sync(1, a, [{ memberId: b, assignment: Buffer.from('B') }]);
    await flush();
    expect(sb.result()).toEqual({ errorCode: 0, assignment: Buffer.from('B') });
    expect(log.batches).toHaveLength(1);
  });

  it('removes a member whose session times out and rebalances the rest', async () => {
    const { a, b } = await stableGroupOfTwo();
    for (let i = 0; i < 2; i++) {
      scheduler.advance(2_500);
      expect(coordinator.heartbeat('g', 1, a)).toBe(ErrorCode.NONE.code);
    }
    scheduler.advance(1_000); // B's 6 s session, from its SyncGroup, ends
    expect(coordinator.heartbeat('g', 1, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    expect(coordinator.heartbeat('g', 1, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID.code);
    const rejoin = join(params(a, 'a'));
    await flush();
    expect(rejoin.result()).toMatchObject({ errorCode: 0, generationId: 2, leader: a });
    expect(rejoin.result()!.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const { a, b } = await stableGroupOfTwo();
    const jc = join(params('', 'c'));
    expect(coordinator.heartbeat('g', 1, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    const ja = join(params(a, 'a'));
    scheduler.advance(5_000);
    expect(coordinator.heartbeat('g', 1, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    scheduler.advance(5_000);
    await flush();
    expect(ja.result()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(jc.result()).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(ja.result()!.members.map((m) => m.memberId).sort()).toEqual([a, jc.result()!.memberId].sort());
    expect(coordinator.heartbeat('g', 2, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID.code);
  });

  it('checks commits against the generation and lets commits without a group in', async () => {
    const { a } = await stableGroupOfTwo();
    const entry = [{ topic: 't', partition: 0, offset: 42, metadata: 'm' }];
    expect(await coordinator.commitOffsets('g', 1, a, entry)).toEqual([0]);
    expect(await coordinator.commitOffsets('g', 0, a, entry)).toEqual([ErrorCode.ILLEGAL_GENERATION.code]);
    expect(await coordinator.commitOffsets('g', 1, 'stranger', entry)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID.code]);
    expect(await coordinator.commitOffsets('g', -1, '', entry)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID.code]);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]).offsets.map((o) => o.offset)).toEqual([42, -1]);

    const other = ['h', 'i', 'j', 'k'].find((id) => partitionForGroup(id, PARTITIONS) === partitionForGroup('g', PARTITIONS))!;
    expect(await coordinator.commitOffsets(other, -1, '', entry)).toEqual([0]);
    expect(await coordinator.commitOffsets(other, 3, 'x', entry)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID.code]);
  });

  it('does not change offsets when the write fails, and maps append errors to coordinator errors', async () => {
    log.appendCode = ErrorCode.NOT_ENOUGH_REPLICAS.code;
    expect(await coordinator.commitOffsets('g', -1, '', [{ topic: 't', partition: 0, offset: 5, metadata: '' }])).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE.code]);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }]).offsets[0].offset).toBe(-1);
  });

  it('refuses groups it does not coordinate, bad session timeouts and inconsistent protocols', async () => {
    const elsewhere = ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => partitionForGroup(id, PARTITIONS) !== partitionForGroup('g', PARTITIONS))!;
    expect((await coordinator.joinGroup({ ...params(), groupId: elsewhere })).errorCode).toBe(ErrorCode.NOT_COORDINATOR.code);
    expect((await coordinator.joinGroup({ ...params(), sessionTimeoutMs: 1_000 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT.code);
    expect((await coordinator.joinGroup({ ...params(), groupId: '' })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID.code);
    join(params('', 'a'));
    expect((await coordinator.joinGroup({ ...params(), protocols: [{ name: 'sticky', metadata: Buffer.alloc(0) }] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL.code);
  });

  it('refuses a member beyond group.max.size', async () => {
    for (const id of ['a', 'b', 'c']) join(params('', id));
    expect((await coordinator.joinGroup(params('', 'd'))).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED.code);
  });

  describe('KIP-394: a join that asks for it gets its member id first', () => {
    const knownIdJoin = (memberId = '', clientId = 'c'): JoinGroupParams => ({ ...params(memberId, clientId), requireKnownMemberId: true });

    it('answers MEMBER_ID_REQUIRED with a new id, then lets the member in with it', async () => {
      const first = await coordinator.joinGroup(knownIdJoin('', 'kcat'));
      expect(first).toMatchObject({ errorCode: ErrorCode.MEMBER_ID_REQUIRED.code, generationId: -1 });
      expect(first.memberId).toMatch(/^kcat-[0-9a-f-]{36}$/);
      expect(coordinator.manager.groups.get('g')?.members.size).toBe(0);
      const again = join(knownIdJoin(first.memberId, 'kcat'));
      scheduler.advance(3_000);
      await flush();
      expect(again.result()).toMatchObject({ errorCode: 0, generationId: 1, memberId: first.memberId, leader: first.memberId });
    });

    it('never asks it of a join that does not ask for it (Kafka\'s JoinGroup before v4, Josef\'s own protocol)', async () => {
      const old = join(params('', 'old'));
      scheduler.advance(3_000);
      await flush();
      expect(old.result()).toMatchObject({ errorCode: 0, generationId: 1 });
    });

    it('holds a rebalance for a pending member, and lets it go once the member\'s session timeout passes without it', async () => {
      const { a, b } = await stableGroupOfTwo();
      const pending = await coordinator.joinGroup(knownIdJoin('', 'c'));
      expect(pending.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED.code);
      const ja = join(params(a, 'a')); // the leader rejoins: a rebalance
      expect(coordinator.heartbeat('g', 1, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
      const jb = join(params(b, 'b'));
      await flush();
      expect(ja.result()).toBeUndefined(); // everyone rejoined, but the pending member may still come
      scheduler.advance(6_000); // its session timeout
      await flush();
      expect(ja.result()).toMatchObject({ errorCode: 0, generationId: 2 });
      expect(jb.result()).toMatchObject({ errorCode: 0, generationId: 2 });
      expect((await coordinator.joinGroup(knownIdJoin(pending.memberId, 'c'))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID.code);
    });

    it('lets a pending member leave, and counts it against group.max.size only once it joins', async () => {
      const pending = await coordinator.joinGroup(knownIdJoin('', 'p'));
      for (const id of ['a', 'b', 'c']) join(params('', id));
      expect((await coordinator.joinGroup(knownIdJoin(pending.memberId, 'p'))).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED.code);
      expect(coordinator.leaveGroup('g', [{ memberId: pending.memberId, groupInstanceId: null }])).toEqual({
        errorCode: 0, members: [{ memberId: pending.memberId, groupInstanceId: null, errorCode: 0 }],
      });
      expect(coordinator.manager.groups.get('g')?.pendingMembers.size).toBe(0);
    });
  });

  it('lets several members leave at once, each with its own answer', async () => {
    const { a, b } = await stableGroupOfTwo();
    const left = coordinator.leaveGroup('g', [
      { memberId: a, groupInstanceId: null }, { memberId: 'stranger', groupInstanceId: null }, { memberId: b, groupInstanceId: 'static-b' },
    ]);
    // A static member is never known here (static-membership.ts): UNKNOWN_MEMBER_ID, as Kafka answers an unknown instance id.
    expect(left).toEqual({ errorCode: 0, members: [
      { memberId: a, groupInstanceId: null, errorCode: 0 },
      { memberId: 'stranger', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID.code },
      { memberId: b, groupInstanceId: 'static-b', errorCode: ErrorCode.UNKNOWN_MEMBER_ID.code },
    ] });
    expect(coordinator.heartbeat('g', 1, b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS.code);
    const elsewhere = ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => partitionForGroup(id, PARTITIONS) !== partitionForGroup('g', PARTITIONS))!;
    expect(coordinator.leaveGroup(elsewhere, [{ memberId: a, groupInstanceId: null }])).toEqual({ errorCode: ErrorCode.NOT_COORDINATOR.code, members: [] });
  });

  it('answers waiting joins NOT_COORDINATOR when it stops leading the partition', async () => {
    const ja = join(params('', 'a'));
    coordinator.onResignLeader(partitionForGroup('g', PARTITIONS));
    await flush();
    expect(ja.result()?.errorCode).toBe(ErrorCode.NOT_COORDINATOR.code);
    expect(coordinator.heartbeat('g', 1, 'x')).toBe(ErrorCode.NOT_COORDINATOR.code);
  });

  describe('DeleteGroups', () => {
    /** A group id other than 'g' that this coordinator also owns. */
    const sibling = ['h', 'i', 'j', 'k', 'l', 'm'].find((id) => partitionForGroup(id, PARTITIONS) === partitionForGroup('g', PARTITIONS))!;
    const commit = (groupId: string, offset: number): Promise<number[]> => coordinator.commitOffsets(groupId, -1, '', [{ topic: 't', partition: 0, offset, metadata: '' }]);

    /** A coordinator started afresh on the same log: what a restart or a failover loads. */
    const reloaded = async (): Promise<GroupCoordinator> => {
      const manager = new GroupMetadataManager(PARTITIONS, log, quietLogger, () => scheduler.clock.nowMs());
      const fresh = new GroupCoordinator(manager, settings, scheduler, quietLogger, () => scheduler.clock.nowMs());
      await fresh.onBecomeLeader(partitionForGroup('g', PARTITIONS));
      return fresh;
    };

    it('deletes an empty group with its offsets: gone from every answer, also after a reload; its sibling stays', async () => {
      expect(await commit('g', 7)).toEqual([0]);
      expect(await commit(sibling, 9)).toEqual([0]);
      expect(await coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
      expect(coordinator.listGroups().groups.map((g) => g.groupId)).toEqual([sibling]);
      expect(coordinator.describeGroup('g')).toEqual({ errorCode: 0, group: undefined });
      expect(coordinator.fetchOffsets('g', undefined).offsets).toEqual([]);
      expect(coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }]).offsets[0].offset).toBe(-1);

      const fresh = await reloaded();
      expect(fresh.listGroups().groups.map((g) => g.groupId)).toEqual([sibling]);
      expect(fresh.fetchOffsets('g', undefined).offsets).toEqual([]);
      expect(fresh.fetchOffsets(sibling, undefined).offsets.map((o) => o.offset)).toEqual([9]);
      // The name is free again: a new commit starts a new group.
      expect(await fresh.commitOffsets('g', -1, '', [{ topic: 't', partition: 1, offset: 3, metadata: '' }])).toEqual([0]);
      expect((await reloaded()).fetchOffsets('g', undefined).offsets.map((o) => [o.partition, o.offset])).toEqual([[1, 3]]);
    });

    it('refuses a group with members, an unknown group, and groups it does not coordinate, per group', async () => {
      await stableGroupOfTwo();
      const elsewhere = ['a', 'b', 'c', 'd', 'e', 'f'].find((id) => partitionForGroup(id, PARTITIONS) !== partitionForGroup('g', PARTITIONS))!;
      expect(await coordinator.deleteGroups(['g', sibling, elsewhere, ''])).toEqual([
        { groupId: 'g', errorCode: ErrorCode.NON_EMPTY_GROUP.code },
        { groupId: sibling, errorCode: ErrorCode.GROUP_ID_NOT_FOUND.code },
        { groupId: elsewhere, errorCode: ErrorCode.NOT_COORDINATOR.code },
        { groupId: '', errorCode: ErrorCode.INVALID_GROUP_ID.code },
      ]);
      expect(coordinator.describeGroup('g').group?.state).toBe('Stable');
    });

    it('fences joins and commits while its tombstones are on their way, and keeps the group when they cannot be written', async () => {
      expect(await commit('g', 7)).toEqual([0]);
      log.appendCode = ErrorCode.NOT_ENOUGH_REPLICAS.code;
      const deleting = coordinator.deleteGroups(['g']);
      expect(coordinator.describeGroup('g').group?.state).toBe('Dead');
      expect(await commit('g', 8)).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE.code]);
      expect((await coordinator.joinGroup(params())).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE.code);
      expect(await deleting).toEqual([{ groupId: 'g', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE.code }]);
      expect(coordinator.describeGroup('g').group?.state).toBe('Empty');
      expect(coordinator.fetchOffsets('g', undefined).offsets.map((o) => o.offset)).toEqual([7]);
      log.appendCode = ErrorCode.NONE.code;
      expect(await coordinator.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }]);
    });

    it('answers COORDINATOR_LOAD_IN_PROGRESS while the partition loads', async () => {
      const manager = new GroupMetadataManager(PARTITIONS, log, quietLogger, () => scheduler.clock.nowMs());
      const loading = new GroupCoordinator(manager, settings, scheduler, quietLogger, () => scheduler.clock.nowMs());
      const loaded = loading.onBecomeLeader(partitionForGroup('g', PARTITIONS));
      expect(await loading.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code }]);
      await loaded;
    });
  });

  describe('offset expiry', () => {
    const retentionMs = 7 * 24 * 60 * 60_000;
    const checkIntervalMs = 600_000;
    const commit = (partition: number, offset: number): Promise<number[]> => coordinator.commitOffsets('g', -1, '', [{ topic: 't', partition, offset, metadata: '' }]);
    const committed = (c: GroupCoordinator): number[][] => c.fetchOffsets('g', undefined).offsets.map((o) => [o.partition, o.offset]);
    const reloaded = async (): Promise<GroupCoordinator> => {
      const fresh = new GroupCoordinator(new GroupMetadataManager(PARTITIONS, log, quietLogger, () => scheduler.clock.nowMs()), settings, scheduler, quietLogger, () => scheduler.clock.nowMs());
      await fresh.onBecomeLeader(partitionForGroup('g', PARTITIONS));
      return fresh;
    };

    it('deletes an empty group with its offsets once it was empty offsets.retention.minutes, by tombstones a reload honours', async () => {
      expect(await commit(0, 7)).toEqual([0]);
      scheduler.clock.advance(retentionMs - 1);
      expect(await commit(1, 8)).toEqual([0]);
      expect(await coordinator.expireOffsets(retentionMs)).toBe(0);
      scheduler.clock.advance(1);
      // Empty since its first commit: the recent commit expires with the old one (Kafka 2.1+).
      expect(await coordinator.expireOffsets(retentionMs)).toBe(2);
      expect(coordinator.describeGroup('g').group).toBeUndefined();
      expect(committed(await reloaded())).toEqual([]);
    });

    it('a group loaded empty expires each offset by its commit time; members keep every offset; the timer runs it', async () => {
      expect(await commit(0, 7)).toEqual([0]);
      scheduler.clock.advance(retentionMs / 2);
      expect(await commit(1, 8)).toEqual([0]);
      const fresh = await reloaded();
      fresh.startOffsetExpiry(retentionMs, checkIntervalMs);
      scheduler.advance(retentionMs / 2);
      await flush();
      expect(committed(fresh)).toEqual([[1, 8]]);
      expect(committed(await reloaded())).toEqual([[1, 8]]);
      fresh.shutdown();
      expect(scheduler.pending).toBe(0);

      const { a } = await stableGroupOfTwo();
      expect(await coordinator.commitOffsets('g', 1, a, [{ topic: 't', partition: 2, offset: 9, metadata: '' }])).toEqual([0]);
      scheduler.clock.advance(2 * retentionMs);
      expect(await coordinator.expireOffsets(retentionMs)).toBe(0);
    });
  });
});
