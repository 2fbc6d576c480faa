/**
 * The group coordinator (Kafka's GroupCoordinator): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch and DeleteGroups for the groups whose __consumer_offsets partition
 * this broker leads. It drives each GroupMetadata through its states, completes a rebalance once every
 * member rejoined (or the rebalance timeout passed, dropping the rest), expires members whose
 * session timed out, and expires the offsets of groups empty for offsets.retention.minutes. Time
 * comes from the injected Scheduler; storage from the manager.
 */
import { randomUUID } from 'crypto';
import { ErrorCode } from '../common/errors';
import type { BrokerConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { Scheduler } from '../common/scheduler';
import type { LeaveGroupMemberResponse, LeavingMember } from '../protocol/messages';
import { GroupMetadata, MemberMetadata, expiredOffsets, groupDeletionError, type GroupProtocol, type JoinResult, type SyncResult } from './group-metadata';
import { type CommittedOffset, type GroupMetadataManager } from './group-metadata-manager';
import { partitionKey } from '../common/topic';

/** The broker's group.* settings (src/common/config.ts holds their keys and Kafka's defaults). */
export type GroupCoordinatorSettings = Pick<BrokerConfig,
  'groupMinSessionTimeoutMs' | 'groupMaxSessionTimeoutMs' | 'groupInitialRebalanceDelayMs' | 'groupMaxSize'>;

/** Kafka's offset.metadata.max.bytes. */
export const OFFSET_METADATA_MAX_BYTES = 4096;

export interface JoinGroupParams {
  groupId: string;
  memberId: string;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  /** KIP-394 (Kafka's JoinGroup v4+): a first join gets its member id with MEMBER_ID_REQUIRED and joins again with it. */
  requireKnownMemberId: boolean;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
}

/** Timers of one group: the pending rebalance and each member's session. */
interface GroupTimers {
  rebalance?: () => void;
  /** The rebalance of a group that was Empty: it waits out the initial delay instead of completing early. */
  initialDelay?: boolean;
  sessions: Map<string, () => void>;
}

const NONE = ErrorCode.NONE.code;

export class GroupCoordinator {
  private readonly timers = new Map<string, GroupTimers>();
  private cancelOffsetExpiry: (() => void) | undefined;

  constructor(
    readonly manager: GroupMetadataManager,
    private readonly settings: GroupCoordinatorSettings,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger,
    private readonly nowMs: () => number,
  ) {}

  /** NONE, or why this broker cannot answer for the group now. */
  groupError(groupId: string): number {
    if (typeof groupId !== 'string' || groupId === '') return ErrorCode.INVALID_GROUP_ID.code;
    if (!this.manager.isCoordinatorFor(groupId)) return ErrorCode.NOT_COORDINATOR.code;
    if (this.manager.isLoading(groupId)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code;
    return NONE;
  }

  // ---- leadership of __consumer_offsets partitions

  onBecomeLeader(partition: number): Promise<void> {
    return this.manager.loadPartition(partition, (group) => {
      for (const member of group.members.values()) this.scheduleSessionExpiry(group, member);
    });
  }

  onResignLeader(partition: number): void {
    this.manager.removePartition(partition, (group) => {
      for (const member of group.members.values()) {
        member.awaitingJoin?.(joinError(member.memberId, ErrorCode.NOT_COORDINATOR.code));
        member.awaitingSync?.({ errorCode: ErrorCode.NOT_COORDINATOR.code, assignment: Buffer.alloc(0) });
      }
      this.cancelTimers(group.groupId);
    });
  }

  // ---- JoinGroup

  joinGroup(params: JoinGroupParams): Promise<JoinResult> {
    return new Promise((respond) => {
      const error = this.groupError(params.groupId);
      if (error !== NONE) return respond(joinError(params.memberId, error));
      const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = this.settings;
      if (!(params.sessionTimeoutMs >= min && params.sessionTimeoutMs <= max)) {
        return respond(joinError(params.memberId, ErrorCode.INVALID_SESSION_TIMEOUT.code));
      }
      let group = this.manager.groups.get(params.groupId);
      if (!group) {
        if (params.memberId !== '') return respond(joinError(params.memberId, ErrorCode.UNKNOWN_MEMBER_ID.code));
        group = new GroupMetadata(params.groupId);
        this.manager.groups.set(params.groupId, group);
      }
      this.doJoinGroup(group, params, respond);
    });
  }

  private doJoinGroup(group: GroupMetadata, params: JoinGroupParams, respond: (r: JoinResult) => void): void {
    const { memberId } = params;
    const joinsAsNew = memberId === '' || group.pendingMembers.has(memberId);
    // Kafka checks Dead first: a group being deleted has no protocol to compare with, and the member should retry.
    if (group.is('Dead')) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE.code));
    if (!group.supportsProtocols(params.protocolType, params.protocols)) return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL.code));
    if (!joinsAsNew && !group.has(memberId)) return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID.code));
    if (joinsAsNew) {
      if (group.members.size >= this.settings.groupMaxSize) return respond(joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED.code));
      if (memberId === '' && params.requireKnownMemberId) this.addPendingMember(group, params, respond);
      else this.addMemberAndRebalance(group, params, memberId === '' ? newMemberId(params.clientId) : memberId, respond);
    } else {
      const member = group.member(memberId);
      const unchanged = member.matches(params.protocols);
      const answerNow = (group.is('CompletingRebalance') && unchanged) || ((group.is('Stable') || group.is('Empty')) && unchanged && !group.isLeader(memberId));
      if (answerNow) {
        // Kafka: a member that rejoins with nothing new gets the current generation again.
        respond(this.joinResult(group, member));
        this.scheduleSessionExpiry(group, member);
      } else {
        member.protocols = params.protocols;
        member.rebalanceTimeoutMs = params.rebalanceTimeoutMs;
        member.sessionTimeoutMs = params.sessionTimeoutMs;
        member.awaitingJoin = respond;
        this.maybePrepareRebalance(group, `member ${memberId} rejoined`);
      }
    }
    this.tryCompleteJoin(group);
  }

  /**
   * Kafka's doUnknownJoinGroup under KIP-394: the member gets its id in a MEMBER_ID_REQUIRED answer
   * and is pending until it joins with that id; one that does not within its session timeout is
   * forgotten. The group does not rebalance for it until it joins.
   */
  private addPendingMember(group: GroupMetadata, params: JoinGroupParams, respond: (r: JoinResult) => void): void {
    const memberId = newMemberId(params.clientId);
    group.pendingMembers.add(memberId);
    const sessions = this.timersOf(group.groupId).sessions;
    sessions.set(memberId, this.scheduler.schedule(params.sessionTimeoutMs, () => {
      if (!group.pendingMembers.has(memberId)) return;
      this.logger.info(`group ${group.groupId}: pending member ${memberId} did not join within ${params.sessionTimeoutMs} ms (session timeout): forgotten`);
      this.removePendingMember(group, memberId);
    }));
    respond(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED.code));
  }

  /** Kafka's removePendingMemberAndUpdateGroup: a rebalance that waited for the pending member may now complete. */
  private removePendingMember(group: GroupMetadata, memberId: string): void {
    group.pendingMembers.delete(memberId);
    const sessions = this.timers.get(group.groupId)?.sessions;
    sessions?.get(memberId)?.();
    sessions?.delete(memberId);
    this.tryCompleteJoin(group);
  }

  private addMemberAndRebalance(group: GroupMetadata, params: JoinGroupParams, memberId: string, respond: (r: JoinResult) => void): void {
    group.pendingMembers.delete(memberId);
    const member = new MemberMetadata(memberId, params.clientId, params.clientHost, params.rebalanceTimeoutMs, params.sessionTimeoutMs, params.protocols);
    member.awaitingJoin = respond;
    member.isNew = group.is('PreparingRebalance') && group.generationId === 0;
    group.add(member, params.protocolType);
    this.scheduleSessionExpiry(group, member);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  private maybePrepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  /** Kafka's prepareRebalance: an empty group waits the initial delay (extended while members keep coming), others the rebalance timeout. */
  private prepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS.code);
    const initial = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    this.logger.info(`group ${group.groupId}: preparing to rebalance in generation ${group.generationId} (${reason})`);
    const timers = this.timersOf(group.groupId);
    timers.rebalance?.();
    timers.initialDelay = initial;
    if (!initial) {
      timers.rebalance = this.scheduler.schedule(group.rebalanceTimeoutMs(), () => this.completeJoin(group));
      return;
    }
    const delayMs = this.settings.groupInitialRebalanceDelayMs;
    let remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
    const expire = (): void => {
      const newcomers = [...group.members.values()].filter((m) => m.isNew);
      if (newcomers.length > 0 && remainingMs > 0) {
        for (const m of newcomers) m.isNew = false;
        const nextMs = Math.min(delayMs, remainingMs);
        remainingMs -= nextMs;
        timers.rebalance = this.scheduler.schedule(nextMs, expire);
      } else {
        this.completeJoin(group);
      }
    };
    timers.rebalance = this.scheduler.schedule(delayMs, expire);
  }

  /** A non-initial rebalance completes as soon as every member has rejoined. */
  private tryCompleteJoin(group: GroupMetadata): void {
    if (!group.is('PreparingRebalance') || this.timers.get(group.groupId)?.initialDelay) return;
    if (group.allMembersJoined()) this.completeJoin(group);
  }

  /** Kafka's onCompleteJoin: members that did not rejoin are dropped; a new generation starts. */
  private completeJoin(group: GroupMetadata): void {
    if (!group.is('PreparingRebalance')) return;
    const timers = this.timersOf(group.groupId);
    timers.rebalance?.();
    timers.rebalance = undefined;
    timers.initialDelay = false;
    for (const member of group.notYetRejoined()) {
      this.logger.info(`group ${group.groupId}: member ${member.memberId} did not rejoin in time: removed`);
      this.removeMember(group, member.memberId);
    }
    group.initNextGeneration();
    if (group.is('Empty')) {
      group.emptySinceMs = this.nowMs();
      this.logger.info(`group ${group.groupId}: generation ${group.generationId} is empty`);
      void this.manager.storeGroup(group).then((code) => {
        if (code !== NONE) this.logger.warn(`group ${group.groupId}: writing empty generation ${group.generationId} failed with code ${code}`);
      });
      return;
    }
    this.logger.info(`group ${group.groupId}: generation ${group.generationId} with ${group.members.size} member(s), protocol ${group.protocolName}, leader ${group.leaderId}`);
    for (const member of group.members.values()) {
      const respond = member.awaitingJoin;
      member.awaitingJoin = undefined;
      respond?.(this.joinResult(group, member));
      this.scheduleSessionExpiry(group, member);
    }
  }

  private joinResult(group: GroupMetadata, member: MemberMetadata): JoinResult {
    return {
      errorCode: NONE,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: group.isLeader(member.memberId) ? group.currentMemberMetadata() : [],
    };
  }

  // ---- SyncGroup

  syncGroup(groupId: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[]): Promise<SyncResult> {
    return new Promise((respond) => {
      const fail = (code: number): void => respond({ errorCode: code, assignment: Buffer.alloc(0) });
      const error = this.groupError(groupId);
      if (error !== NONE) return fail(error);
      const group = this.manager.groups.get(groupId);
      if (!group || !group.has(memberId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID.code);
      if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION.code);
      if (group.is('Empty') || group.is('Dead')) return fail(ErrorCode.UNKNOWN_MEMBER_ID.code);
      if (group.is('PreparingRebalance')) return fail(ErrorCode.REBALANCE_IN_PROGRESS.code);
      const member = group.member(memberId);
      this.scheduleSessionExpiry(group, member);
      if (group.is('Stable')) return respond({ errorCode: NONE, assignment: member.assignment });
      member.awaitingSync = respond;
      if (group.isLeader(memberId)) this.storeAssignment(group, assignments);
    });
  }

  /** The leader's assignment is written to the log first; only then do members get it and the group turn Stable. */
  private storeAssignment(group: GroupMetadata, assignments: { memberId: string; assignment: Buffer }[]): void {
    const byMember = new Map(assignments.filter((a) => group.has(a.memberId)).map((a) => [a.memberId, a.assignment]));
    for (const member of group.members.values()) member.assignment = byMember.get(member.memberId) ?? Buffer.alloc(0);
    const generationId = group.generationId;
    void this.manager.storeGroup(group).then((code) => {
      if (!group.is('CompletingRebalance') || group.generationId !== generationId) return;
      if (code !== NONE) {
        this.resetAndPropagateAssignmentError(group, code);
        this.maybePrepareRebalance(group, `writing the assignment failed with code ${code}`);
        return;
      }
      for (const member of group.members.values()) {
        const respond = member.awaitingSync;
        member.awaitingSync = undefined;
        respond?.({ errorCode: NONE, assignment: member.assignment });
      }
      group.transitionTo('Stable');
      this.logger.info(`group ${group.groupId}: stable in generation ${generationId}`);
    });
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, errorCode: number): void {
    for (const member of group.members.values()) {
      member.assignment = Buffer.alloc(0);
      const respond = member.awaitingSync;
      member.awaitingSync = undefined;
      respond?.({ errorCode, assignment: Buffer.alloc(0) });
    }
  }

  // ---- Heartbeat and LeaveGroup

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const error = this.groupError(groupId);
    if (error !== NONE) return error;
    const group = this.manager.groups.get(groupId);
    if (!group || !group.has(memberId) || group.is('Empty') || group.is('Dead')) return ErrorCode.UNKNOWN_MEMBER_ID.code;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION.code;
    this.scheduleSessionExpiry(group, group.member(memberId));
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS.code : NONE;
  }

  /** Kafka's handleLeaveGroup: each member leaves on its own and gets its own answer; `errorCode` is the group's. */
  leaveGroup(groupId: string, members: readonly LeavingMember[]): { errorCode: number; members: LeaveGroupMemberResponse[] } {
    const error = this.groupError(groupId);
    if (error !== NONE) return { errorCode: error, members: [] };
    const group = this.manager.groups.get(groupId);
    if (group?.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE.code, members: [] };
    return { errorCode: NONE, members: members.map((m) => ({ ...m, errorCode: group ? this.leave(group, m) : ErrorCode.UNKNOWN_MEMBER_ID.code })) };
  }

  private leave(group: GroupMetadata, { memberId, groupInstanceId }: LeavingMember): number {
    // No static member ever joins (src/server/handlers/static-membership.ts), so Kafka's lookup by
    // group.instance.id finds none: UNKNOWN_MEMBER_ID, as Kafka answers for an instance id it does not know.
    if (groupInstanceId !== null) return ErrorCode.UNKNOWN_MEMBER_ID.code;
    if (group.pendingMembers.has(memberId)) {
      this.logger.info(`group ${group.groupId}: pending member ${memberId} left`);
      this.removePendingMember(group, memberId);
      return NONE;
    }
    if (!group.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID.code;
    this.logger.info(`group ${group.groupId}: member ${memberId} left`);
    this.removeMemberAndUpdateGroup(group, memberId);
    return NONE;
  }

  private removeMemberAndUpdateGroup(group: GroupMetadata, memberId: string): void {
    const member = group.member(memberId);
    member.awaitingJoin?.(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID.code));
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID.code, assignment: Buffer.alloc(0) });
    this.removeMember(group, memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group, `member ${memberId} left`);
    else if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private removeMember(group: GroupMetadata, memberId: string): void {
    group.remove(memberId);
    const timers = this.timers.get(group.groupId);
    timers?.sessions.get(memberId)?.();
    timers?.sessions.delete(memberId);
  }

  /** A member that sends nothing for its session timeout is removed; one waiting in JoinGroup or SyncGroup is alive. */
  private scheduleSessionExpiry(group: GroupMetadata, member: MemberMetadata): void {
    const sessions = this.timersOf(group.groupId).sessions;
    sessions.get(member.memberId)?.();
    sessions.set(member.memberId, this.scheduler.schedule(member.sessionTimeoutMs, () => {
      if (this.manager.groups.get(group.groupId) !== group || !group.has(member.memberId)) return;
      if (member.awaitingJoin || member.awaitingSync) return this.scheduleSessionExpiry(group, member);
      this.logger.info(`group ${group.groupId}: member ${member.memberId} sent no heartbeat for ${member.sessionTimeoutMs} ms (session timeout): removed`);
      this.removeMemberAndUpdateGroup(group, member.memberId);
    }));
  }

  private timersOf(groupId: string): GroupTimers {
    let timers = this.timers.get(groupId);
    if (!timers) {
      timers = { sessions: new Map() };
      this.timers.set(groupId, timers);
    }
    return timers;
  }

  private cancelTimers(groupId: string): void {
    const timers = this.timers.get(groupId);
    if (!timers) return;
    timers.rebalance?.();
    for (const cancel of timers.sessions.values()) cancel();
    this.timers.delete(groupId);
  }

  shutdown(): void {
    for (const groupId of [...this.timers.keys()]) this.cancelTimers(groupId);
    this.cancelOffsetExpiry?.();
    this.cancelOffsetExpiry = undefined;
  }

  // ---- OffsetCommit and OffsetFetch

  /** Kafka's handleCommitOffsets: members commit in their generation; generation -1 commits come from outside group management. */
  async commitOffsets(groupId: string, generationId: number, memberId: string, entries: OffsetCommitEntry[]): Promise<number[]> {
    const all = (code: number): number[] => entries.map(() => code);
    const error = this.groupError(groupId);
    if (error !== NONE) return all(error);
    let group = this.manager.groups.get(groupId);
    if (!group) {
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION.code);
      group = new GroupMetadata(groupId);
      group.emptySinceMs = this.nowMs();
      this.manager.groups.set(groupId, group);
    }
    if (group.is('Dead')) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE.code);
    if (!(generationId < 0 && group.is('Empty'))) {
      if (group.is('CompletingRebalance')) return all(ErrorCode.REBALANCE_IN_PROGRESS.code);
      if (!group.has(memberId)) return all(ErrorCode.UNKNOWN_MEMBER_ID.code);
      if (generationId !== group.generationId) return all(ErrorCode.ILLEGAL_GENERATION.code);
      this.scheduleSessionExpiry(group, group.member(memberId));
    }
    const nowMs = this.nowMs();
    const tooLarge = (e: OffsetCommitEntry): boolean => Buffer.byteLength(e.metadata ?? '', 'utf8') > OFFSET_METADATA_MAX_BYTES;
    const commits: CommittedOffset[] = entries.filter((e) => !tooLarge(e))
      .map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset, metadata: e.metadata ?? '', commitTimestampMs: nowMs }));
    const code = await this.manager.storeOffsets(group, commits);
    return entries.map((e) => (tooLarge(e) ? ErrorCode.OFFSET_METADATA_TOO_LARGE.code : code));
  }

  /** Committed offsets (-1 where none); `partitions` undefined: all the group has. */
  fetchOffsets(groupId: string, partitions: { topic: string; partition: number }[] | undefined): { errorCode: number; offsets: CommittedOffset[] } {
    const error = this.groupError(groupId);
    if (error !== NONE) return { errorCode: error, offsets: [] };
    const group = this.manager.groups.get(groupId);
    if (partitions === undefined) return { errorCode: NONE, offsets: [...(group?.offsets.values() ?? [])] };
    const missing = (tp: { topic: string; partition: number }): CommittedOffset => ({ ...tp, offset: -1, metadata: '', commitTimestampMs: -1 });
    return { errorCode: NONE, offsets: partitions.map((tp) => group?.offsets.get(partitionKey(tp.topic, tp.partition)) ?? missing(tp)) };
  }

  // ---- DeleteGroups

  /**
   * Kafka's handleDeleteGroups: each group without members turns Dead at once (a JoinGroup or
   * OffsetCommit meanwhile answers COORDINATOR_NOT_AVAILABLE, and retries) and is gone once the
   * tombstones of its metadata and offsets are written; if they cannot be, it is as it was.
   */
  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(groupIds.map(async (groupId) => ({ groupId, errorCode: await this.deleteGroup(groupId) })));
  }

  private async deleteGroup(groupId: string): Promise<number> {
    const error = this.groupError(groupId);
    if (error !== NONE) return error;
    const group = this.manager.groups.get(groupId);
    const refused = groupDeletionError(group);
    if (refused !== NONE || group === undefined) return refused;
    return this.removeGroup(group, 'deleted');
  }

  /** Turns an Empty group Dead and deletes it with its offsets (tombstones); if they cannot be written, it is as it was. */
  private async removeGroup(group: GroupMetadata, why: string): Promise<number> {
    group.transitionTo('Dead');
    const code = await this.manager.deleteGroup(group);
    if (code !== NONE) {
      group.restoreAfterFailedDeletion();
      this.logger.warn(`group ${group.groupId}: not ${why}: writing its tombstones failed with code ${code}`);
      return code;
    }
    this.cancelTimers(group.groupId);
    this.logger.info(`group ${group.groupId}: ${why} with its ${group.offsets.size} committed offset(s)`);
    return NONE;
  }

  // ---- offset expiry

  /** Kafka's offsets-cleanup task: every `checkIntervalMs` (offsets.retention.check.interval.ms), expireOffsets. */
  startOffsetExpiry(retentionMs: number, checkIntervalMs: number): void {
    this.cancelOffsetExpiry = this.scheduler.schedule(checkIntervalMs, () => {
      // A pass that ends after shutdown() schedules no other.
      void this.expireOffsets(retentionMs).finally(() => {
        if (this.cancelOffsetExpiry !== undefined) this.startOffsetExpiry(retentionMs, checkIntervalMs);
      });
    });
  }

  /**
   * Kafka's cleanupGroupMetadata: the expired offsets of every group this broker coordinates
   * (expiredOffsets) get tombstones, so __consumer_offsets forgets them once cleaned; a group
   * whose every offset expired is deleted, its metadata tombstoned too (Kafka turns it Dead).
   * Resolves with the number of offsets expired.
   */
  async expireOffsets(retentionMs: number): Promise<number> {
    let expired = 0;
    for (const group of [...this.manager.groups.values()]) {
      if (this.groupError(group.groupId) !== NONE) continue;
      const keys = expiredOffsets(group, this.nowMs(), retentionMs);
      if (keys.length === 0) continue;
      if (keys.length === group.offsets.size) {
        if (await this.removeGroup(group, 'expired') === NONE) expired += keys.length;
        continue;
      }
      const code = await this.manager.deleteOffsets(group, keys);
      if (code === NONE) expired += keys.length;
      else this.logger.warn(`group ${group.groupId}: ${keys.length} expired offset(s) kept: writing their tombstones failed with code ${code}`);
    }
    return expired;
  }

  // ---- DescribeGroups and ListGroups

  describeGroup(groupId: string): { errorCode: number; group: GroupMetadata | undefined } {
    const error = this.groupError(groupId);
    return { errorCode: error, group: error === NONE ? this.manager.groups.get(groupId) : undefined };
  }

  listGroups(): { errorCode: number; groups: GroupMetadata[] } {
    const loading = this.manager.ownedPartitions().some((p) => this.manager.isLoadingPartition(p));
    return { errorCode: loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code : NONE, groups: [...this.manager.groups.values()] };
  }
}

/** Kafka's member ids: the client id, a dash and a random UUID. */
function newMemberId(clientId: string): string {
  return `${clientId}-${randomUUID()}`;
}

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, generationId: -1, protocolName: null, leader: '', memberId, members: [] };
}
