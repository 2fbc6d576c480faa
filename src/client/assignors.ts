/**
 * The consumer's partition assignors (Kafka's RangeAssignor and RoundRobinAssignor, run by the
 * group leader in the client): pure functions from members' subscriptions and topic partition
 * counts to each member's partitions. Every partition of a subscribed topic goes to exactly one
 * member subscribed to that topic; members are ordered by member id, as in Kafka.
 */
import type { TopicPartition } from '../protocol/messages';

export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/** Partition counts by topic; a topic not here (unknown to the leader) is not assigned. */
export type PartitionsPerTopic = ReadonlyMap<string, number>;

/** Each member's partitions by member id; every member has an entry, maybe empty. */
export type GroupAssignment = Map<string, TopicPartition[]>;

export interface PartitionAssignor {
  /** The protocol name members agree on in JoinGroup (Kafka's: "range", "roundrobin"). */
  readonly name: string;
  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: readonly MemberSubscription[]): GroupAssignment;
}

const byMemberId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function emptyAssignment(subscriptions: readonly MemberSubscription[]): GroupAssignment {
  return new Map(subscriptions.map((s) => [s.memberId, []]));
}

/**
 * Per topic, consumers sorted by member id get consecutive ranges: n / c partitions each, and
 * the first n % c consumers one more.
 */
export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  assign(partitionsPerTopic, subscriptions) {
    const assignment = emptyAssignment(subscriptions);
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))].sort(byMemberId);
    for (const topic of topics) {
      const partitionCount = partitionsPerTopic.get(topic);
      if (partitionCount === undefined) continue;
      const consumers = subscriptions.filter((s) => s.topics.includes(topic)).map((s) => s.memberId).sort(byMemberId);
      const perConsumer = Math.floor(partitionCount / consumers.length);
      const withExtra = partitionCount % consumers.length;
      consumers.forEach((memberId, i) => {
        const start = perConsumer * i + Math.min(i, withExtra);
        const length = perConsumer + (i + 1 > withExtra ? 0 : 1);
        for (let p = start; p < start + length; p++) assignment.get(memberId)!.push({ topic, partition: p });
      });
    }
    return assignment;
  },
};

/**
 * All partitions of all subscribed topics, topics in name order, dealt one by one to members in
 * member-id order, skipping members not subscribed to the partition's topic.
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  assign(partitionsPerTopic, subscriptions) {
    const assignment = emptyAssignment(subscriptions);
    const members = [...subscriptions].sort((a, b) => byMemberId(a.memberId, b.memberId));
    if (members.length === 0) return assignment;
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))].sort(byMemberId);
    let next = 0;
    for (const topic of topics) {
      const partitionCount = partitionsPerTopic.get(topic) ?? 0;
      for (let partition = 0; partition < partitionCount; partition++) {
        // Some member is subscribed to `topic` (it came from a subscription), so this ends.
        while (!members[next % members.length].topics.includes(topic)) next++;
        assignment.get(members[next % members.length].memberId)!.push({ topic, partition });
        next++;
      }
    }
    return assignment;
  },
};

export const ASSIGNORS: readonly PartitionAssignor[] = [rangeAssignor, roundRobinAssignor];

export function assignorByName(name: string): PartitionAssignor | undefined {
  return ASSIGNORS.find((a) => a.name === name);
}
