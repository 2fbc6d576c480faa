/**
 * What a consumer reads and from where (Kafka's SubscriptionState): the assigned partitions,
 * each with its position (the next offset to hand out), a pending offset reset, a paused flag and
 * the last high watermark seen. Manual assignment only for now; a group subscription will feed
 * `assign` from the coordinator's assignment. Pure state, no I/O.
 */
import type { TopicPartition } from './records';
import { partitionKey } from '../common/topic';

/** Kafka's auto.offset.reset. */
export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

export class TopicPartitionState implements TopicPartition {
  /** The next offset to return; null until seeked or reset. */
  position: number | null = null;
  /** Why the position is being looked up, when it is (a seekToBeginning/End, or the default). */
  resetStrategy: OffsetResetStrategy | null = null;
  paused = false;
  highWatermark = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get name(): string {
    return partitionKey(this.topic, this.partition);
  }

  /** Has a position and is not paused: its records may be fetched. */
  get fetchable(): boolean {
    return this.position !== null && !this.paused;
  }
}

export class SubscriptionState {
  private readonly assigned = new Map<string, Map<number, TopicPartitionState>>();

  constructor(readonly defaultResetStrategy: OffsetResetStrategy) {}

  /** Replaces the assignment; partitions that stay keep their position and pause state. */
  assign(partitions: readonly TopicPartition[]): void {
    const previous = this.assigned;
    const next = new Map<string, Map<number, TopicPartitionState>>();
    for (const { topic, partition } of partitions) {
      if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`invalid partition ${partition} of topic ${topic}`);
      let byPartition = next.get(topic);
      if (byPartition === undefined) next.set(topic, (byPartition = new Map()));
      byPartition.set(partition, previous.get(topic)?.get(partition) ?? new TopicPartitionState(topic, partition));
    }
    this.assigned.clear();
    for (const [topic, byPartition] of next) this.assigned.set(topic, byPartition);
  }

  /** The assigned partition, or undefined. */
  state(topic: string, partition: number): TopicPartitionState | undefined {
    return this.assigned.get(topic)?.get(partition);
  }

  /** The assigned partition; throws (a caller's mistake, as in Kafka) when it is not assigned. */
  assignedState(tp: TopicPartition): TopicPartitionState {
    const state = this.state(tp.topic, tp.partition);
    if (state === undefined) throw new Error(`no current assignment for partition ${partitionKey(tp.topic, tp.partition)}`);
    return state;
  }

  assignment(): TopicPartitionState[] {
    const all: TopicPartitionState[] = [];
    for (const byPartition of this.assigned.values()) for (const state of byPartition.values()) all.push(state);
    return all;
  }

  topics(): string[] {
    return [...this.assigned.keys()];
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`invalid offset ${offset} for ${partitionKey(tp.topic, tp.partition)}`);
    const state = this.assignedState(tp);
    state.position = offset;
    state.resetStrategy = null;
  }

  /** Forgets the position; the next poll looks it up with `strategy`. */
  requestReset(tp: TopicPartition, strategy: OffsetResetStrategy): void {
    const state = this.assignedState(tp);
    state.position = null;
    state.resetStrategy = strategy;
  }

  /** Partitions without a position, with the strategy that finds one (none: the caller must fail). */
  partitionsNeedingReset(): Array<{ state: TopicPartitionState; strategy: OffsetResetStrategy }> {
    return this.assignment()
      .filter((s) => s.position === null)
      .map((state) => ({ state, strategy: state.resetStrategy ?? this.defaultResetStrategy }));
  }

  fetchablePartitions(): TopicPartitionState[] {
    return this.assignment().filter((s) => s.fetchable);
  }
}
