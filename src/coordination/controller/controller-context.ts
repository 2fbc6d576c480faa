/**
 * What the active controller knows of the cluster (Kafka's ControllerContext): live brokers with
 * their epochs, every topic's replica assignment, and each partition's leader/ISR with the
 * zkVersion of its state znode. Rebuilt from ZooKeeper whenever a broker becomes controller.
 */
import type { BrokerEndpoint, TopicPartition } from '../../protocol/messages';
import type { PartitionStateZnode, ReplicaAssignment } from '../znodes';

export interface LiveBroker {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  epoch: number;
}

export interface PartitionLeadership extends PartitionStateZnode {
  zkVersion: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

export class ControllerContext {
  epoch = 0;
  /** zkVersion of /controller_epoch when we raised it: every write we make checks it (fencing). */
  epochZkVersion = -1;
  readonly liveBrokers = new Map<number, LiveBroker>();
  readonly assignments = new Map<string, ReplicaAssignment>();
  readonly leadership = new Map<string, PartitionLeadership>();
  readonly shuttingDownBrokers = new Set<number>();

  liveBrokerIds(): Set<number> {
    return new Set(this.liveBrokers.keys());
  }

  endpoints(): BrokerEndpoint[] {
    return [...this.liveBrokers.values()].map((b) => ({ nodeId: b.id, host: b.host, port: b.port, rack: b.rack }));
  }

  replicasOf(tp: TopicPartition): number[] {
    return this.assignments.get(tp.topic)?.get(tp.partition) ?? [];
  }

  allPartitions(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, assignment] of this.assignments) {
      for (const partition of [...assignment.keys()].sort((a, b) => a - b)) out.push({ topic, partition });
    }
    return out;
  }

  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.replicasOf(tp).includes(brokerId));
  }

  removeTopic(topic: string): void {
    const assignment = this.assignments.get(topic);
    for (const partition of assignment?.keys() ?? []) this.leadership.delete(tpKey(topic, partition));
    this.assignments.delete(topic);
  }

  clear(): void {
    this.epoch = 0;
    this.epochZkVersion = -1;
    this.liveBrokers.clear();
    this.assignments.clear();
    this.leadership.clear();
    this.shuttingDownBrokers.clear();
  }
}
