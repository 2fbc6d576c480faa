/**
 * Puts a broker's group coordinator together (used by broker.ts only): its offsets log is the
 * ReplicaManager's __consumer_offsets partitions, written with acks=all as internal topic, and it
 * loads a partition's groups when a LeaderAndIsr makes this broker that partition's leader and
 * drops them when it makes it a follower (Kafka's onLeadershipChange -> onElection/onResignation).
 */
import type { Clock } from '../common/clock';
import type { BrokerConfig } from '../common/config';
import { ErrorCode, JosefError } from '../common/errors';
import type { Logger } from '../common/logger';
import { timerScheduler, type Scheduler } from '../common/scheduler';
import type { ReplicaManager } from '../server/replica-manager';
import { GROUP_METADATA_TOPIC } from './coordinator-partition';
import { GroupCoordinator, type GroupCoordinatorSettings } from './group-coordinator';
import { GroupMetadataManager, type OffsetsTopicPort } from './group-metadata-manager';

/** Kafka's offsets.commit.timeout.ms: how long a commit waits for every ISR member (acks=all). */
export const OFFSETS_COMMIT_TIMEOUT_MS = 5_000;

export interface GroupCoordinatorWiring {
  replicaManager: ReplicaManager;
  config: BrokerConfig;
  logger: Logger;
  clock: Clock;
  /** Overrides of the config's group.* settings (in-process tests). */
  settings?: Partial<GroupCoordinatorSettings>;
  scheduler?: Scheduler;
}

export function offsetsTopicOf(replicaManager: ReplicaManager): OffsetsTopicPort {
  const log = (partition: number) => replicaManager.getPartition(GROUP_METADATA_TOPIC, partition)?.log;
  return {
    async append(partition, batch) {
      const [result] = await replicaManager.appendRecords(-1, OFFSETS_COMMIT_TIMEOUT_MS, [{ topic: GROUP_METADATA_TOPIC, partition, records: batch }], { internalTopicsAllowed: true });
      return result.errorCode;
    },
    read(partition, offset, maxBytes) {
      const partitionLog = log(partition);
      if (!partitionLog) return undefined;
      try {
        return partitionLog.read(offset, { maxBytes });
      } catch (err) {
        if (err instanceof JosefError && err.code === ErrorCode.OFFSET_OUT_OF_RANGE.code) return Buffer.alloc(0);
        throw err;
      }
    },
    bounds(partition) {
      const partitionLog = log(partition);
      return partitionLog ? { start: partitionLog.logStartOffset, end: partitionLog.logEndOffset } : undefined;
    },
  };
}

export function createGroupCoordinator(wiring: GroupCoordinatorWiring): GroupCoordinator {
  const { replicaManager, config, logger, clock } = wiring;
  const nowMs = (): number => clock.nowMs();
  const manager = new GroupMetadataManager(config.offsetsTopicNumPartitions, offsetsTopicOf(replicaManager), logger.child('group-metadata'), nowMs);
  const settings: GroupCoordinatorSettings = {
    groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    groupMaxSize: config.groupMaxSize,
    ...wiring.settings,
  };
  const coordinator = new GroupCoordinator(manager, settings, wiring.scheduler ?? timerScheduler, logger, nowMs);
  coordinator.startOffsetExpiry(config.offsetsRetentionMinutes * 60_000, config.offsetsRetentionCheckIntervalMs);
  replicaManager.addLeadershipListener((changes) => {
    for (const change of changes) {
      if (change.topic !== GROUP_METADATA_TOPIC) continue;
      const owned = manager.ownedPartitions().includes(change.partition);
      if (change.isLeader && !owned) void coordinator.onBecomeLeader(change.partition);
      else if (!change.isLeader && owned) coordinator.onResignLeader(change.partition);
    }
  });
  return coordinator;
}
