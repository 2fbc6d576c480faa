/**
 * The controller's events (Kafka's ControllerEvent case classes): what ZooKeeper watches, API
 * calls and broker answers put on the event queue. Watch events carry nothing: processing one
 * re-reads the znodes it is about, and sets the watch again (ZooKeeper watches fire once).
 */
import type { LeaderAndIsrResponse, StopReplicaResponse, TopicPartition } from '../../protocol/messages';
import type { PartitionElectionResult } from './admin-leader-election';

/** Events that a ZooKeeper watch puts; a second one while the first waits is redundant. */
export type WatchEvent =
  | { type: 'ControllerChange' } // /controller was created, changed or deleted
  | { type: 'BrokerChange' } // children of /brokers/ids
  | { type: 'TopicChange' } // children of /brokers/topics
  | { type: 'TopicDeletion' } // children of /admin/delete_topics
  | { type: 'IsrChangeNotification' } // children of /isr_change_notification
  | { type: 'PreferredReplicaElection' } // /admin/preferred_replica_election created or changed
  | { type: 'PartitionReassignment' } // /admin/reassign_partitions created, changed or deleted
  | { type: 'LogDirEventNotification' }; // children of /log_dir_event_notification

export type ControllerEvent =
  | WatchEvent
  | { type: 'Startup' }
  | { type: 'Expire' } // the ZooKeeper session expired: resign, race again
  | { type: 'ControlledShutdown'; brokerId: number; brokerEpoch: number; reply: (remaining: TopicPartition[]) => void }
  | { type: 'ElectLeaders'; partitions: TopicPartition[]; electionType: number; reply: (results: PartitionElectionResult[]) => void }
  | { type: 'LeaderAndIsrResponse'; controllerEpoch: number; brokerId: number; response: LeaderAndIsrResponse }
  | { type: 'StopReplicaResponse'; controllerEpoch: number; topic: string; brokerId: number; response: StopReplicaResponse }
  | { type: 'BrokerResync'; controllerEpoch: number; brokerId: number } // its request queue overflowed
  | { type: 'AutoPreferredReplicaLeaderElection'; controllerEpoch: number } // the imbalance check's timer
  // Watches set per topic or partition: one-shot, so each fires once per setting, and none is redundant.
  | { type: 'PartitionModifications'; topic: string } // /brokers/topics/<topic> changed (new partitions?)
  | { type: 'PartitionReassignmentIsrChange'; topic: string; partition: number }; // the state znode of a partition being reassigned changed

export const watchEventTypes: ReadonlySet<ControllerEvent['type']> = new Set([
  'ControllerChange', 'BrokerChange', 'TopicChange', 'TopicDeletion', 'IsrChangeNotification', 'PreferredReplicaElection', 'LogDirEventNotification',
  'PartitionReassignment',
]);
