/**
 * The consumer-group part of an admin client (Kafka's AdminClient listConsumerGroups,
 * describeConsumerGroups, listConsumerGroupOffsets, alterConsumerGroupOffsets,
 * deleteConsumerGroups): each group is asked of its coordinator, found with FindCoordinator;
 * ListGroups asks every live broker.
 */
import { ErrorCode, JosefError } from '../common/errors';
import { ApiKey } from '../protocol/api-keys';
import type { BrokerConnection } from './client-options';
import { brokerError } from './broker-error';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options';
import { ConnectionPool } from './connection-pool';
import { decodeAssignment } from './consumer-protocol';
import { Metadata } from './metadata';
import { type TopicPartition } from './records';
import { groupByTopic } from '../protocol/messages';
import { partitionKey } from '../common/topic';

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  coordinator: number;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor the group chose. */
  protocol: string;
  coordinator: number;
  members: GroupMemberDescription[];
}

/** How long a group call retries while a coordinator is being created, elected or loaded. */
const GROUP_ADMIN_TIMEOUT_MS = 30_000;

export class GroupAdmin {
  private readonly options: ResolvedClientOptions;
  private readonly pool: ConnectionPool;
  private readonly metadata: Metadata;

  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options, 'admin');
    this.pool = new ConnectionPool(this.options);
    this.metadata = new Metadata(this.options, this.pool, false);
  }

  /** Every group of every live broker, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    const cluster = await this.metadata.update();
    const listings: GroupListing[] = [];
    for (const node of cluster.brokers.values()) {
      const connection = await this.pool.get(node);
      const response = await connection.send(ApiKey.ListGroups, {});
      if (response.errorCode !== ErrorCode.NONE.code) throw brokerError(response.errorCode, `ListGroups on broker ${node.nodeId}`);
      for (const g of response.groups) listings.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, coordinator: node.nodeId });
    }
    return listings.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    return this.withCoordinator<GroupDescription>(groupId, async (connection, coordinator) => {
      const response = await connection.send(ApiKey.DescribeGroups, { groups: [groupId] });
      const g = response.groups[0];
      if (g.errorCode !== ErrorCode.NONE.code) return { retry: g.errorCode };
      const isConsumer = g.protocolType === 'consumer';
      return {
        value: {
          groupId, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, coordinator,
          members: g.members.map((m) => ({
            memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost,
            assignment: isConsumer ? decodeAssignment(Buffer.from(m.memberAssignment)) : [],
          })),
        },
      };
    });
  }

  /** The group's committed offsets by `topic-partition`. */
  async committedOffsets(groupId: string): Promise<Map<string, TopicPartition & { offset: number }>> {
    return this.withCoordinator<Map<string, TopicPartition & { offset: number }>>(groupId, async (connection) => {
      const response = await connection.send(ApiKey.OffsetFetch, { groupId, topics: null });
      if (response.errorCode !== ErrorCode.NONE.code) return { retry: response.errorCode };
      const offsets = new Map<string, TopicPartition & { offset: number }>();
      for (const t of response.topics) for (const p of t.partitions) offsets.set(partitionKey(t.name, p.partition), { topic: t.name, partition: p.partition, offset: p.committedOffset });
      return { value: offsets };
    });
  }

  /** Commits `offsets` for a group that has no active members (generation -1, as Kafka's reset tool). */
  async alterOffsets(groupId: string, offsets: readonly (TopicPartition & { offset: number })[]): Promise<void> {
    const description = await this.describeGroup(groupId);
    if (description.state !== 'Empty' && description.state !== 'Dead') {
      throw new JosefError(ErrorCode.NON_EMPTY_GROUP, `group ${groupId} is ${description.state} with ${description.members.length} member(s): stop its consumers first`);
    }
    const topics = groupByTopic(offsets, (o) => o.topic, (o) => ({ partition: o.partition, committedOffset: o.offset, committedMetadata: null }));
    await this.withCoordinator<undefined>(groupId, async (connection) => {
      const response = await connection.send(ApiKey.OffsetCommit, {
        groupId, generationId: -1, memberId: '', topics,
      });
      const failed = response.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== ErrorCode.NONE.code);
      return failed ? { retry: failed.errorCode } : { value: undefined };
    });
  }

  /**
   * Deletes a group without members, with its committed offsets (Kafka's deleteConsumerGroups):
   * NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when there is no such group.
   */
  async deleteGroup(groupId: string): Promise<void> {
    await this.withCoordinator<undefined>(groupId, async (connection) => {
      const response = await connection.send(ApiKey.DeleteGroups, { groupsNames: [groupId] });
      const code = response.results.find((r) => r.groupId === groupId)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR.code;
      return code === ErrorCode.NONE.code ? { value: undefined } : { retry: code };
    });
  }

  /** Runs `call` at the group's coordinator, finding it again and retrying on retriable errors. */
  private async withCoordinator<T>(groupId: string, call: (c: BrokerConnection, coordinator: number) => Promise<{ value: T } | { retry: number }>): Promise<T> {
    const deadlineMs = this.options.clock.nowMs() + GROUP_ADMIN_TIMEOUT_MS;
    for (;;) {
      let code: number;
      try {
        const found = await this.metadata.sendToAnyBroker(ApiKey.FindCoordinator, { key: groupId, keyType: 0 });
        if (found.errorCode !== ErrorCode.NONE.code) {
          code = found.errorCode;
        } else {
          const result = await call(await this.pool.get(found), found.nodeId);
          if ('value' in result) return result.value;
          code = result.retry;
        }
      } catch (err) {
        if (!(err instanceof JosefError) || !err.retriable) throw err;
        code = err.code;
      }
      const error = brokerError(code, `group ${groupId}`);
      if (!error.retriable || this.options.clock.nowMs() >= deadlineMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, this.options.retryBackoffMs));
    }
  }

  async close(): Promise<void> {
    this.metadata.close();
    await this.pool.close();
  }
}
