/**
 * A broker's two replication throttles and how the dynamic config sets them (Kafka's
 * QuotaManagers.leader and .follower, set by ConfigHandler's BrokerConfigHandler and
 * TopicConfigHandler): the rates come from /config/brokers, the partitions they apply to from each
 * topic's config. The replica manager only reads them as it serves and sends fetches.
 */
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import {
  parseThrottledReplicas, parseThrottleRate, ReplicationQuota, ReplicationThrottleConfig,
} from '../replication/replication-quota';

export interface ReplicationThrottlesOptions {
  brokerId: number;
  clock: Clock;
  logger: Logger;
}

export class ReplicationThrottles {
  /** What this broker serves as leader to followers outside the ISR (Kafka's LeaderReplication quota). */
  readonly leader: ReplicationQuota;
  /** What this broker fetches as follower outside the ISR (Kafka's FollowerReplication quota). */
  readonly follower: ReplicationQuota;

  constructor(private readonly options: ReplicationThrottlesOptions) {
    this.leader = new ReplicationQuota({ nowMs: () => options.clock.nowMs() });
    this.follower = new ReplicationQuota({ nowMs: () => options.clock.nowMs() });
  }

  /**
   * The broker's effective dynamic props (/config/brokers/<id> over <default>, Kafka's
   * BrokerConfigHandler): `leader.replication.throttled.rate` and `follower.replication.throttled.rate`
   * (bytes per second) set the two limits; a rate absent from `props` lifts that limit. Other keys
   * are ignored here. A malformed rate throws and changes nothing.
   */
  applyBrokerConfig(props: Record<string, string>): void {
    const leader = parseThrottleRate(ReplicationThrottleConfig.leaderRate, props[ReplicationThrottleConfig.leaderRate]);
    const follower = parseThrottleRate(ReplicationThrottleConfig.followerRate, props[ReplicationThrottleConfig.followerRate]);
    this.leader.updateQuota(leader);
    this.follower.updateQuota(follower);
    this.options.logger.info(`replication throttle: leader ${leader ?? 'unlimited'} B/s, follower ${follower ?? 'unlimited'} B/s`);
  }

  /**
   * A topic's whole config (/config/topics/<topic>, the throttle half of Kafka's TopicConfigHandler):
   * `leader.replication.throttled.replicas` and `follower.replication.throttled.replicas` ("*", or
   * "partition:brokerId,..." of which this broker takes the pairs with its id) say which of its
   * partitions each throttle applies to; absent or empty: none. A malformed list throws and changes
   * nothing.
   */
  applyTopicConfig(topic: string, props: Record<string, string>): void {
    const lists = [
      [this.leader, props[ReplicationThrottleConfig.leaderReplicas]],
      [this.follower, props[ReplicationThrottleConfig.followerReplicas]],
    ] as const;
    const parsed = lists.map(([, value]) => (value === undefined ? undefined : parseThrottledReplicas(value, this.options.brokerId)));
    lists.forEach(([quota], i) => {
      const partitions = parsed[i];
      if (partitions === undefined || (partitions !== '*' && partitions.length === 0)) quota.removeThrottle(topic);
      else quota.markThrottled(topic, partitions);
    });
  }
}
