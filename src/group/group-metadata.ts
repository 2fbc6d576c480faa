/**
 * One consumer group's state (Kafka's GroupMetadata and MemberMetadata): members, generation,
 * leader, chosen protocol, committed offsets, and the state machine Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable (-> Dead). Synchronous and free of I/O and timers: the group
 * coordinator drives it. Invariant: a transition is only taken from the states Kafka allows,
 * and a group with members always has a leader among them.
 */
import { assert } from '../common/assert';
import { ErrorCode } from '../common/errors';
import type { GroupMetadataValue, OffsetCommitValue } from './offsets-records';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Kafka's GroupMetadata.validPreviousStates. */
const validPreviousStates: Record<GroupState, readonly GroupState[]> = {
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  Empty: ['PreparingRebalance'],
};

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

export class MemberMetadata {
  assignment: Buffer = Buffer.alloc(0);
  /** The member's JoinGroup waiting for the rebalance to complete. */
  awaitingJoin: ((result: JoinResult) => void) | undefined;
  /** The member's SyncGroup waiting for the leader's assignment. */
  awaitingSync: ((result: SyncResult) => void) | undefined;
  /** Joined during the initial rebalance delay: the delay is extended once for it. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocols: GroupProtocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    const found = this.protocols.find((p) => p.name === protocol);
    assert(found !== undefined, () => `member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** Same protocols with the same metadata, in the same order (Kafka's MemberMetadata.matches). */
  matches(protocols: readonly GroupProtocol[]): boolean {
    return protocols.length === this.protocols.length
      && protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata));
  }
}

export class GroupMetadata {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, MemberMetadata>();
  /**
   * KIP-394: member ids handed out with MEMBER_ID_REQUIRED whose owners have not joined with
   * them yet (Kafka's pendingMembers). Not written to the log; a rebalance waits for them.
   */
  readonly pendingMembers = new Set<string>();
  /** Committed offsets by `partitionKey`. */
  readonly offsets = new Map<string, OffsetCommitValue & { topic: string; partition: number }>();
  /**
   * When the group last became Empty on this coordinator (Kafka's currentStateTimestamp, which
   * offset expiry reads while the group is Empty); undefined for a group loaded Empty, whose
   * offsets then expire by their commit time, as Kafka's do when the group record has no timestamp.
   */
  emptySinceMs: number | undefined;

  constructor(readonly groupId: string) {}

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState): void {
    assert(validPreviousStates[state].includes(this.state), () => `group ${this.groupId}: no transition ${this.state} -> ${state}`);
    this.state = state;
  }

  /** Kafka's canRebalance: a rebalance can start from Stable, CompletingRebalance and Empty. */
  get canRebalance(): boolean {
    return validPreviousStates.PreparingRebalance.includes(this.state);
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): MemberMetadata {
    const found = this.members.get(memberId);
    assert(found !== undefined, () => `group ${this.groupId} has no member ${memberId}`);
    return found;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** The first member to join leads (Kafka: the leader is the first member added). */
  add(member: MemberMetadata, protocolType: string): void {
    if (this.members.size === 0) this.protocolType = protocolType;
    this.members.set(member.memberId, member);
    this.leaderId ??= member.memberId;
  }

  /** Removes a member; a removed leader hands over to the next member that has rejoined, else any. */
  remove(memberId: string): void {
    this.members.delete(memberId);
    if (this.leaderId !== memberId) return;
    const members = [...this.members.values()];
    this.leaderId = (members.find((m) => m.awaitingJoin !== undefined) ?? members[0])?.memberId ?? null;
  }

  /** Protocols every member supports (Kafka's candidateProtocols), in the first member's order. */
  private candidateProtocols(): string[] {
    const members = [...this.members.values()];
    if (members.length === 0) return [];
    return members[0].protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** A joining member fits when the group is empty or the protocol type matches and some protocol is shared. */
  supportsProtocols(protocolType: string, protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length === 0 || protocolType === '') return false;
    if (this.is('Empty') && this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.includes(p.name));
  }

  /** Kafka's selectProtocol: each member votes for its most preferred candidate; most votes wins (ties: first candidate). */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    assert(candidates.length > 0, () => `group ${this.groupId}: members share no protocol`);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const vote = member.protocols.find((p) => candidates.includes(p.name))!.name;
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    return candidates.reduce((best, c) => ((votes.get(c) ?? 0) > (votes.get(best) ?? 0) ? c : best), candidates[0]);
  }

  /** Kafka's hasAllMembersJoined: every member has sent JoinGroup and no pending member is still to come. */
  allMembersJoined(): boolean {
    return this.notYetRejoined().length === 0 && this.pendingMembers.size === 0;
  }

  /** Members that have not sent JoinGroup in the current rebalance. */
  notYetRejoined(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === undefined);
  }

  /** The rebalance timeout of the group: the largest of its members'. */
  rebalanceTimeoutMs(): number {
    return Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
  }

  /** Kafka's initNextGeneration: a new generation; with members, a protocol and CompletingRebalance, else Empty. */
  initNextGeneration(): void {
    assert(this.notYetRejoined().length === 0, () => `group ${this.groupId}: a new generation while members have not rejoined`);
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.transitionTo('Empty');
    }
  }

  /** What the leader gets in its JoinGroup response: every member with its metadata for the chosen protocol. */
  currentMemberMetadata(): { memberId: string; metadata: Buffer }[] {
    const protocol = this.protocolName;
    assert(protocol !== null, () => `group ${this.groupId}: no protocol chosen`);
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, metadata: m.metadataFor(protocol) }));
  }

  /**
   * The tombstones of a deleted group could not be written, so it was not deleted: the group,
   * Dead only while they were on their way, is Empty again (a way back Kafka's states do not
   * have, because Kafka forgets a deleted group before its tombstones are written).
   */
  restoreAfterFailedDeletion(): void {
    assert(this.is('Dead') && this.members.size === 0, () => `group ${this.groupId}: restoring a ${this.state} group with ${this.members.size} member(s)`);
    this.state = 'Empty';
  }

  /** The group metadata record written to __consumer_offsets (assignments included once known). */
  toValue(): GroupMetadataValue {
    const protocol = this.protocolName;
    return {
      protocolType: this.protocolType ?? '',
      generationId: this.generationId,
      protocol,
      leader: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: protocol === null ? Buffer.alloc(0) : m.metadataFor(protocol), assignment: m.assignment,
      })),
    };
  }

  /** A group as loaded from its latest metadata record: Stable with members, else Empty (Kafka's loadGroup). */
  static fromValue(groupId: string, value: GroupMetadataValue): GroupMetadata {
    const group = new GroupMetadata(groupId);
    group.generationId = value.generationId;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.leaderId = value.leader;
    for (const m of value.members) {
      const protocols = value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }];
      const member = new MemberMetadata(m.memberId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, protocols);
      member.assignment = m.assignment;
      group.members.set(member.memberId, member);
    }
    group.state = group.members.size > 0 ? 'Stable' : 'Empty';
    if (group.members.size === 0) group.leaderId = null;
    return group;
  }
}

/**
 * Kafka 2.1+'s offset expiry (KIP-211, GroupMetadata.removeExpiredOffsets) for one group: while it
 * is Empty, each offset expires offsets.retention.minutes after the group became empty, or after
 * its commit when that moment is unknown; a group with members keeps every offset. (Kafka also
 * expires a consumer group's offsets of topics it no longer subscribes to; Josef does not.)
 */
export function expiredOffsets(group: GroupMetadata, nowMs: number, retentionMs: number): { topic: string; partition: number }[] {
  if (!group.is('Empty')) return [];
  return [...group.offsets.values()]
    .filter((o) => nowMs - (group.emptySinceMs ?? o.commitTimestampMs) >= retentionMs)
    .map(({ topic, partition }) => ({ topic, partition }));
}

/**
 * Kafka's handleDeleteGroups decision for one group: only a group without members may go (Empty,
 * which includes a group that only has committed offsets); one with members is NON_EMPTY_GROUP,
 * and one that does not exist, or is being deleted (Dead), is GROUP_ID_NOT_FOUND.
 */
export function groupDeletionError(group: GroupMetadata | undefined): number {
  if (group === undefined || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND.code;
  return group.is('Empty') ? ErrorCode.NONE.code : ErrorCode.NON_EMPTY_GROUP.code;
}
