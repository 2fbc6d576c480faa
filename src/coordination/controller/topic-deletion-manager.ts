/**
 * Topic deletion (Kafka's TopicDeletionManager): a topic marked under /admin/delete_topics leaves
 * every broker's metadata at once, then each replica gets StopReplica(deletePartitions=true); only
 * when every replica has answered that it deleted its files are the topic's znodes removed. A
 * replica whose broker is down waits for it to come back, as in Kafka. Runs inside the event loop.
 */
import { ErrorCode } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { StopReplicaResponse } from '../../protocol/messages';
import { ZkPaths } from '../paths';
import type { ControllerContext } from './controller-context';
import type { ControllerRequests } from './controller-requests';
import type { PartitionStateMachine } from './partition-state-machine';

/** Reports a StopReplica answer back into the event loop (the channel answers outside it). */
export type StopReplicaResponseSink = (topic: string, brokerId: number, response: StopReplicaResponse) => void;

const notSent = -1;

export class TopicDeletionManager {
  constructor(
    private readonly states: PartitionStateMachine,
    private readonly context: ControllerContext,
    private readonly requests: ControllerRequests,
    private readonly onStopReplicaResponse: StopReplicaResponseSink,
    private readonly logger: Logger,
  ) {}

  /** The markers now under /admin/delete_topics: queue the known topics, drop markers of unknown ones. */
  async enqueue(markers: string[]): Promise<void> {
    const queued: string[] = [];
    for (const topic of markers) {
      if (this.context.topicsToBeDeleted.has(topic)) continue;
      if (!this.context.assignments.has(topic)) {
        this.logger.warn(`ignoring the deletion marker of unknown topic ${topic}`);
        await this.states.deleteFenced(ZkPaths.deleteTopic(topic));
        continue;
      }
      const replicas = new Set(this.context.partitionsOf(topic).flatMap((tp) => this.context.replicasOf(tp)));
      this.context.topicsToBeDeleted.add(topic);
      this.context.replicasPendingDeletion.set(topic, new Map([...replicas].map((r) => [r, notSent])));
      queued.push(topic);
      this.logger.info(`deleting topic ${topic} from replicas on brokers [${[...replicas].sort((a, b) => a - b).join(',')}]`);
    }
    // Kafka's LeaderDuringDelete: clients stop seeing the topic before its files go.
    if (queued.length > 0) this.requests.sendUpdateMetadata([], { deletedTopics: queued });
    await this.resume();
  }

  /** Sends StopReplica(delete) to every waiting replica whose broker is alive; finishes topics with none left. */
  async resume(): Promise<void> {
    for (const topic of [...this.context.topicsToBeDeleted]) {
      const pending = this.context.replicasPendingDeletion.get(topic) ?? new Map<number, number>();
      if (pending.size === 0) {
        await this.complete(topic);
        continue;
      }
      const waitingFor: number[] = [];
      for (const [brokerId, sentToEpoch] of pending) {
        const broker = this.context.liveBrokers.get(brokerId);
        if (!broker) {
          pending.set(brokerId, notSent);
          waitingFor.push(brokerId);
        } else if (sentToEpoch !== broker.epoch) {
          // Never sent, or sent to an earlier run of the broker whose queue died with it.
          pending.set(brokerId, broker.epoch);
          this.sendStopReplica(topic, brokerId);
        }
      }
      if (waitingFor.length > 0) this.logger.info(`deletion of topic ${topic} waits for broker(s) [${waitingFor.join(',')}] to come back`);
    }
  }

  /** The broker's request queue was dropped: its StopReplica requests must go again. */
  async resendTo(brokerId: number): Promise<void> {
    for (const pending of this.context.replicasPendingDeletion.values()) if (pending.has(brokerId)) pending.set(brokerId, notSent);
    await this.resume();
  }

  private sendStopReplica(topic: string, brokerId: number): void {
    const partitions = this.context.partitionsOf(topic).filter((tp) => this.context.replicasOf(tp).includes(brokerId));
    this.requests.sendStopReplica(brokerId, partitions, true, (response) => this.onStopReplicaResponse(topic, brokerId, response));
  }

  /** A replica's answer (in the event loop): deleted -> forget it; refused -> send again at the next resume. */
  async onStopReplicaAnswered(topic: string, brokerId: number, response: StopReplicaResponse): Promise<void> {
    const pending = this.context.replicasPendingDeletion.get(topic);
    if (!pending?.has(brokerId)) return;
    const failed = response.errorCode !== ErrorCode.NONE.code ? [response.errorCode] : response.partitions.filter((p) => p.errorCode !== ErrorCode.NONE.code).map((p) => p.errorCode);
    if (failed.length > 0) {
      this.logger.warn(`broker ${brokerId} could not delete its replicas of topic ${topic} (error codes ${failed.join(',')}); retrying when brokers change`);
      pending.set(brokerId, notSent);
      return;
    }
    pending.delete(brokerId);
    if (pending.size === 0) await this.complete(topic);
  }

  /** Every replica is gone: remove the topic's znodes and forget it. */
  private async complete(topic: string): Promise<void> {
    // Fenced by the controller epoch, as Kafka's deleteTopicZNode: a deposed controller finishing a
    // deletion raced the new controller's load of the topic, which then gave the partitions whose
    // state znodes had just gone new ones, under an empty topic znode that no failover could parse
    // (found by the simulation, seed 372 of `npm run sim`).
    await this.states.deleteRecursiveFenced(ZkPaths.topic(topic));
    await this.states.deleteRecursiveFenced(ZkPaths.topicConfig(topic));
    await this.states.deleteFenced(ZkPaths.deleteTopic(topic));
    this.context.removeTopic(topic);
    this.requests.sendUpdateMetadata([], { deletedTopics: [topic] });
    this.logger.info(`deleted topic ${topic}`);
  }
}
